"""Read-side helpers for the attendance pages: today's sessions, a session's header and counts,
the projector board, and the session a phone's self check-in page is about.

No rule and no write lives here: every change goes through ``services``. Staff helpers reach
sessions through ``get_session_for`` (site scope); the phone helper reads only what the public
page shows (the module's title and times), never a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.tables import Site
from lab.attendance import selfcheck
from lab.attendance.services import STATUS_LABELS, roster
from lab.attendance.tables import Attendance
from lab.core import clock
from lab.core.i18n import N_, _
from lab.core.qr import qr_svg
from lab.core.roles import StaffPrincipal
from lab.workshops.queries import expected_count
from lab.workshops.services import get_session_for
from lab.workshops.tables import ModuleFacilitator, Session

SESSION_STATUS_LABELS = {
    "scheduled": N_("Prévue"),
    "cancelled": N_("Annulée"),
    "closed": N_("Close"),
}
CHECKED_IN = ("present", "late")


async def _checked_in_count(session_id: int) -> int:
    return await Attendance.count().where(
        (Attendance.session == session_id) & Attendance.status.is_in(list(CHECKED_IN))
    )


async def _facilitator_names(module_ids: list[int]) -> dict[int, list[str]]:
    rows = await ModuleFacilitator.select(
        ModuleFacilitator.module, ModuleFacilitator.staff_user.name.as_alias("name")
    ).where(ModuleFacilitator.module.is_in(module_ids or [-1]))
    names: dict[int, list[str]] = {}
    for row in rows:
        names.setdefault(row["module"], []).append(row["name"])
    return {module: sorted(people) for module, people in names.items()}


def _day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    start = clock.local_instant(day, dt.time(0), timezone)
    end = clock.local_instant(day + dt.timedelta(days=1), dt.time(0), timezone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


_SESSION_COLUMNS = (
    Session.id,
    Session.module,
    Session.starts_at,
    Session.ends_at,
    Session.status,
    Session.module.title.as_alias("title"),
    Session.module.kind.as_alias("kind"),
    Session.module.enrolment.as_alias("enrolment"),
    Session.module.site.as_alias("site_id"),
    Session.room_booking.resource.name.as_alias("room_name"),
    Session.module.room.name.as_alias("module_room_name"),
)


@dataclasses.dataclass
class Today:
    mine: list[dict]  # sessions of modules the actor facilitates
    others: list[dict]  # the rest of their sites' sessions
    several_sites: bool
    day: dt.date | None  # today, when every site agrees on the date


async def today_sessions(actor: StaffPrincipal) -> Today:
    """Today's sessions (each site's own today) on the actor's sites, theirs first, each with
    its time, room, enrolled and checked-in counts."""
    sites = (
        await Site.select(Site.id, Site.name, Site.timezone)
        .where(Site.active.eq(True) & Site.id.is_in(list(actor.site_ids()) or [-1]))
        .order_by(Site.name)
    )
    rows: list[dict] = []
    days = set()
    for site in sites:
        day = clock.to_zone(clock.now(), site["timezone"]).date()
        days.add(day)
        start, end = _day_bounds(day, site["timezone"])
        found = (
            await Session.select(*_SESSION_COLUMNS)
            .where(
                (Session.module.site == site["id"])
                & (Session.starts_at >= start)
                & (Session.starts_at < end)
            )
            .order_by(Session.starts_at)
        )
        for row in found:
            row.update(site_name=site["name"], timezone=site["timezone"])
        rows += found
    mine_modules = {
        row["module"]
        for row in await ModuleFacilitator.select(ModuleFacilitator.module).where(
            ModuleFacilitator.staff_user == actor.user_id
        )
    }
    facilitators = await _facilitator_names(sorted({row["module"] for row in rows}))
    for row in rows:
        row["room"] = row["room_name"] or row["module_room_name"]
        row["facilitators"] = facilitators.get(row["module"], [])
        row["enrolled"] = await expected_count(row["module"], row["enrolment"], row["id"])
        row["checked_in"] = await _checked_in_count(row["id"])
    rows.sort(key=lambda row: row["starts_at"])
    return Today(
        mine=[row for row in rows if row["module"] in mine_modules],
        others=[row for row in rows if row["module"] not in mine_modules],
        several_sites=len(sites) > 1,
        day=next(iter(days)) if len(days) == 1 else None,
    )


async def session_header(actor: StaffPrincipal, session_id: int) -> dict:
    """What the roster and projector show above the list: module, times, room, team.
    Errors: not_found, forbidden (another site's session)."""
    session, module = await get_session_for(actor, session_id)
    row = await Session.select(*_SESSION_COLUMNS).where(Session.id == session.id).first()
    site = await Site.select(Site.name, Site.timezone).where(Site.id == module.site).first()
    return {
        "session": session,
        "module": module,
        "timezone": site["timezone"],
        "site_name": site["name"],
        "room": row["room_name"] or row["module_room_name"],
        "facilitators": (await _facilitator_names([module.id])).get(module.id, []),
        "is_open": session.status == "scheduled",
    }


async def roster_context(actor: StaffPrincipal, session_id: int) -> dict:
    """The roster block: people with their status, and the counts above it."""
    header = await session_header(actor, session_id)
    people = await roster(actor, session_id)
    return {
        **header,
        "people": people,
        "expected": sum(1 for person in people if not person["walk_in"]),
        "checked_in": sum(1 for person in people if person["status"] in CHECKED_IN),
        "status_labels": STATUS_LABELS,
        "session_status_labels": SESSION_STATUS_LABELS,
    }


def self_check_url(base_url: str, session: Session) -> str:
    """What the projected QR carries: the session id and the current rotating code. Nothing
    about anyone."""
    code = selfcheck.current_code(session.checkin_secret, session.id)
    return f"{base_url}/c/{session.id}/{code}"


async def projector_context(actor: StaffPrincipal, session_id: int, base_url: str) -> dict:
    header = await session_header(actor, session_id)
    session = header["session"]
    return {
        **header,
        "qr": (
            qr_svg(
                self_check_url(base_url, session),
                _("Code QR pour pointer sa présence avec son téléphone"),
            )
            if header["is_open"]
            else None
        ),
        "seconds_left": selfcheck.seconds_left(),
        "checked_in": await _checked_in_count(session.id),
        "enrolled": await expected_count(
            header["module"].id, header["module"].enrolment, session.id
        ),
    }


async def phone_session(session_id: int) -> dict | None:
    """The session a phone's self check-in page is about (public: title and times only), or
    None if there is no such session."""
    return (
        await Session.select(
            Session.id,
            Session.starts_at,
            Session.ends_at,
            Session.status,
            Session.checkin_secret,
            Session.module.title.as_alias("title"),
            Session.module.site.as_alias("site"),
            Session.module.site.timezone.as_alias("timezone"),
        )
        .where(Session.id == session_id)
        .first()
    )
