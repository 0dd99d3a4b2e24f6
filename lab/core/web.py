"""Rendering pages and fragments, redirects, and turning errors into responses."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any
from urllib.parse import quote, urlsplit

import msgspec
from jinja2 import Environment, FileSystemLoader, pass_eval_context, select_autoescape
from jinja2.nodes import EvalContext
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    InternalServerException,
    MethodNotAllowedException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.middleware.csrf import ScopeState
from litestar.status_codes import HTTP_303_SEE_OTHER
from markupsafe import Markup

from lab.core import i18n, roles
from lab.core.errors import Invalid, LabError
from lab.core.i18n import _
from lab.settings import LANGUAGES, PROJECT_ROOT

log = logging.getLogger("lab")

LANGUAGE_COOKIE = "lab_lang"
# The language a visitor chose at a shared tablet: for /kiosk only, and for one visit (the
# kiosk deletes it when the visit ends).
KIOSK_LANGUAGE_COOKIE = "lab_kiosk_lang"
KIOSK_PREFIX = "/kiosk"


def build_jinja(*, reload_templates: bool = False) -> Environment:
    """The templates' environment. Templates are compiled once per process; with
    ``reload_templates`` (LAB_DEBUG) an edited template is read again (a check of its file
    on every render, which costs a busy page a few per cent)."""
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=reload_templates,
        cache_size=1000,
    )
    # The i18n extension's newstyle gettext reaches the catalogue through three calls, and a
    # page as busy as the planning grid spent an eighth of its time there. These do the same in
    # one: the translation is trusted markup, its variables are escaped, and it is always a
    # format string ("%%" is a percent sign).
    env.globals.update(_=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
    env.newstyle_gettext = True  # type: ignore[attr-defined]  # {% trans %} passes its variables
    env.filters["date"] = i18n.format_date
    env.filters["datetime"] = i18n.format_datetime
    env.filters["number"] = i18n.format_number
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    env.globals["month_names"] = i18n.month_names
    # The menu shows what a role group may open, by the same names the guards use.
    env.globals["MANAGERS"] = roles.MANAGERS
    # Form macros as a global, so a block rendered alone for htmx has them too (a template's
    # top-level imports do not run when only one of its blocks is rendered).
    env.globals["f"] = env.get_template("_macros/forms.html").module
    return env


@pass_eval_context
def _template_gettext(context: EvalContext, message: str, **variables: object) -> str:
    text = i18n.translations(i18n.current_language()).gettext(message)
    return (Markup(text) if context.autoescape else text) % variables  # noqa: S704 (a translation is trusted)


@pass_eval_context
def _template_ngettext(
    context: EvalContext, singular: str, plural: str, num: int, **variables: object
) -> str:
    text = i18n.translations(i18n.current_language()).ngettext(singular, plural, num)
    variables.setdefault("num", num)
    return (Markup(text) if context.autoescape else text) % variables  # noqa: S704 (a translation is trusted)


def is_kiosk(request: Request) -> bool:
    path = request.url.path
    return path == KIOSK_PREFIX or path.startswith(f"{KIOSK_PREFIX}/")


def language_for(request: Request) -> str:
    """The language of the answer, the one rule for every surface.

    - A kiosk tablet is shared: it speaks the lab's default language to every new visitor,
      whatever its browser says (a tablet set to English must not greet everyone in English),
      until the visitor at it chooses another, for their visit only.
    - Staff: their account's language; before login, their choice, else their browser's.
    - The visitor's phone: their choice, else their browser's.
    """
    settings = request.app.state.settings
    if is_kiosk(request):
        chosen = request.cookies.get(KIOSK_LANGUAGE_COOKIE)
        return chosen if chosen in LANGUAGES else settings.default_language
    user = request.scope.get("user")
    if user is not None:
        return user.language
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return i18n.negotiate(request.headers.get("accept-language"), settings.default_language)


def wants_fragment(request: Request) -> bool:
    """An htmx request that swaps part of the page (boosted requests want the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Response:
    """Render a page; for an htmx request, only ``block`` of that same template."""
    env: Environment = request.app.state.jinja
    template = env.get_template(template_name)
    values = {**base_context(request), **(context or {})}
    if block and wants_fragment(request):
        html = "".join(template.blocks[block](template.new_context(values)))
    else:
        html = template.render(values)
    return Response(html, status_code=status_code, media_type=MediaType.HTML)


def base_context(request: Request) -> dict[str, Any]:
    settings = request.app.state.settings
    token = ScopeState.from_scope(request.scope).csrf_token
    return {
        "request": request,
        "user": request.scope.get("user"),
        "lang": i18n.current_language(),
        # Empty when the CSRF check itself failed; the error page then asks for a reload.
        "csrf_token": token if isinstance(token, str) else "",
        "lab_name": settings.lab_name,
        "current_path": request.url.path,
        # Links to the app's own pages come from route names, never from paths written in
        # templates: a renamed or moved route then fails at render time, in the tests.
        "url_for": request.app.route_reverse,
    }


def redirect(request: Request, path: str) -> Response:
    """Send the browser to ``path``: a 303 for forms, HX-Redirect for htmx requests."""
    if wants_fragment(request):
        return Response("", status_code=204, headers={"HX-Redirect": path})
    return Response(
        "", status_code=HTTP_303_SEE_OTHER, headers={"Location": path}, media_type=MediaType.TEXT
    )


def file_response(
    content: bytes | str,
    media_type: str,
    filename: str,
    *,
    attachment: bool = False,
    cache_control: str = "no-store",
) -> Response:
    """A file to show (PDF, image) or to save (``attachment``, e.g. an .ics to import).

    ``no-store`` by default: cards, sheets and calendars carry personal data and must not stay
    in a shared tablet's cache.
    """
    disposition = "attachment" if attachment else "inline"
    return Response(
        content,
        # Litestar appends "; charset=utf-8" to any text/* type: a charset given here as well
        # would be said twice, which strict calendar clients refuse.
        media_type=media_type.split(";", 1)[0] if media_type.startswith("text/") else media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": cache_control,
        },
    )


def safe_next(path: str | None, default: str = "/") -> str:
    """Only follow a local path after login: never another site (open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return default
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return default
    return path


# Paths that answer JSON, never pages: the staff API, and the kiosk's offline queue.
JSON_PREFIXES = ("/api/", "/kiosk/api/")


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith(JSON_PREFIXES)


# Surfaces with their own look: a visitor at a kiosk must not land on a staff page.
ERROR_PAGES = {"/kiosk": "kiosk/error.html", "/me": "me/error.html"}


def _error_page(request: Request) -> str:
    path = request.url.path
    for prefix, template in ERROR_PAGES.items():
        if path == prefix or path.startswith(f"{prefix}/"):
            return template
    return "errors/error.html"


class ErrorBody(msgspec.Struct, omit_defaults=True):
    """What the JSON API answers for every refusal or failure (and what its schema documents)."""

    code: str  # stable, for programs: "not_found", "invalid", "slot_full"…
    message: str  # one sentence in the caller's language, for people
    field_errors: dict[str, str] = msgspec.field(default_factory=dict)  # field -> what to fix


def error_response(
    request: Request, status_code: int, message: str, *, code: str, fields: dict | None = None
) -> Response:
    """The one place a refusal or failure becomes a response: JSON, fragment or page."""
    i18n.set_language(language_for(request))
    if is_api(request):
        body = ErrorBody(code=code, message=message, field_errors=fields or {})
        return Response(body, status_code=status_code, media_type=MediaType.JSON)
    response = render(
        request,
        _error_page(request),
        {"status_code": status_code, "message": message, "code": code, "field_errors": fields},
        block="alert",
        status_code=status_code,
    )
    if wants_fragment(request):
        # Show the message in the page's alert area rather than inside whatever was targeted.
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def handle_lab_error(request: Request, error: LabError) -> Response:
    return error_response(
        request, error.status_code, error.message, code=error.code, fields=error.field_errors
    )


# What Litestar raises when the client closes the connection before its request's body is read
# (a tablet losing the network, a load generator stopping, a user closing the tab).
_HUNG_UP = "client disconnected prematurely"
# nginx's name for it: no response reaches anyone, and this is no server error.
CLIENT_CLOSED_REQUEST = 499


def client_hung_up(error: Exception) -> bool:
    return isinstance(error, InternalServerException) and error.detail == _HUNG_UP


def handle_http_error(request: Request, error: HTTPException) -> Response:
    if client_hung_up(error):
        log.info("Client hung up during %s %s", request.method, request.scope.get("path_template"))
        return Response(b"", status_code=CLIENT_CLOSED_REQUEST)
    i18n.set_language(language_for(request))
    status = error.status_code
    if isinstance(error, NotAuthorizedException) and not is_api(request):
        # Quoted: a path may hold any character, a Location header only ASCII.
        target = "/login?next=" + quote(request.url.path, safe="/")
        if wants_fragment(request):
            return Response("", status_code=204, headers={"HX-Redirect": target})
        return Response("", status_code=HTTP_303_SEE_OTHER, headers={"Location": target})
    if isinstance(error, ValidationException):
        fields = {}
        for item in error.extra or []:
            if isinstance(item, dict) and item.get("key"):
                fields[item["key"]] = _("Cette valeur n'est pas acceptée.")
        return error_response(
            request,
            422,
            _("Certains champs sont à corriger."),
            code=Invalid.default_code,
            fields=fields,
        )
    messages = {
        401: (_("Connectez-vous pour continuer."), "not_authenticated"),
        403: (_("Vous n'avez pas accès à cette page."), "forbidden"),
        404: (_("Cette page n'existe pas ou plus."), "not_found"),
        405: (_("Cette action n'est pas possible ici."), "method_not_allowed"),
        413: (_("Le fichier envoyé est trop gros."), "too_large"),
        429: (_("Trop de demandes. Réessayez dans un moment."), "too_many_requests"),
    }
    if isinstance(error, PermissionDeniedException) and "CSRF" in str(error.detail):
        message, code = (
            _("Le formulaire a expiré. Rechargez la page et recommencez."),
            "csrf_failed",
        )
    else:
        message, code = messages.get(status, (_("La demande n'a pas pu être traitée."), "error"))
    if status >= 500:
        log.error("HTTP %s on %s %s", status, request.method, request.scope.get("path_template"))
        message, code = _("Une erreur est survenue de notre côté. Réessayez."), "server_error"
    response = error_response(request, status, message, code=code)
    if isinstance(error, MethodNotAllowedException) and error.headers:
        # RFC 9110: a 405 names the methods the path does answer (Litestar's router lists them).
        allowed = (method.strip() for method in error.headers.get("allow", "").split(","))
        response.headers["Allow"] = ", ".join(sorted(filter(None, allowed)))
    return response


# How long a client should wait before trying again when the database is busy or unreachable.
DATABASE_RETRY_AFTER_SECONDS = 5
_LOCKED_MESSAGES = ("database is locked", "database table is locked", "database is busy")
_UNREACHABLE_NAMES = {
    "ConnectionDoesNotExistError",
    "CannotConnectNowError",
    "TooManyConnectionsError",
    "ConnectionFailureError",
    "InterfaceError",
    "PostgresConnectionError",
    "AdminShutdownError",
    "CrashShutdownError",
}


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what caused it) says the database is locked or out of reach."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.OperationalError) and any(
            text in str(current).lower() for text in _LOCKED_MESSAGES
        ):
            return True
        if isinstance(current, (ConnectionError, TimeoutError)):
            return True
        if type(current).__module__.startswith("asyncpg") and any(
            cls.__name__ in _UNREACHABLE_NAMES for cls in type(current).__mro__
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def handle_database_unavailable(request: Request, error: Exception) -> Response:
    log.warning(
        "Database unavailable (%s) on %s %s",
        type(error).__name__,
        request.method,
        request.scope.get("path_template", "?"),
    )
    response = error_response(
        request,
        503,
        _("Le service est momentanément indisponible. Réessayez dans quelques instants."),
        code="unavailable",
    )
    response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def handle_unexpected(request: Request, error: Exception) -> Response:
    if database_unavailable(error):
        return handle_database_unavailable(request, error)
    # Log the type and the route template, never the URL or the body: they may carry personal data.
    log.exception(
        "Unhandled %s on %s %s",
        type(error).__name__,
        request.method,
        request.scope.get("path_template", "?"),
    )
    i18n.set_language(language_for(request))
    return error_response(
        request,
        500,
        _("Une erreur est survenue de notre côté. Réessayez dans un moment."),
        code="server_error",
    )


EXCEPTION_HANDLERS = {
    LabError: handle_lab_error,
    HTTPException: handle_http_error,
    Exception: handle_unexpected,
}
