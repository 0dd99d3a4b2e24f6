"""Staff pages for visitors and their passes, and the staff home page."""

from __future__ import annotations

import time

from litestar import Request, Response, Router, get, post

from lab.accounts import cards, consent, labels, passes, pins, visitors
from lab.accounts.forms import (
    EraseInput,
    NewVisitorInput,
    PinResetInput,
    SearchInput,
    VisitorInput,
)
from lab.accounts.sites import site_choices
from lab.accounts.tables import Visitor
from lab.core.errors import Conflict, LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _, translations
from lab.core.params import Id
from lab.core.qr import qr_svg
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.sessions import SessionManager
from lab.core.web import file_response, redirect, render

# How long a just-issued pass can still be shown and printed. The token is never stored in the
# database; it lives this long in the staff member's server-side session, then only a reissue
# can produce a printable card again.
FRESH_PASS_SECONDS = 30 * 60


def _choices() -> dict:
    return {
        "status_labels": labels.STATUS,
        "gender_labels": labels.GENDER,
        "education_labels": labels.EDUCATION,
        "priority_labels": labels.PRIORITY_AREA,
    }


async def _remember_fresh_pass(request: Request, visitor_id: int, pass_id: int, token: str) -> None:
    handle = request.scope["auth"]
    fresh = {
        key: value
        for key, value in handle.data.get("fresh_passes", {}).items()
        if value["until"] > time.time()
    }
    fresh[str(visitor_id)] = {
        "pass_id": pass_id,
        "token": token,
        "until": time.time() + FRESH_PASS_SECONDS,
    }
    handle.data["fresh_passes"] = fresh
    sessions: SessionManager = request.app.state.sessions
    await sessions.save(handle)


def _fresh_token(request: Request, visitor_id: int, pass_id: int) -> str | None:
    entry = request.scope["auth"].data.get("fresh_passes", {}).get(str(visitor_id))
    if entry and entry["pass_id"] == pass_id and entry["until"] > time.time():
        return entry["token"]
    return None


@get("/visitors", name="visitors")
async def visitor_list(request: Request) -> Response:
    results = await visitors.recent_visitors(request.user)
    return render(request, "visitors/list.html", {"results": results, "q": "", "searched": False})


@post("/visitors/search", name="visitor_search")
async def visitor_search(request: Request) -> Response:
    """POST, not GET: a name typed in a search box must not end up in URLs and access logs."""
    raw = await request.form()
    try:
        data = parse_form(SearchInput, raw)
    except LabError as error:
        return render(
            request,
            "visitors/list.html",
            {"results": [], "q": raw.get("q", ""), "errors": error.field_errors, "searched": True},
            block="results",
            status_code=422,
        )
    results = await visitors.search_visitors(request.user, data.q)
    return render(
        request,
        "visitors/list.html",
        {"results": results, "q": data.q or "", "searched": bool(data.q)},
        block="results",
    )


@get("/visitors/new", name="visitor_new")
async def visitor_new(request: Request) -> Response:
    options = await site_choices(request.user)
    return render(
        request,
        "visitors/form.html",
        {
            "values": {"preferred_language": "fr"},
            "site_options": options,
            "creating": True,
            **_choices(),
        },
    )


@post("/visitors", name="visitor_create")
async def visitor_create(request: Request) -> Response:
    raw = await request.form()
    try:
        data = parse_form(NewVisitorInput, raw)
        visitor, token = await visitors.create_visitor(request.user, data)
    except LabError as error:
        context = {
            "values": dict(raw),
            "errors": error.field_errors,
            "message": error.message,
            "duplicates": getattr(error, "matches", None),
            "site_options": await site_choices(request.user),
            "creating": True,
            **_choices(),
        }
        status = 409 if isinstance(error, Conflict) else error.status_code
        return render(request, "visitors/form.html", context, block="form", status_code=status)
    issued = await passes.active_pass(visitor.id)
    await _remember_fresh_pass(request, visitor.id, issued.id, token)
    return redirect(request, f"/visitors/{visitor.id}/pass?done=visitor_created")


async def _show(
    request: Request, visitor: Visitor, *, status_code: int = 200, **extra: object
) -> Response:
    site = await visitors.site_of(visitor)
    active = await passes.active_pass(visitor.id)
    today = consent.today_at(site)
    return render(
        request,
        "visitors/show.html",
        {
            "visitor": visitor,
            "site": site,
            "active_pass": active,
            "short_code": passes.display_short_code(active.short_code) if active else None,
            "can_erase": request.user.can_reach_site(visitor.created_site, *MANAGERS),
            "pin_set": await pins.has_pin(visitor.id),
            "pin_locked": await pins.is_locked(visitor.id),
            "consent_age": consent.consent_age(site),
            "under_consent_age": consent.is_under_consent_age(visitor.birth_date, site, today),
            "needs_consent": consent.needs_guardian_consent(visitor, site, today),
            "pin_errors": {},
            **_choices(),
            **extra,
        },
        status_code=status_code,
    )


@get("/visitors/{visitor_id:int}", name="visitor")
async def visitor_show(request: Request, visitor_id: Id) -> Response:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    return await _show(request, visitor, done=request.query_params.get("done"))


@post("/visitors/{visitor_id:int}/pin", name="visitor_pin_reset")
async def visitor_pin_reset(request: Request, visitor_id: Id) -> Response:
    """A new PIN typed twice by the visitor at the desk; it also unlocks a locked pass."""
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    try:
        data = parse_form(PinResetInput, await request.form())
        await pins.reset_pin(request.user, visitor, data.pin, data.pin_confirm)
    except LabError as error:
        return await _show(
            request,
            visitor,
            status_code=error.status_code,
            pin_errors=error.field_errors,
            pin_message=error.message,
        )
    return redirect(request, f"/visitors/{visitor_id}?done=pin_reset")


@post("/visitors/{visitor_id:int}/guardian-consent", name="visitor_guardian_consent")
async def visitor_guardian_consent(request: Request, visitor_id: Id) -> Response:
    """Record that a guardian consented, for a visitor under the site's consent age."""
    await consent.record_guardian_consent(request.user, visitor_id)
    return redirect(request, f"/visitors/{visitor_id}?done=consent_recorded")


@get("/visitors/{visitor_id:int}/edit", name="visitor_edit")
async def visitor_edit(request: Request, visitor_id: Id) -> Response:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    values = {field: getattr(visitor, field) for field in VisitorInput.__struct_fields__}
    return render(
        request, "visitors/form.html", {"values": values, "visitor": visitor, **_choices()}
    )


@post("/visitors/{visitor_id:int}", name="visitor_update")
async def visitor_update(request: Request, visitor_id: Id) -> Response:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    raw = await request.form()
    try:
        data = parse_form(VisitorInput, raw)
        await visitors.update_visitor(request.user, visitor_id, data)
    except LabError as error:
        context = {
            "values": dict(raw),
            "errors": error.field_errors,
            "message": error.message,
            "visitor": visitor,
            **_choices(),
        }
        return render(
            request, "visitors/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/visitors/{visitor_id}")


async def _erase_page(request: Request, visitor_id: int, **extra: object) -> Response:
    held = await visitors.legal_hold(request.user, visitor_id)
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    status_code = int(extra.pop("status_code", 200))
    context = {"visitor": visitor, "held": held, **extra}
    return render(request, "visitors/erase.html", context, status_code=status_code)


@get("/visitors/{visitor_id:int}/erase", name="visitor_erase_confirm")
async def visitor_erase_confirm(request: Request, visitor_id: Id) -> Response:
    return await _erase_page(request, visitor_id)


@post("/visitors/{visitor_id:int}/erase", name="visitor_erase")
async def visitor_erase(request: Request, visitor_id: Id) -> Response:
    """Erases only with the box ticked: a stray or replayed POST erases nobody."""
    try:
        data = parse_form(EraseInput, await request.form())
    except LabError as error:
        return await _erase_page(
            request, visitor_id, status_code=error.status_code, message=error.message
        )
    if not data.confirm:
        return await _erase_page(
            request,
            visitor_id,
            status_code=422,
            message=_("Cochez la case pour confirmer la suppression."),
            errors={"confirm": _("Cochez cette case pour confirmer.")},
        )
    await visitors.erase_visitor(request.user, visitor_id)
    return redirect(request, "/visitors?erased=1")


@get("/visitors/{visitor_id:int}/pass", name="visitor_pass")
async def pass_page(request: Request, visitor_id: Id) -> Response:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    active = await passes.active_pass(visitor.id)
    token = _fresh_token(request, visitor.id, active.id) if active else None
    settings = request.app.state.settings
    svg = None
    if token:
        svg = qr_svg(
            passes.pass_url(settings.base_url, token),
            _("Code QR de la carte de %(name)s", name=visitor.first_name),
        )
    response = render(
        request,
        "passes/show.html",
        {
            "visitor": visitor,
            "active_pass": active,
            "short_code": passes.display_short_code(active.short_code) if active else None,
            "qr_svg": svg,
        },
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@post("/visitors/{visitor_id:int}/pass", name="visitor_pass_reissue")
async def pass_reissue(request: Request, visitor_id: Id) -> Response:
    replaced = await passes.active_pass(visitor_id) is not None
    issued, token = await visitors.reissue_pass(request.user, visitor_id)
    await _remember_fresh_pass(request, visitor_id, issued.id, token)
    done = "pass_replaced" if replaced else "pass_issued"
    return redirect(request, f"/visitors/{visitor_id}/pass?done={done}")


async def _card(request: Request, visitor_id: int) -> cards.Card:
    visitor = await visitors.get_visitor_for(request.user, visitor_id)
    active = await passes.active_pass(visitor.id)
    token = _fresh_token(request, visitor.id, active.id) if active else None
    if token is None:
        raise Conflict(
            _(
                "Pour imprimer la carte, créez une nouvelle carte : "
                "l'ancienne ne fonctionnera plus."
            ),
            code="pass_not_printable",
        )
    settings = request.app.state.settings
    # The card speaks the visitor's language, not the staff member's.
    footer = translations(visitor.preferred_language).gettext(
        "Montrez cette carte à l'accueil ou sur une tablette du lab."
    )
    return cards.Card(
        lab_name=settings.lab_name,
        first_name=visitor.first_name,
        url=passes.pass_url(settings.base_url, token),
        short_code=passes.display_short_code(active.short_code),
        footer=footer,
        language=visitor.preferred_language,
    )


@get("/visitors/{visitor_id:int}/pass/card.png", name="visitor_pass_png")
async def pass_card_png(request: Request, visitor_id: Id) -> Response:
    card = await _card(request, visitor_id)
    return file_response(cards.card_png(card), "image/png", "carte-lab.png")


@get("/visitors/{visitor_id:int}/pass/card.pdf", name="visitor_pass_pdf")
async def pass_card_pdf(request: Request, visitor_id: Id) -> Response:
    card = await _card(request, visitor_id)
    return file_response(cards.card_pdf(card), "application/pdf", "carte-lab.pdf")


visitors_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        visitor_list,
        visitor_search,
        visitor_new,
        visitor_create,
        visitor_show,
        visitor_pin_reset,
        visitor_guardian_consent,
        visitor_edit,
        visitor_update,
        pass_page,
        pass_reissue,
        pass_card_png,
        pass_card_pdf,
    ],
)


# Erasing a person is for managers: on their Router (lab.accounts.routes), refused to others
# before the service (which checks the site again).
ERASE_HANDLERS = (visitor_erase_confirm, visitor_erase)
