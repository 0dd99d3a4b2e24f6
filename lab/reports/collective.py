"""Collective sessions as the missions locales' information system takes them: one row per
session and registrant, with the registrant's outcome, so advisers stop re-keying them.

Rules (the columns are documented in docs/collective-sessions-export.md):
- Sessions held in the period, cancelled ones left out (nobody could come).
- The registrants of a session are the people enrolled in it (a drop-in session) or in its
  series (a series module), those who asked for a place and never got one (waitlisted), and
  the walk-ins (present without an enrolment).
- Outcome, first that applies: *present* (marked present or late); *refused by the young
  person* (they cancelled their place before the session began); *refused by the centre* (the
  centre cancelled their place before the session, or they stayed on the waitlist); otherwise
  *registered* (enrolled and not present: absent, excused or not marked).
- A series enrolment cancelled after a session began still counts for that session.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from lab.accounts.tables import Visitor
from lab.attendance.tables import Attendance
from lab.core.i18n import N_
from lab.reports.figures import CAME, RegistrantRow
from lab.reports.filters import Filters
from lab.reports.queries import held_sessions, sessions, site_names, site_zones, visitors_by_id
from lab.workshops.tables import Enrolment

OUTCOMES = {
    "registered": N_("Inscrit"),
    "refused_by_centre": N_("Refusé par la structure"),
    "refused_by_young_person": N_("Refusé par le jeune"),
    "present": N_("Présent"),
}
SESSION_TYPES = {"workshop": N_("Atelier"), "info_session": N_("Information collective")}


def outcome(enrolment: dict | None, came: bool, session_start: dt.datetime) -> str | None:
    """A registrant's outcome at one session (the module's rules), or None when the person was
    no registrant of it."""
    if came:
        return "present"
    if enrolment is None or enrolment["created_at"] > session_start:
        return None  # asked for a place after this session: not one of its registrants
    if enrolment["status"] == "waitlisted":
        return "refused_by_centre"
    if enrolment["status"] == "cancelled" and enrolment["updated_at"] <= session_start:
        if enrolment["cancelled_by"] == "visitor":
            return "refused_by_young_person"
        return "refused_by_centre"
    return "registered"


async def registrant_rows(f: Filters, now: dt.datetime) -> list[RegistrantRow]:
    held = held_sessions(await sessions(f), now)
    if not held:
        return []
    zones = await site_zones(f.site_ids)
    names = await site_names(f.site_ids)
    ids = [row["id"] for row in held]
    modules = sorted({row["module"] for row in held})
    enrolments: dict[tuple[int, int], dict] = {}  # (session or -module, person) -> enrolment
    # A series' enrolments (no session) and the held drop-in sessions' own: never the other
    # sessions' of the same modules.
    wanted = [
        (Enrolment.module, modules, Enrolment.session.is_null()),
        (Enrolment.session, ids, None),
    ]
    for column, keys, extra in wanted:
        for offset in range(0, len(keys), 5000):
            clause = column.is_in(keys[offset : offset + 5000])
            rows = await Enrolment.select(
                Enrolment.visitor,
                Enrolment.module,
                Enrolment.session,
                Enrolment.status,
                Enrolment.cancelled_by,
                Enrolment.created_at,
                Enrolment.updated_at,
            ).where(clause & extra if extra is not None else clause)
            for row in rows:
                key = row["session"] if row["session"] is not None else -row["module"]
                enrolments[(key, row["visitor"])] = row
    came: dict[int, set[int]] = defaultdict(set)
    for offset in range(0, len(ids), 5000):
        rows = await Attendance.select(Attendance.session, Attendance.visitor).where(
            Attendance.session.is_in(ids[offset : offset + 5000])
            & Attendance.status.is_in(list(CAME))
        )
        for row in rows:
            came[row["session"]].add(row["visitor"])
    by_key: dict[int, list[int]] = defaultdict(list)
    for key, person in enrolments:
        by_key[key].append(person)
    pairs: list[tuple[dict, int, str]] = []
    for session in held:
        key = session["id"] if session["enrolment"] == "drop_in" else -session["module"]
        people = set(by_key.get(key, ())) | came[session["id"]]
        for person in people:
            found = outcome(
                enrolments.get((key, person)), person in came[session["id"]], session["starts_at"]
            )
            if found is not None:
                pairs.append((session, person, found))
    people = await _identities({person for _, person, _ in pairs})
    rows_out = []
    for session, person, found in pairs:
        tz = ZoneInfo(zones[session["site"]])
        start = session["starts_at"].astimezone(tz)
        end = session["ends_at"].astimezone(tz)
        who = people[person]
        rows_out.append(
            RegistrantRow(
                session_id=session["id"],
                day=start.date().isoformat(),
                starts=start.strftime("%H:%M"),
                ends=end.strftime("%H:%M"),
                site=names.get(session["site"], ""),
                module=session["title"],
                session_type="info_session" if session["kind"] == "info_session" else "workshop",
                visitor_id=person,
                external_ref=who["external_ref"] or "",
                last_name=who["last_name"],
                first_name=who["first_name"],
                birth_date=who["birth_date"].isoformat(),
                outcome=found,
            )
        )
    rows_out.sort(
        key=lambda row: (row.day, row.starts, row.session_id, row.last_name, row.visitor_id)
    )
    return rows_out


async def _identities(ids: set[int]) -> dict[int, dict]:
    return await visitors_by_id(
        ids, Visitor.first_name, Visitor.last_name, Visitor.birth_date, Visitor.external_ref
    )
