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
from lab.core.db import chunks, fetch_aside, placeholders, work_aside
from lab.core.i18n import N_
from lab.reports.figures import CAME, RegistrantRow
from lab.reports.filters import Filters, read_aside_when_large
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


@read_aside_when_large
async def registrant_rows(f: Filters, now: dt.datetime) -> list[RegistrantRow]:
    held = held_sessions(await sessions(f), now)
    if not held:
        return []
    zones = await site_zones(f.site_ids)
    names = await site_names(f.site_ids)
    ids = [row["id"] for row in held]
    modules = sorted({row["module"] for row in held})
    enrolled: list[dict] = []
    # A series' enrolments (no session) and the held drop-in sessions' own: never the other
    # sessions' of the same modules.
    for column, keys, extra in (("module", modules, " AND session IS NULL"), ("session", ids, "")):
        for chunk in chunks(keys):
            enrolled += await fetch_aside(
                Enrolment,
                "SELECT visitor, module, session, status, cancelled_by, created_at, updated_at"  # noqa: S608
                f" FROM enrolment WHERE {column} IN ({placeholders(chunk)}){extra}",
                *chunk,
            )
    attended: list[dict] = []
    for chunk in chunks(ids):
        attended += await fetch_aside(
            Attendance,
            "SELECT session, visitor FROM attendance"  # noqa: S608
            f" WHERE session IN ({placeholders(chunk)}) AND status IN ({placeholders(CAME)})",
            *chunk,
            *CAME,
        )
    # The sorting out and the wording are CPU work on a network's year (hundreds of thousands
    # of rows): for a large report in a worker thread, so the event loop goes on serving.
    pairs = await work_aside(_registrants, held, enrolled, attended)
    people = await _identities({person for _, person, _ in pairs})
    return await work_aside(_rows, pairs, people, zones, names)


def _registrants(
    held: list[dict], enrolled: list[dict], attended: list[dict]
) -> list[tuple[dict, int, str]]:
    """(session, person, outcome) for every registrant of the held sessions, from their
    enrolments and the attendances of those who came."""
    enrolments: dict[tuple[int, int], dict] = {}  # (session or -module, person) -> enrolment
    for row in enrolled:
        key = row["session"] if row["session"] is not None else -row["module"]
        enrolments[(key, row["visitor"])] = row
    came: dict[int, set[int]] = defaultdict(set)
    for row in attended:
        came[row["session"]].add(row["visitor"])
    by_key: dict[int, list[int]] = defaultdict(list)
    for key, person in enrolments:
        by_key[key].append(person)
    pairs: list[tuple[dict, int, str]] = []
    for session in held:
        key = session["id"] if session["enrolment"] == "drop_in" else -session["module"]
        present = came.get(session["id"], set())
        for person in set(by_key.get(key, ())) | present:
            found = outcome(enrolments.get((key, person)), person in present, session["starts_at"])
            if found is not None:
                pairs.append((session, person, found))
    return pairs


def _rows(
    pairs: list[tuple[dict, int, str]],
    people: dict[int, dict],
    zones: dict[int, str],
    names: dict[int, str],
) -> list[RegistrantRow]:
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
