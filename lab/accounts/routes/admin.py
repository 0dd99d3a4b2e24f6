"""Administration: sites, staff accounts and roles, and the audit log (admins only)."""

from __future__ import annotations

import json

from litestar import Request, Response, Router, get, post

from lab.accounts import labels, sites, staff, totp
from lab.accounts.auth import keep_own_session
from lab.accounts.forms import GrantInput, NewStaffInput, PasswordInput, SiteInput, StaffUpdateInput
from lab.accounts.routes.register import register_handlers
from lab.core.audit_view import recent_entries
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.params import Id
from lab.core.roles import ADMIN, ROLE_LABELS
from lab.core.web import redirect, render


def _site_context(request: Request, **extra: object) -> dict:
    settings = request.app.state.settings
    return {
        # What an empty retention field means: the deployment's settings.
        "retention_defaults": {
            "years": settings.retain_visitor_years,
            "fr": settings.follow_up_age_fr,
            "be": settings.follow_up_age_be,
        },
        "weekdays": sites.WEEKDAYS,
        "weekday_labels": sites.WEEKDAY_LABELS,
        "timezone_labels": labels.TIMEZONES,
        **extra,
    }


@get("/sites", name="admin_sites")
async def site_list(request: Request) -> Response:
    rows = await sites.list_sites(request.user, include_inactive=True)
    return render(request, "admin/sites.html", {"sites": rows})


@get("/sites/new", name="admin_site_new")
async def site_new(request: Request) -> Response:
    values = {"timezone": request.app.state.settings.default_timezone, "active": True}
    return render(request, "admin/site_form.html", _site_context(request, values=values, site=None))


@post("/sites", name="admin_site_create")
async def site_create(request: Request) -> Response:
    raw = await request.form()
    try:
        await sites.create_site(request.user, parse_form(SiteInput, raw))
    except LabError as error:
        context = _site_context(
            request, values=dict(raw), errors=error.field_errors, message=error.message, site=None
        )
        return render(
            request, "admin/site_form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, "/admin/sites?done=site_created")


@get("/sites/{site_id:int}/edit", name="admin_site_edit")
async def site_edit(request: Request, site_id: Id) -> Response:
    site = await sites.get_site_for(request.user, site_id)
    values = sites.site_form_values(site)
    return render(request, "admin/site_form.html", _site_context(request, values=values, site=site))


@post("/sites/{site_id:int}", name="admin_site_update")
async def site_update(request: Request, site_id: Id) -> Response:
    site = await sites.get_site_for(request.user, site_id)
    raw = await request.form()
    try:
        await sites.update_site(request.user, site_id, parse_form(SiteInput, raw))
    except LabError as error:
        context = _site_context(
            request, values=dict(raw), errors=error.field_errors, message=error.message, site=site
        )
        return render(
            request, "admin/site_form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, "/admin/sites")


async def _user_context(request: Request, **extra: object) -> dict:
    return {
        "role_labels": ROLE_LABELS,
        "site_options": await sites.site_choices(request.user),
        **extra,
    }


@get("/users", name="admin_users")
async def user_list(request: Request) -> Response:
    users = await staff.list_staff(request.user)
    return render(request, "admin/users.html", {"users": users, "role_labels": ROLE_LABELS})


@get("/users/new", name="admin_user_new")
async def user_new(request: Request) -> Response:
    context = await _user_context(request, values={"language": "fr", "role": "facilitator"})
    return render(request, "admin/user_new.html", context)


@post("/users", name="admin_user_create")
async def user_create(request: Request) -> Response:
    raw = await request.form()
    try:
        user = await staff.create_staff(request.user, parse_form(NewStaffInput, raw))
    except LabError as error:
        values = {k: v for k, v in raw.items() if k != "password"}
        context = await _user_context(
            request, values=values, errors=error.field_errors, message=error.message
        )
        return render(
            request, "admin/user_new.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/admin/users/{user.id}?done=user_created")


async def _render_user(
    request: Request, user_id: int, *, status_code: int = 200, **extra: object
) -> Response:
    user = await staff.get_staff_for(request.user, user_id)
    grants, second_factor = await totp.grants_and_state(user.id)
    context = await _user_context(
        request,
        account=user,
        grants=grants,
        second_factor=second_factor,
        values=extra.pop("values", None)
        or {"name": user.name, "language": user.language, "active": user.active},
        **extra,
    )
    return render(request, "admin/user_edit.html", context, status_code=status_code)


@get("/users/{user_id:int}", name="admin_user")
async def user_edit(request: Request, user_id: Id) -> Response:
    return await _render_user(request, user_id)


@post("/users/{user_id:int}", name="admin_user_update")
async def user_update(request: Request, user_id: Id) -> Response:
    raw = await request.form()
    try:
        await staff.update_staff(request.user, user_id, parse_form(StaffUpdateInput, raw))
    except LabError as error:
        return await _render_user(
            request,
            user_id,
            status_code=error.status_code,
            values=dict(raw),
            errors=error.field_errors,
            message=error.message,
        )
    return redirect(request, f"/admin/users/{user_id}")


@post("/users/{user_id:int}/grants", name="admin_grant_add")
async def grant_add(request: Request, user_id: Id) -> Response:
    raw = await request.form()
    try:
        await staff.add_grant(request.user, user_id, parse_form(GrantInput, raw))
    except LabError as error:
        return await _render_user(
            request,
            user_id,
            status_code=error.status_code,
            grant_errors=error.field_errors,
            message=error.message,
        )
    await keep_own_session(request, user_id)
    return redirect(request, f"/admin/users/{user_id}?done=role_added")


@post("/users/{user_id:int}/grants/{grant_id:int}/delete", name="admin_grant_remove")
async def grant_remove(request: Request, user_id: Id, grant_id: Id) -> Response:
    await staff.remove_grant(request.user, user_id, grant_id)
    await keep_own_session(request, user_id)
    return redirect(request, f"/admin/users/{user_id}")


@post("/users/{user_id:int}/password", name="admin_user_password")
async def password_reset(request: Request, user_id: Id) -> Response:
    raw = await request.form()
    try:
        data = parse_form(PasswordInput, raw)
        await staff.set_password(request.user, user_id, data.password)
    except LabError as error:
        return await _render_user(
            request,
            user_id,
            status_code=error.status_code,
            password_errors=error.field_errors,
            message=error.message,
        )
    await keep_own_session(request, user_id)
    return redirect(request, f"/admin/users/{user_id}?password=1")


@post("/users/{user_id:int}/second-factor/reset", name="admin_user_totp_reset")
async def second_factor_reset(request: Request, user_id: Id) -> Response:
    """A lost phone: the member enrols again at their next login."""
    await totp.reset(request.user, user_id)
    await keep_own_session(request, user_id)
    return redirect(request, f"/admin/users/{user_id}?done=second_factor_reset")


@get("/audit", name="admin_audit")
async def audit_log(request: Request) -> Response:
    entries = await recent_entries(limit=200)
    for entry in entries:
        entry["data"] = (
            json.loads(entry["data"]) if isinstance(entry["data"], str) else entry["data"]
        )
    return render(request, "admin/audit.html", {"entries": entries})


admin_router = Router(
    path="/admin",
    guards=[require_role(ADMIN)],
    route_handlers=[
        site_list,
        site_new,
        site_create,
        site_edit,
        site_update,
        user_list,
        user_new,
        user_create,
        user_edit,
        user_update,
        grant_add,
        grant_remove,
        password_reset,
        second_factor_reset,
        audit_log,
        *register_handlers,
    ],
)
