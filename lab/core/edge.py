"""What every request body must be before a handler reads it.

Checked once for the whole app (a ``before_request`` hook), so that no handler has to remember:
- lab takes no file, but where a handler says so in its ``opt`` (``FILE_FIELD``: one named
  field, at most so many bytes; the badge verifier's upload): any other file part is refused
  (422), where a handler would otherwise meet an upload object where it expects text;
- a JSON body is at most ``JSON_MAX_BYTES`` (413) and ``JSON_MAX_DEPTH`` levels deep (400): a
  2 KB body of a thousand nested brackets exhausts a recursive decoder;
- a form body is UTF-8 text (422);
- no text holds a NUL character (422): PostgreSQL refuses it in every text column, so it would
  fail deep in a query, and no person types one.
"""

from __future__ import annotations

import dataclasses
import re

from litestar import Request
from litestar.datastructures import UploadFile

from lab.core.errors import BodyTooLarge, Invalid, MalformedBody
from lab.core.i18n import _

# The largest JSON lab expects is the kiosk's offline queue: a few hundred scans of ~300 bytes.
JSON_MAX_BYTES = 256 * 1024
# lab's JSON documents are two or three levels deep; 32 leaves room and stops any bomb.
JSON_MAX_DEPTH = 32

# The key of a route handler's ``opt`` that lets one file part through (a ``FileField``).
FILE_FIELD = "lab_file_field"


@dataclasses.dataclass(frozen=True, slots=True)
class FileField:
    name: str  # the one form field that may be a file
    max_bytes: int


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(body: bytes) -> int:
    """How deeply ``body``'s arrays and objects nest (brackets inside strings do not count)."""
    depth = deepest = 0
    for bracket in _BRACKET.findall(_JSON_STRING.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def _refuse_nul(names: list[str]) -> None:
    if names:
        message = _("Ce texte contient des caractères non acceptés.")
        raise Invalid(message, field_errors=dict.fromkeys(sorted(set(names)), message))


async def check_body(request: Request) -> None:
    """Refuse input no handler of lab can use, before any handler parses it."""
    _refuse_nul([name for name, value in request.query_params.multi_items() if "\x00" in value])
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    media_type = _media_type(request)
    if media_type == "application/json" or media_type.endswith("+json"):
        body = await request.body()
        if len(body) > JSON_MAX_BYTES:
            raise BodyTooLarge(_("Les données envoyées sont trop volumineuses."))
        # Fewer brackets than the limit cannot nest deeper (every check-in: skip the walk).
        brackets = body.count(b"[") + body.count(b"{")
        if brackets > JSON_MAX_DEPTH and json_depth(body) > JSON_MAX_DEPTH:
            raise MalformedBody(_("Les données envoyées ne sont pas lisibles."))
        if b"\\u0000" in body or b"\x00" in body:
            _refuse_nul(["body"])
    elif media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        if media_type == "application/x-www-form-urlencoded":
            # Only here: a multipart body may already have been streamed into the form (the
            # CSRF check reads a form's token field), and is then not there to read again.
            body = await request.body()
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                raise Invalid(_("Les données envoyées ne sont pas lisibles.")) from None
        form = await request.form()
        _refuse_nul([name for name, value in form.multi_items() if "\x00" in str(value)])
        uploads = [
            (name, value) for name, value in form.multi_items() if isinstance(value, UploadFile)
        ]
        allowed = request.route_handler.opt.get(FILE_FIELD)
        if isinstance(allowed, FileField) and len(uploads) == 1 and uploads[0][0] == allowed.name:
            await _check_size(uploads[0][1], allowed.max_bytes)
            return
        files = sorted({name for name, _value in uploads})
        if files:
            message = _("Un texte est attendu ici, pas un fichier.")
            raise Invalid(message, field_errors=dict.fromkeys(files, message))


async def _check_size(upload: UploadFile, max_bytes: int) -> None:
    """The one file a handler accepts, no larger than it said (413); read back to its start."""
    size = len(await upload.read(max_bytes + 1))
    await upload.seek(0)
    if size > max_bytes:
        raise BodyTooLarge(_("Le fichier envoyé est trop gros."))
