"""The tablet's check-in: the page, its no-JavaScript form, the queue's JSON endpoint, and the
device-side sources (service worker and queue) served from the top-level ``kiosk/`` folder.

With JavaScript, every scan goes through the tablet's queue (``kiosk/web/queue.js``), which
posts to ``/kiosk/api/checkins`` now or, when the network is down, later. Without it, the form
posts here with a nonce the server put in the page. Either way the rules are
``lab.attendance.checkin``'s (through ``lab.kiosk.services``).
"""

from __future__ import annotations

import hashlib
import uuid
from functools import cache
from typing import Annotated, Literal

import msgspec
from litestar import MediaType, Request, Response, Router, get, post
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from lab.core import clock, i18n
from lab.core.api import KIOSK_WRITE, documented
from lab.core.errors import Invalid, LabError
from lab.core.forms import parse_form
from lab.core.i18n import _, format_datetime
from lab.core.params import FieldId, Moment
from lab.core.web import handle_http_error, is_api, language_for, render
from lab.kiosk import queries, services
from lab.kiosk.auth import KIOSK_EXCEPTION_HANDLERS, device_of, require_device
from lab.kiosk.routes.tablet import kiosk_context
from lab.kiosk.services import CheckIn, KioskScanRefused
from lab.settings import PROJECT_ROOT

KIOSK_WEB = PROJECT_ROOT / "kiosk" / "web"
# What the service worker keeps for offline use: the anonymous shell, nothing else. Its cache
# name carries a digest of these files, so a new release replaces the old cache.
SHELL_FILES = (
    PROJECT_ROOT / "static" / "css" / "kiosk.css",
    PROJECT_ROOT / "static" / "js" / "kiosk.js",
    PROJECT_ROOT / "static" / "js" / "scan.js",
    PROJECT_ROOT / "static" / "vendor" / "jsqr" / "jsQR-1.4.0.js",
    KIOSK_WEB / "queue.js",
)
Nonce = Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
# A pass URL, a bare token or a short code; longer is not a pass.
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
PurposeCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]


class CheckinBody(msgspec.Struct, forbid_unknown_fields=True):
    """One queued scan. No names: the pass's text, the scan's nonce and the tablet's times
    (aware: the tablet's clock, with its offset)."""

    nonce: Nonce
    code: Code
    client_at: Moment
    sent_at: Moment | None = None
    session_id: FieldId | None = None
    offline: bool = False
    # Drop-in visits: the tablet can show the site's purposes (``purpose`` answers)…
    visits: bool = False
    purpose: PurposeCode | None = None  # …the one the visitor chose…
    leaving: bool = False  # …or the visitor is leaving: end their visit


class CheckinChoice(msgspec.Struct):
    session_id: int
    title: str
    time: str  # HH:MM, the session's start in the site's time zone


class CheckinPurpose(msgspec.Struct):
    code: str
    label: str
    icon: str


class CheckinAnswer(msgspec.Struct, omit_defaults=True):
    """What the tablet shows: the visitor's first name only, and what they came for
    (``title``, ``kind``) or the sessions to choose from (``choices``); for a drop-in visit,
    the purposes to choose from (``purpose``: nothing recorded yet), a visit already open
    (``visit_open``, ``since`` HH:MM) or ended (``left``)."""

    outcome: Literal["accepted", "duplicate", "choose", "purpose", "visit_open", "left"]
    first_name: str
    title: str | None = None
    kind: Literal["session", "booking", "visit"] | None = None
    choices: list[CheckinChoice] | None = None
    purposes: list[CheckinPurpose] | None = None
    since: str | None = None  # HH:MM, when the visit began, in the site's time zone


class CheckinRefusal(msgspec.Struct, omit_defaults=True):
    """A refused scan: lab's error body (``code``, ``message``), and the visitor's next
    appointment at this lab in plain words when they have one (``next_appointment``)."""

    code: str
    message: str
    next_appointment: str | None = None


class AnonymousForm(msgspec.Struct):
    nonce: Nonce
    purpose: PurposeCode
    age_band: Annotated[str, msgspec.Meta(max_length=10)] | None = None


class CheckinForm(msgspec.Struct):
    nonce: Nonce
    code: Code
    session_id: FieldId | None = None
    visits: bool = False  # the page's form says it shows purposes (as the queue's body does)
    purpose: PurposeCode | None = None
    leaving: bool = False


@get("/checkin", guards=[require_device("checkin")], name="kiosk_checkin")
async def checkin_page(request: Request) -> Response:
    return render(request, "kiosk/checkin.html", await _page_context(request))


@post("/checkin", guards=[require_device("checkin")], name="kiosk_checkin_form")
async def checkin_form(request: Request) -> Response:
    """Without JavaScript: check in now, show the answer, then back to the scan screen."""
    raw = await request.form()
    try:
        data = parse_form(CheckinForm, raw)
        result = await services.check_in_at_kiosk(
            device_of(request),
            code=data.code,
            nonce=data.nonce,
            client_at=clock.now(),
            session_id=data.session_id,
            visits=data.visits,
            purpose=data.purpose,
            leaving=data.leaving,
        )
    except Invalid as error:
        context = await _page_context(request, message=error.message, values={"code": ""})
        return render(request, "kiosk/checkin.html", context, status_code=error.status_code)
    except KioskScanRefused as refused:
        context = await kiosk_context(
            request,
            refused=refused.message,
            next_appointment=await _next_appointment(request, refused),
        )
        return render(request, "kiosk/checkin_result.html", context, status_code=409)
    context = await kiosk_context(
        request,
        result=result,
        code=data.code,
        nonces={choice.session_id: _new_nonce() for choice in result.choices},
        nonce=_new_nonce(),
    )
    return render(request, "kiosk/checkin_result.html", context)


@post(
    "/api/checkins",
    guards=[require_device("checkin")],
    name="kiosk_api_checkins",
    summary="Check in a scanned or typed pass (the tablet's queue)",
    status_code=201,
    include_in_schema=True,
    tags=["kiosk"],
    **documented(
        KIOSK_WRITE,
        400,
        401,
        403,
        409,
        413,
        422,
        answers={
            200: ResponseSpec(
                CheckinAnswer,
                description="Already checked in (a repeated nonce: ``duplicate``), "
                "sessions to choose from (``choose``), a drop-in visit's purposes to choose "
                "from (``purpose``), a visit already open (``visit_open``) or ended (``left``).",
                generate_examples=False,
            ),
            409: ResponseSpec(
                CheckinRefusal,
                description="Refused; ``code`` says why, ``message`` says it to the visitor, "
                "with their next appointment at this lab when they have one.",
                generate_examples=False,
            ),
        },
    ),
)
async def api_checkin(request: Request, data: JSONBody[CheckinBody]) -> Response[CheckinAnswer]:
    """The queue's endpoint: 201 checked in, 200 already done (a repeat) or a choice to make,
    409 refused (a definitive answer: the queue drops the scan), 400 unreadable (dropped too),
    401 not paired."""
    try:
        result = await services.check_in_at_kiosk(
            device_of(request),
            code=data.code,
            nonce=data.nonce,
            client_at=data.client_at,
            sent_at=data.sent_at,
            session_id=data.session_id,
            offline=data.offline,
            visits=data.visits,
            purpose=data.purpose,
            leaving=data.leaving,
        )
    except KioskScanRefused as refused:
        body = CheckinRefusal(
            refused.code, refused.message, await _next_appointment(request, refused)
        )
        return Response(body, status_code=409)  # type: ignore[return-value]
    return Response(_answer(result), status_code=201 if result.outcome == "accepted" else 200)


async def _next_appointment(request: Request, refused: KioskScanRefused) -> str | None:
    """A refused visitor is told when to come back: their next appointment at this lab."""
    if refused.visitor_id is None:
        return None
    found = await queries.next_appointment(device_of(request), refused.visitor_id)
    return found.sentence() if found else None


@get("/visits/anonymous", guards=[require_device("checkin")], name="kiosk_anonymous")
async def anonymous_page(request: Request) -> Response:
    """ "Count me without a card": a purpose (one touch) and maybe an age band, never a name."""
    return render(request, "kiosk/anonymous.html", await _anonymous_context(request))


@post("/visits/anonymous", guards=[require_device("checkin")], name="kiosk_anonymous_form")
async def anonymous_visit(request: Request) -> Response:
    raw = await request.form()
    try:
        data = parse_form(AnonymousForm, raw)
        await services.count_anonymous_visit(
            device_of(request), purpose=data.purpose, nonce=data.nonce, age_band=data.age_band
        )
    except LabError as error:
        context = await _anonymous_context(request, message=error.message)
        return render(request, "kiosk/anonymous.html", context, status_code=error.status_code)
    return render(request, "kiosk/anonymous.html", await _anonymous_context(request, done=True))


async def _anonymous_context(request: Request, **extra: object) -> dict:
    return await kiosk_context(
        request,
        nonce=_new_nonce(),
        purposes=await queries.visit_purposes(device_of(request)),
        age_bands=queries.AGE_BANDS,
        **{"message": None, "done": False, **extra},
    )


def _answer(result: CheckIn) -> CheckinAnswer:
    if result.outcome == "choose":
        choices = [
            CheckinChoice(
                session_id=choice.session_id,
                title=choice.title,
                time=format_datetime(choice.starts_at, result.timezone, "HH:mm"),
            )
            for choice in result.choices
        ]
        return CheckinAnswer(result.outcome, result.first_name, choices=choices)  # type: ignore[arg-type]
    if result.outcome == "purpose":
        purposes = [CheckinPurpose(p.code, p.label, p.icon) for p in result.purposes]
        return CheckinAnswer("purpose", result.first_name, kind="visit", purposes=purposes)
    if result.kind == "visit":
        since = format_datetime(result.since, result.timezone, "HH:mm") if result.since else None
        return CheckinAnswer(
            result.outcome,  # type: ignore[arg-type]
            result.first_name,
            title=result.title,
            kind="visit",
            since=since,
        )
    return CheckinAnswer(
        result.outcome,  # type: ignore[arg-type]
        result.first_name,
        title=result.title,
        kind=result.kind,  # type: ignore[arg-type]
    )


async def _page_context(request: Request, **extra: object) -> dict:
    """The scan screen, with the site's purposes in the page (no personal data): a visitor
    chooses one even while the network is down. ``?leaving=1``: the "I'm leaving" screen."""
    leaving = request.query_params.get("leaving") == "1"
    return await kiosk_context(
        request,
        nonce=_new_nonce(),
        leaving=leaving,
        purposes=await queries.visit_purposes(device_of(request)),
        **{"values": {}, "message": None, **extra},
    )


def _new_nonce() -> str:
    return str(uuid.uuid4())


@get("/sw.js", name="kiosk_service_worker", include_in_schema=False)
async def service_worker() -> Response:
    """The service worker, allowed to serve the whole of /kiosk; never cached by the browser's
    HTTP cache, so a new release is picked up on the next visit."""
    return Response(
        _service_worker_source(),
        media_type="text/javascript",  # Litestar adds the charset
        headers={"Service-Worker-Allowed": "/kiosk", "Cache-Control": "no-cache"},
    )


@get("/queue.js", name="kiosk_queue_source", include_in_schema=False)
async def queue_source() -> Response:
    return Response(
        (KIOSK_WEB / "queue.js").read_text(encoding="utf-8"),
        media_type="text/javascript",  # Litestar adds the charset
        headers={"Cache-Control": "no-cache"},
    )


@cache
def _service_worker_source() -> str:
    digest = hashlib.sha256()
    for path in (KIOSK_WEB / "sw.js", *SHELL_FILES):
        digest.update(path.read_bytes())
    source = (KIOSK_WEB / "sw.js").read_text(encoding="utf-8")
    return source.replace("__SHELL_VERSION__", digest.hexdigest()[:12])


def _unreadable(request: Request, error: ValidationException) -> Response:
    """A queue item the server cannot read is a definitive 400: the queue drops it (a 422
    would say the same, but the queue's contract predates it). Pages answer as everywhere."""
    if not is_api(request):
        return handle_http_error(request, error)
    i18n.set_language(language_for(request))
    body = {"code": "invalid", "message": _("Ce pointage est illisible.")}
    return Response(body, status_code=400, media_type=MediaType.JSON)


checkin_router = Router(
    path="/kiosk",
    route_handlers=[
        checkin_page,
        checkin_form,
        api_checkin,
        anonymous_page,
        anonymous_visit,
        service_worker,
        queue_source,
    ],
    # Refusals (LabError, 403…) answer JSON on /kiosk/api/ through the app's own handlers.
    exception_handlers={  # type: ignore[arg-type]
        **KIOSK_EXCEPTION_HANDLERS,
        ValidationException: _unreadable,
    },
    include_in_schema=False,
)
