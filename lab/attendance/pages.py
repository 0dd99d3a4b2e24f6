"""What the attendance pages show: today's sessions, a session's header and counts, the
projector board, and the session a phone's self check-in page is about.

No rule and no write lives here: every change goes through ``services``. Sessions, rooms and
teams are read through workshops' public reads, sites through accounts'. Staff helpers reach
sessions through ``get_session_for`` (site scope); the phone helper reads only what the public
page shows (the module's title and times), never a person.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import get_site, site_choices, timezones
from lab.attendance import selfcheck
from lab.attendance.queries import attendance_counts
from lab.attendance.services import STATUS_LABELS, roster
from lab.attendance.tables import Attendance
from lab.core import clock
from lab.core.i18n import N_, _
from lab.core.qr import qr_svg
from lab.core.roles import ROLES, StaffPrincipal
from lab.workshops import queries as workshops
from lab.workshops.queries import Session, expected_count
from lab.workshops.services import get_session_for

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


def _day_bounds(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    start = clock.local_instant(day, dt.time(0), timezone)
    end = clock.local_instant(day + dt.timedelta(days=1), dt.time(0), timezone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclasses.dataclass
class Today:
    mine: list[dict]  # sessions of modules the actor facilitates
    others: list[dict]  # the rest of their sites' sessions
    several_sites: bool
    day: dt.date | None  # today, when every site agrees on the date


async def today_sessions(actor: StaffPrincipal) -> Today:
    """Today's sessions (each site's own today) on the actor's sites, theirs first, each with
    its time, room, enrolled and checked-in counts."""
    # The open sites the actor works on, by name (any role: site_ids' own default).
    sites = await site_choices(actor, *ROLES)
    zones = await timezones(sites)
    days = set()
    windows = {}
    for site_id in sites:
        day = clock.to_zone(clock.now(), zones[site_id]).date()
        days.add(day)
        windows[site_id] = _day_bounds(day, zones[site_id])
    # Every site's sessions, each over its own today, and their counts: a few queries in all.
    rows = await workshops.sessions_starting_at_sites(windows)
    for row in rows:
        row.update(site_name=sites[row["site_id"]], timezone=zones[row["site_id"]])
    mine_modules = await workshops.modules_facilitated_by(actor.user_id)
    facilitators = await workshops.facilitator_names(sorted({row["module"] for row in rows}))
    expected = await workshops.expected_counts(
        (row["module"], row["enrolment"], row["id"]) for row in rows
    )
    counts = await attendance_counts([row["id"] for row in rows])
    for row in rows:
        row["facilitators"] = facilitators.get(row["module"], [])
        row["enrolled"] = expected[row["id"]]
        row["checked_in"] = counts.get(row["id"], {}).get("came", 0)
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
    site = await get_site(module.site)
    return {
        "session": session,
        "module": module,
        "timezone": site.timezone,
        "site_name": site.name,
        "room": await workshops.session_room(session.id),
        "facilitators": (await workshops.facilitator_names([module.id])).get(module.id, []),
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
    return await workshops.public_session(session_id)
