"""A fuzzer over the app's route table: every route, every parameter and field, hostile input.

It reads what each handler takes from the app itself: path parameters from the route's path,
query parameters from the handler's signature, form fields from the Structs its source passes to
``parse_form`` (and the keys it reads from the raw form by hand), JSON bodies from its ``data``
annotation. Each value is replaced in turn by what a stranger might send for its type, the other
values kept sensible, so that a hostile value reaches as deep as a real one would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import inspect
import re
import typing
from collections.abc import Iterator
from urllib.parse import quote

import msgspec
from litestar import Litestar
from litestar.routes import HTTPRoute

SCRIPT = "<script>alert(1)</script>"
# An integer past every column's range, and past 64 bits.
HUGE = "99999999999999999999"

INT_VALUES = [HUGE, "9223372036854775808", "2147483648", "-1", "0", "1.5", "1e400", "abc"]
DAY_VALUES = ["0001-01-01", "9999-12-31", "2026-02-30", "20261301", "-2026-01-01"]
MOMENT_VALUES = ["0001-01-01T00:00", "9999-12-31T23:59", "2026-12-01T25:61", "2026-12-01"]
TIME_VALUES = ["25:00", "23:61", "-1:00", "9999"]
TEXT_VALUES = [SCRIPT, "x" * 5000, "a\x00b", "🙂" * 50, "%FF"]
# Any parameter, whatever its type: nothing, or markup.
ANY_VALUES = ["", SCRIPT]

# The values whose fate depends on the database engine (integer width, NUL bytes, text length,
# date range); the rest (markup, body shapes) is answered before any query, whatever the engine.
ENGINE_VALUES = {
    HUGE,
    "9223372036854775808",
    "2147483648",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "a\x00b",
    "x" * 5000,
}

# A JSON body nested a thousand levels deep is 2 KB: a recursive parser falls over on it.
DEEP_JSON = b"[" * 1000 + b"]" * 1000
JSON_BODIES = [
    DEEP_JSON,
    b'{"a":' * 1000 + b"1" + b"}" * 1000,
    b"null",
    b"[]",
    b'{"items": "not a list"}',
    b'{"truncated": ',
    b"\xff\xfe not utf-8",
    b'"' + b"x" * 500_000 + b'"',
]


@dataclasses.dataclass(frozen=True)
class Target:
    method: str
    path: str  # the route's template, e.g. /visitors/{visitor_id:int}
    handler: object
    roles: tuple[str, ...]  # lab_roles of its guards; () when public


@dataclasses.dataclass
class Outcome:
    tried: int = 0
    failures: list[str] = dataclasses.field(default_factory=list)


def targets(app: Litestar) -> Iterator[Target]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/static"):
            continue
        for handler in route.route_handlers:
            roles: tuple[str, ...] = ()
            for guard in handler.resolve_guards():
                roles += tuple(getattr(guard, "lab_roles", ()) or ())
            for method in sorted(handler.http_methods):
                if method not in ("OPTIONS", "HEAD"):
                    yield Target(method, route.path, handler, roles)


# ---- what a handler takes -------------------------------------------------------------------

_PATH_PARAM = re.compile(r"\{([^}:]+):([^}]+)\}")


def path_params(path: str) -> dict[str, str]:
    return dict(_PATH_PARAM.findall(path))


def _source(handler) -> str:
    fn = handler.fn
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        return ""
    # The module's own helpers the handler calls (one level): they often read the form.
    module = inspect.getmodule(fn)
    for name in set(re.findall(r"\b(_[a-z_0-9]+)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper):
            try:
                source += inspect.getsource(helper)
            except (OSError, TypeError):
                pass
    return source


def query_params(handler) -> dict[str, object]:
    """Query parameters and their types, from the handler's signature."""
    found: dict[str, object] = {}
    path_names = set()
    for route_path in handler.paths:
        path_names |= set(path_params(route_path))
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in path_names or name in {"request", "data", "socket", "state", "scope"}:
            continue
        annotation = field.annotation
        if inspect.isclass(annotation) and issubclass(annotation, object) and name in {"headers"}:
            continue
        kwarg = field.kwarg_definition
        key = getattr(kwarg, "query", None) or name
        if getattr(kwarg, "header", None) or getattr(kwarg, "cookie", None):
            continue
        found[key] = annotation
    return found


def form_fields(handler) -> dict[str, object]:
    """Form fields and their types: the Structs passed to parse_form, the keys read by hand."""
    source = _source(handler)
    fields: dict[str, object] = {}
    module = inspect.getmodule(handler.fn)
    for name in re.findall(r"parse_form\(\s*([A-Za-z_][A-Za-z_0-9]*)", source):
        struct = getattr(module, name, None)
        if inspect.isclass(struct) and issubclass(struct, msgspec.Struct):
            for field in msgspec.structs.fields(struct):
                fields[field.encode_name] = field.type
    for key in re.findall(r"""(?:raw|form|values)\.get(?:all)?\(\s*["']([a-z_]+)["']""", source):
        fields.setdefault(key, str)
    return fields


def json_body_type(handler) -> object | None:
    field = handler.parsed_fn_signature.parameters.get("data")
    return None if field is None else field.annotation


# ---- values ---------------------------------------------------------------------------------


def _unwrap(kind: object) -> object:
    """The core type of an Annotated / Optional / NewType annotation."""
    while True:
        origin = typing.get_origin(kind)
        if origin is typing.Annotated:
            kind = typing.get_args(kind)[0]
        elif origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
            args = [arg for arg in typing.get_args(kind) if arg is not type(None)]
            kind = args[0] if args else str
        elif hasattr(kind, "__supertype__"):
            kind = kind.__supertype__
        else:
            return kind


def hostile_values(kind: object) -> list[str]:
    core = _unwrap(kind)
    origin = typing.get_origin(core)
    if origin in (list, set, frozenset, tuple):
        return hostile_values(typing.get_args(core)[0] if typing.get_args(core) else str)
    if core is bool:
        return ANY_VALUES
    if core is int or core is float:
        return INT_VALUES + ANY_VALUES
    if inspect.isclass(core) and issubclass(core, dt.datetime):
        return MOMENT_VALUES + ANY_VALUES
    if inspect.isclass(core) and issubclass(core, dt.date):
        return DAY_VALUES + ANY_VALUES
    if core is dt.time:
        return TIME_VALUES + ANY_VALUES
    return [*TEXT_VALUES, HUGE, "-1", *ANY_VALUES]


def sensible_value(name: str, kind: object, today: dt.date) -> str:
    core = _unwrap(kind)
    origin = typing.get_origin(core)
    if origin is typing.Literal:
        return str(typing.get_args(core)[0])
    if inspect.isclass(core) and issubclass(core, enum.Enum):
        return str(next(iter(core)).value)
    if core is bool:
        return "on"
    if core is int:
        return "1"
    if inspect.isclass(core) and issubclass(core, dt.datetime):
        return f"{today.isoformat()}T10:00"
    if inspect.isclass(core) and issubclass(core, dt.date):
        return today.isoformat()
    if core is dt.time:
        return "10:00"
    if "email" in name:
        return "fuzz@lab.test"
    if "postcode" in name:
        return "93200"
    return "Inès"


def sample_path(path: str, today: dt.date, override: tuple[str, str] | None = None) -> str:
    def value(match: re.Match[str]) -> str:
        name, kind = match.group(1), match.group(2)
        if override and override[0] == name:
            return quote(override[1], safe="%")
        if kind == "date":
            return today.isoformat()
        return "1"

    return _PATH_PARAM.sub(value, path)


# ---- requests -------------------------------------------------------------------------------


def _reflected(response) -> bool:
    kind = response.headers.get("content-type", "")
    return kind.startswith("text/html") and SCRIPT in response.text


async def _send(client, outcome: Outcome, label: str, method: str, url: str, **kwargs) -> None:
    outcome.tried += 1
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as error:  # the app itself raised past its handlers
        outcome.failures.append(f"{label}: raised {type(error).__name__}: {error}")
        return
    if response.status_code >= 500:
        outcome.failures.append(f"{label}: {response.status_code}")
    elif _reflected(response):
        outcome.failures.append(f"{label}: script reflected unescaped")


async def fuzz(
    client, target: Target, outcome: Outcome, *, with_bodies: bool = True, engine_only=False
) -> None:
    """Send every kind of hostile input to one route, as whoever ``client`` is signed in as.

    ``engine_only``: only the values whose fate depends on the database engine (for a second
    engine, once the first has had everything).
    """

    def chosen(values: list[str]) -> list[str]:
        return [value for value in values if value in ENGINE_VALUES] if engine_only else values

    today = dt.date.today()
    method, path, handler = target.method, target.path, target.handler
    base = sample_path(path, today)
    queries = query_params(handler)
    sensible_query = {name: sensible_value(name, kind, today) for name, kind in queries.items()}
    name = f"{method} {path}"

    # Path parameters, one at a time.
    for param, kind in path_params(path).items():
        values = (
            INT_VALUES if kind == "int" else DAY_VALUES if kind == "date" else TEXT_VALUES
        ) + [SCRIPT]
        for value in chosen(values):
            url = sample_path(path, today, (param, value))
            await _send(client, outcome, f"{name} path {param}={value[:20]!r}", method, url)
    # Query parameters, one at a time, the others sensible.
    for param, kind in queries.items():
        for value in chosen(hostile_values(kind)):
            params = {**sensible_query, param: value}
            await _send(
                client, outcome, f"{name} ?{param}={value[:20]!r}", method, base, params=params
            )
    if not with_bodies or method == "GET":
        return

    body_type = json_body_type(handler)
    if body_type is not None:
        for body in [] if engine_only else JSON_BODIES:
            await _send(
                client,
                outcome,
                f"{name} json {body[:20]!r}",
                method,
                base,
                content=body,
                headers={"content-type": "application/json"},
            )
        return

    fields = form_fields(handler)
    sensible = {field: sensible_value(field, kind, today) for field, kind in fields.items()}
    for field, kind in fields.items():
        for value in chosen(hostile_values(kind)):
            data = {**sensible, field: value}
            await _send(client, outcome, f"{name} {field}={value[:20]!r}", method, base, data=data)
    if engine_only:
        return
    # Every field as a file part, where text is expected.
    files = {field: ("x.txt", b"file content", "text/plain") for field in fields or {"x": str}}
    await _send(client, outcome, f"{name} file parts", method, base, files=files)
    # A body that is not UTF-8, an empty body, a JSON body where a form is expected.
    await _send(
        client,
        outcome,
        f"{name} invalid utf-8",
        method,
        base,
        content=b"a=%FF%FE&\xff\xfe=1",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    await _send(client, outcome, f"{name} empty body", method, base)
    await _send(
        client,
        outcome,
        f"{name} deep json",
        method,
        base,
        content=DEEP_JSON,
        headers={"content-type": "application/json"},
    )
