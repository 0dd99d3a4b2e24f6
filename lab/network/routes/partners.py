"""The network's partners: the list with its search, a partner's page with its contact people,
the partner form (a likely duplicate is asked about, then saved if confirmed), and the CSV
export and import (pasted: the app takes no file uploads)."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.core.errors import Conflict, Invalid, LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import MANAGERS, STAFF_ROLES
from lab.core.web import file_response, redirect, render
from lab.network import pages, queries, services
from lab.network.forms import ContactInput, PartnerInput

LIST, PAGE, FORM, IMPORT = (
    "network/partners.html",
    "network/partner.html",
    "network/partner_form.html",
    "network/import.html",
)


@get("/network/partners", name="network_partners")
async def partner_list(request: Request) -> Response:
    """The list; for htmx (the search typed), its results only."""
    params = request.query_params
    context = await pages.partners_context(
        request.user, str(params.get("q") or "")[:120], str(params.get("kind") or "")[:40]
    )
    return render(request, LIST, context, block="results")


@get("/network/partners.csv", name="network_partners_csv")
async def partner_export(request: Request) -> Response:
    body = await queries.export_partners(request.user)
    return file_response(body, "text/csv; charset=utf-8", "partenaires.csv", attachment=True)


@get("/network/partners/new", name="network_partner_new")
async def partner_new(request: Request) -> Response:
    return render(request, FORM, await pages.partner_form_context(request.user))


async def _form_refused(
    request: Request, raw, error: LabError, partner_id: int | None = None
) -> Response:
    context = await pages.partner_form_context(request.user, partner_id)
    context.update(
        values=dict(raw),
        errors=error.field_errors,
        message=error.message,
        duplicate=isinstance(error, Conflict) and error.code == "duplicate_partner",
    )
    status = 409 if context["duplicate"] else error.status_code
    return render(request, FORM, context, status_code=status)


@post("/network/partners/new", name="network_partner_create")
async def partner_create(request: Request) -> Response:
    raw = await request.form()
    try:
        partner = await services.create_partner(request.user, parse_form(PartnerInput, raw))
    except LabError as error:
        return await _form_refused(request, raw, error)
    return redirect(request, f"/network/partners/{partner.id}?done=created")


@get("/network/partners/{partner_id:int}", name="network_partner")
async def partner_page(request: Request, partner_id: Id) -> Response:
    return render(request, PAGE, await pages.partner_context(request.user, partner_id))


@get("/network/partners/{partner_id:int}/edit", name="network_partner_edit")
async def partner_edit(request: Request, partner_id: Id) -> Response:
    return render(request, FORM, await pages.partner_form_context(request.user, partner_id))


@post("/network/partners/{partner_id:int}/edit", name="network_partner_update")
async def partner_update(request: Request, partner_id: Id) -> Response:
    raw = await request.form()
    try:
        await services.update_partner(request.user, partner_id, parse_form(PartnerInput, raw))
    except LabError as error:
        return await _form_refused(request, raw, error, partner_id)
    return redirect(request, f"/network/partners/{partner_id}?done=saved")


@post("/network/partners/{partner_id:int}/contacts", name="network_contact_add")
async def contact_add(request: Request, partner_id: Id) -> Response:
    raw = await request.form()
    try:
        await services.add_contact(request.user, partner_id, parse_form(ContactInput, raw))
    except Invalid as error:
        context = await pages.partner_context(request.user, partner_id)
        context.update(values=dict(raw), errors=error.field_errors, message=error.message)
        return render(request, PAGE, context, block="contacts", status_code=422)
    context = await pages.partner_context(request.user, partner_id)
    context.update(added=True)
    return render(request, PAGE, context, block="contacts")


@post("/network/contacts/{contact_id:int}/remove", name="network_contact_remove")
async def contact_remove(request: Request, contact_id: Id) -> Response:
    contact = await queries.get_contact_for(request.user, contact_id)
    await services.remove_contact(request.user, contact_id)
    return redirect(request, f"/network/partners/{contact.partner}?done=contact_removed")


@post("/network/contacts/{contact_id:int}/pass", name="network_contact_pass")
async def contact_pass(request: Request, contact_id: Id) -> Response:
    """A new meeting pass for a contact person, shown once (only its hash is kept): its QR is
    scanned, or its code typed, at the meeting's attendance list. The previous one stops."""
    context = await pages.contact_pass_context(request.user, contact_id)
    return render(request, "network/contact_pass.html", context)


@get("/network/partners/import", name="network_partner_import_form")
async def import_form(request: Request) -> Response:
    context = await pages.partner_form_context(request.user)
    return render(request, IMPORT, context)


@post("/network/partners/import", name="network_partner_import")
async def import_run(request: Request) -> Response:
    """All or nothing: every line's problems are shown, nothing is saved until none is left
    (likely duplicates are saved only once confirmed)."""
    raw = await request.form()
    context = await pages.partner_form_context(request.user)
    text = str(raw.get("csv") or "")
    site = str(raw.get("site_id") or "")
    context["values"] = {"csv": text, "site_id": site}
    if not site.isdigit() or not 0 < int(site) < 2**31:
        context.update(errors={"site_id": context["site_error"]}, message=context["site_error"])
        return render(request, IMPORT, context, status_code=422)
    try:
        result = await services.import_partners(
            request.user,
            int(site),
            text,
            confirm_duplicates=str(raw.get("confirm_duplicates") or "") in ("on", "1", "true"),
        )
    except Invalid as error:
        context.update(errors=error.field_errors, message=error.message)
        return render(request, IMPORT, context, status_code=422)
    context["result"] = result
    if result.problems:
        return render(request, IMPORT, context, status_code=200 if result.created else 422)
    return redirect(request, f"/network/partners?imported={result.created}")


partners_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[
        partner_list,
        partner_export,
        partner_page,
        contact_add,
        contact_remove,
        contact_pass,
    ],
)
partner_changes_router = Router(
    path="/",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        partner_new,
        partner_create,
        partner_edit,
        partner_update,
        import_form,
        import_run,
    ],
)
