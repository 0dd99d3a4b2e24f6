"""Staff pages for the lab's tablets (``/kiosks``): the list per site, creating and pairing,
renaming and limiting, revoking; and the sync problems page, where refused tablet scans are
resolved. Managers manage tablets; every staff member of the site sees and resolves scans.
"""

from __future__ import annotations

import time

from litestar import Request, Response, Router, get, post

from lab.accounts.queries import display_short_code, get_site_for, site_choices
from lab.core.errors import LabError
from lab.core.forms import parse_form
from lab.core.guards import require_role
from lab.core.i18n import _
from lab.core.params import Id, OptionalId
from lab.core.qr import qr_svg
from lab.core.roles import MANAGERS, ROLES
from lab.core.sessions import SessionManager
from lab.core.web import redirect, render, wants_fragment
from lab.kiosk import admin, devices, syncs
from lab.kiosk.forms import DeviceInput, NewDeviceInput, ResolveInput

# --- the code just issued, kept in the staff member's server-side session -----------------
# Only the code's hash is in the database. The manager who asked for it can reload its page
# while it is valid; nobody else ever sees it.


async def _remember_code(request: Request, device_id: int, code: str) -> None:
    handle = request.scope["auth"]
    now = time.time()
    fresh = {
        key: value
        for key, value in handle.data.get("pairing_codes", {}).items()
        if value["until"] > now
    }
    fresh[str(device_id)] = {"code": code, "until": now + devices.PAIRING_MINUTES * 60}
    handle.data["pairing_codes"] = fresh
    sessions: SessionManager = request.app.state.sessions
    await sessions.save(handle)


def _remembered_code(request: Request, device_id: int) -> str | None:
    entry = request.scope["auth"].data.get("pairing_codes", {}).get(str(device_id))
    return entry["code"] if entry and entry["until"] > time.time() else None


# --- tablets (managers) -----------------------------------------------------------------


@get("/", name="kiosks")
async def device_list(request: Request, site: OptionalId = None) -> Response:
    sites, site_id = await admin.page_sites(request.user, site, *MANAGERS)
    rows = await admin.device_rows(request.user, site_id)
    context = {
        "sites": sites,
        "site": await get_site_for(request.user, site_id),
        "rows": rows,
        "states": admin.STATES,
        "action_labels": devices.ACTION_LABELS,
    }
    return render(request, "kiosks/list.html", context)


def _form_context(values: dict, **extra: object) -> dict:
    return {
        "values": values,
        "errors": {},
        "device": None,
        "actions": devices.ACTION_LABELS,
        **extra,
    }


def _chosen_actions(raw) -> list[str]:
    return raw.getall("allowed_actions", []) if hasattr(raw, "getall") else []


@get("/new", name="kiosk_device_new")
async def device_new(request: Request, site: OptionalId = None) -> Response:
    sites, site_id = await admin.page_sites(request.user, site, *MANAGERS)
    values = {"site_id": site_id, "name": "", "allowed_actions": list(devices.ACTIONS)}
    return render(request, "kiosks/form.html", _form_context(values, sites=sites))


@post("/", name="kiosk_device_create")
async def device_create(request: Request) -> Response:
    raw = await request.form()
    try:
        data = parse_form(NewDeviceInput, raw)
        device, code = await devices.create_device(
            request.user, data.site_id, data.name, data.allowed_actions
        )
    except LabError as error:
        sites = await site_choices(request.user, *MANAGERS)
        values = {**dict(raw), "allowed_actions": _chosen_actions(raw)}
        context = _form_context(values, sites=sites, errors=error.field_errors)
        context["message"] = error.message
        return render(
            request, "kiosks/form.html", context, block="form", status_code=error.status_code
        )
    await _remember_code(request, device.id, code)
    return redirect(request, f"/kiosks/{device.id}/pairing?done=tablet_added")


@get("/{device_id:int}/pairing", name="kiosk_device_pairing")
async def device_pairing(request: Request, device_id: Id) -> Response:
    row = await admin.get_device_row(request.user, device_id)
    code = await admin.live_pairing_code(
        request.user, device_id, _remembered_code(request, device_id)
    )
    site = await get_site_for(request.user, row.site_id)
    context = {"device": row, "site": site, "code": None, "qr": None}
    if code:
        context["code"] = display_short_code(code)
        context["qr"] = qr_svg(
            devices.pair_url(request.app.state.settings.base_url, code),
            _("Code QR d'association de la tablette %(name)s", name=row.name),
        )
    return render(request, "kiosks/pairing.html", context)


@post("/{device_id:int}/pairing", name="kiosk_device_new_code")
async def device_new_code(request: Request, device_id: Id) -> Response:
    row, code = await admin.new_pairing_code(request.user, device_id)
    await _remember_code(request, row.id, code)
    return redirect(request, f"/kiosks/{row.id}/pairing")


@get("/{device_id:int}/edit", name="kiosk_device_edit")
async def device_edit(request: Request, device_id: Id) -> Response:
    row = await admin.get_device_row(request.user, device_id)
    values = {"name": row.name, "allowed_actions": list(row.actions)}
    return render(request, "kiosks/form.html", _form_context(values, device=row))


@post("/{device_id:int}", name="kiosk_device_update")
async def device_update(request: Request, device_id: Id) -> Response:
    row = await admin.get_device_row(request.user, device_id)
    raw = await request.form()
    try:
        data = parse_form(DeviceInput, raw)
        row = await admin.update_device(request.user, device_id, data.name, data.allowed_actions)
    except LabError as error:
        values = {**dict(raw), "allowed_actions": _chosen_actions(raw)}
        context = _form_context(values, device=row, errors=error.field_errors)
        context["message"] = error.message
        return render(
            request, "kiosks/form.html", context, block="form", status_code=error.status_code
        )
    return redirect(request, f"/kiosks?site={row.site_id}&saved={row.id}")


@get("/{device_id:int}/revoke", name="kiosk_device_revoke_confirm")
async def device_revoke_confirm(request: Request, device_id: Id) -> Response:
    row = await admin.get_device_row(request.user, device_id)
    return render(request, "kiosks/revoke.html", {"device": row})


@post("/{device_id:int}/revoke", name="kiosk_device_revoke")
async def device_revoke(request: Request, device_id: Id) -> Response:
    device = await devices.revoke(request.user, device_id)
    return redirect(request, f"/kiosks?site={device.site}&revoked={device.id}")


devices_router = Router(
    path="/kiosks",
    guards=[require_role(*MANAGERS)],
    route_handlers=[
        device_list,
        device_new,
        device_create,
        device_pairing,
        device_new_code,
        device_edit,
        device_update,
        device_revoke_confirm,
        device_revoke,
    ],
)


# --- sync problems (every staff member of the site) ----------------------------------------


async def _sync_page(
    request: Request, site: int | None, *, status_code: int = 200, **extra: object
) -> Response:
    sites, site_id = await admin.page_sites(request.user, site)
    actor = request.user
    context = {
        "sites": sites,
        "site": await get_site_for(actor, site_id),
        "refused": await syncs.refused_scans(actor, site_id),
        "late": await syncs.late_syncs(actor, site_id),
        "clocks": await syncs.clock_problems(actor, site_id),
        "resolutions": syncs.RESOLUTIONS,
        "outcomes": syncs.OUTCOMES,
        "manages_devices": admin.manages_devices(actor, site_id),
        "skew_limit": syncs.SKEW_LIMIT_SECONDS,
        "errors": {},
        **extra,
    }
    return render(request, "kiosks/sync.html", context, status_code=status_code)


@get("/", name="kiosk_sync")
async def sync_problems(request: Request, site: OptionalId = None) -> Response:
    return await _sync_page(request, site)


@post("/{scan_id:int}", name="kiosk_sync_resolve")
async def scan_resolve(request: Request, scan_id: Id) -> Response:
    """Resolve one refused scan. htmx swaps the scan's row for its new state (or its error);
    without JavaScript the page comes back whole."""
    raw = await request.form()
    try:
        data = parse_form(ResolveInput, raw)
        await syncs.resolve(request.user, scan_id, data.resolution, data.note)
    except LabError as error:
        failure = {"message": error.message, "errors": error.field_errors, "values": dict(raw)}
        status_code = error.status_code
    else:
        failure, status_code = {}, 200
    row = await syncs.scan_row(request.user, scan_id)
    if wants_fragment(request):
        context = {
            "row": row,
            "resolutions": syncs.RESOLUTIONS,
            "failed_scan": scan_id,
            "errors": {},
            **failure,
        }
        return render(
            request, "kiosks/sync.html", context, block="refused_row", status_code=status_code
        )
    if failure:
        return await _sync_page(
            request, row.site_id, status_code=status_code, failed_scan=scan_id, **failure
        )
    return redirect(request, f"/kiosks/sync?site={row.site_id}&resolved={scan_id}")


syncs_router = Router(
    path="/kiosks/sync",
    guards=[require_role(*ROLES)],
    route_handlers=[sync_problems, scan_resolve],
)
