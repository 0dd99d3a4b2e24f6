"""The sign-in sheet on the tablet (visitors sign, the facilitator countersigns), the PDF sheet
of a session, and attendance certificates of a module."""

from __future__ import annotations

import functools
import re

import anyio
from litestar import Request, Response, Router, get, post
from litestar.params import FromPath, FromQuery

from lab.attendance import completion, sheets, signatures
from lab.attendance.forms import SignInput
from lab.attendance.services import STATUS_LABELS
from lab.core import i18n
from lab.core.errors import LabError, NotFound
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id, OptionalId
from lab.core.roles import STAFF_ROLES
from lab.core.web import file_response, redirect, render

_CERTIFICATE_FILE = re.compile(r"^([1-9][0-9]{0,9})\.pdf$")


def _sign_path(session_id: int) -> str:
    return f"/attendance/sessions/{session_id}/sign"


def _sheet_context(sheet: signatures.Sheet, **extra: object) -> dict:
    def hours(session: signatures.Session) -> str:
        start = i18n.format_datetime(session.starts_at, sheet.timezone, "HH:mm")
        return f"{start}–{i18n.format_datetime(session.ends_at, sheet.timezone, 'HH:mm')}"

    return {
        "sheet": sheet,
        "half_day_times": [hours(other) for other in sheet.half_day],
        "session": sheet.session,
        "module": sheet.module,
        "timezone": sheet.timezone,
        "status_labels": STATUS_LABELS,
        "values": {},
        "errors": {},
        **extra,
    }


def _person(sheet: signatures.Sheet, visitor_id: int) -> signatures.SheetRow | None:
    return next((row for row in sheet.present if row.visitor_id == visitor_id), None)


async def _build(build, *args: object) -> bytes:
    """PDF building is CPU work: keep it off the event loop (live rosters share it)."""
    return await anyio.to_thread.run_sync(functools.partial(build, *args))


# -- Signing on the tablet ----------------------------------------------------------------


@get("/sessions/{session_id:int}/sign", name="attendance_sign")
async def sign_page(
    request: Request,
    session_id: Id,
    signed: OptionalId = None,
    countersigned: FromQuery[bool] = False,
) -> Response:
    sheet = await signatures.sheet(request.user, session_id)
    just_signed = _person(sheet, signed) if signed else None
    context = _sheet_context(sheet, just_signed=just_signed, countersigned=countersigned)
    return render(request, "attendance/sign.html", context)


@get("/sessions/{session_id:int}/sign/{visitor_id:int}", name="attendance_sign_pad")
async def sign_pad(request: Request, session_id: Id, visitor_id: Id) -> Response:
    sheet = await signatures.sheet(request.user, session_id)
    person = _person(sheet, visitor_id)
    if person is None:
        raise signatures.not_present()
    return render(request, "attendance/sign_pad.html", _sheet_context(sheet, person=person))


@post("/sessions/{session_id:int}/sign/{visitor_id:int}", name="attendance_sign_save")
async def sign_save(request: Request, session_id: Id, visitor_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(SignInput, raw)
        await signatures.sign(request.user, session_id, visitor_id, data)
    except LabError as error:
        sheet = await signatures.sheet(request.user, session_id)
        person = _person(sheet, visitor_id)
        if person is None:
            raise
        context = _sheet_context(
            sheet,
            person=person,
            values={"half_day": raw.get("half_day"), "confirm": raw.get("confirm")},
            errors=error.field_errors,
            message=error.message,
        )
        return render(
            request,
            "attendance/sign_pad.html",
            context,
            block="pad",
            status_code=error.status_code,
        )
    return redirect(request, f"{_sign_path(session_id)}?signed={visitor_id}")


@post("/sessions/{session_id:int}/countersign", name="attendance_countersign")
async def countersign(request: Request, session_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(SignInput, raw)
        await signatures.countersign(request.user, session_id, data)
    except LabError as error:
        sheet = await signatures.sheet(request.user, session_id)
        context = _sheet_context(
            sheet,
            values={"half_day": raw.get("half_day"), "confirm": raw.get("confirm")},
            errors=error.field_errors,
            message=error.message,
        )
        return render(
            request,
            "attendance/sign.html",
            context,
            block="countersign",
            status_code=error.status_code,
        )
    return redirect(request, f"{_sign_path(session_id)}?countersigned=true")


# -- Documents ------------------------------------------------------------------------------


@get("/sessions/{session_id:int}/sheet.pdf", name="attendance_sheet")
async def sheet_pdf(request: Request, session_id: Id) -> Response:
    sheet = await signatures.sheet(request.user, session_id)
    lab_name = request.app.state.settings.lab_name
    content = await _build(sheets.sheet_pdf, sheet, lab_name)
    return file_response(content, "application/pdf", f"feuille-emargement-{session_id}.pdf")


@get("/modules/{module_id:int}/certificates", name="attendance_certificates")
async def certificate_list(request: Request, module_id: Id) -> Response:
    module, people = await completion.participants(request.user, module_id)
    return render(
        request, "attendance/sheet_certificates.html", {"module": module, "people": people}
    )


@get("/certificates/{module_id:int}/{filename:str}", name="attendance_certificate")
async def certificate_pdf(request: Request, filename: FromPath[str], module_id: Id) -> Response:
    """``{visitor_id}.pdf``: Litestar's path parameters cannot carry a suffix."""
    match = _CERTIFICATE_FILE.match(filename)
    if match is None or int(match.group(1)) > 2**31 - 1:
        raise NotFound(_("Cette page n'existe pas ou plus."))
    certificate = await completion.certificate(request.user, module_id, int(match.group(1)))
    lab_name = request.app.state.settings.lab_name

    def build() -> bytes:
        # The certificate is the visitor's: it speaks their language.
        with i18n.language(certificate.visitor.preferred_language):
            return sheets.certificate_pdf(certificate, lab_name)

    content = await _build(build)
    return file_response(
        content, "application/pdf", f"attestation-{module_id}-{match.group(1)}.pdf"
    )


sheets_router = Router(
    path="/attendance",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        sign_page,
        sign_pad,
        sign_save,
        countersign,
        sheet_pdf,
        certificate_list,
        certificate_pdf,
    ],
)
