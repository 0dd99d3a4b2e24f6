"""Referrals of young people to partners: the form and list on a visitor's record (loaded into
the record's page after it, as the other domains' sections are), and the referrals of the
reader's sites, where their follow-up is recorded. Only the staff of the referring site (and
the network-wide roles) see a referral."""

from __future__ import annotations

from litestar import Request, Response, Router, get, post

from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id, id_or_none
from lab.core.roles import STAFF_ROLES
from lab.core.web import redirect, render
from lab.network import pages, services
from lab.network.forms import ReferralInput, ReferralUpdateInput

LIST, VISITOR = "network/referrals.html", "network/visitor_referrals.html"


@get("/network/referrals", name="network_referrals")
async def referral_list(request: Request) -> Response:
    params = request.query_params
    context = await pages.referrals_context(
        request.user, str(params.get("status") or "")[:20], id_or_none(params.get("site") or "")
    )
    return render(request, LIST, context, block="results")


@post("/network/referrals/{referral_id:int}", name="network_referral_update")
async def referral_update(request: Request, referral_id: Id) -> Response:
    raw = await request.form()
    try:
        await services.update_referral(
            request.user, referral_id, parse_form(ReferralUpdateInput, raw)
        )
    except LabError as error:
        context = await pages.referrals_context(request.user)
        context.update(
            message=error.message, failed=referral_id, errors=error.field_errors, values=dict(raw)
        )
        return render(request, LIST, context, status_code=error.status_code)
    back = "/network/referrals"
    if raw.get("from") == "visitor" and id_or_none(raw.get("visitor_id")):
        back = f"/visitors/{id_or_none(raw.get('visitor_id'))}"
    return redirect(request, f"{back}?done=referral_updated")


@get("/visitors/{visitor_id:int}/referrals", name="visitor_referrals")
async def visitor_referrals(request: Request, visitor_id: Id) -> Response:
    """The whole page; loaded into the person's record, its section."""
    context = await pages.visitor_referrals_context(request.user, visitor_id)
    return render(request, VISITOR, context, block="section")


@post("/visitors/{visitor_id:int}/referrals", name="visitor_refer")
async def refer(request: Request, visitor_id: Id) -> Response:
    """Refer the person; without their consent nothing is written and the form says why."""
    raw = await request.form()
    values = {**dict(raw), "visitor_id": str(visitor_id)}
    try:
        await services.refer(request.user, parse_form(ReferralInput, values))
    except LabError as error:
        context = await pages.visitor_referrals_context(request.user, visitor_id)
        context.update(values=values, errors=error.field_errors, message=error.message)
        return render(request, VISITOR, context, block="section", status_code=error.status_code)
    context = await pages.visitor_referrals_context(request.user, visitor_id)
    context.update(referred=True)
    return render(request, VISITOR, context, block="section")


referrals_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[referral_list, referral_update, visitor_referrals, refer],
)
