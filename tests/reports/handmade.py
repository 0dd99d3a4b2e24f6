"""A small dataset whose figures were worked out by hand, for November 2025 on both sites.

Saint-Denis runs « Atelier CV » (a series, job search, 10 seats); Anderlecht an « Info
collective » (drop-in sessions, 8 seats). Times are the sites' own.

- S0, Atelier CV, 2025-10-06 10:00-12:00, closed: Dana present (a walk-in): her first entry.
- S1, Atelier CV, 2025-11-10 10:00-12:00, closed: Amira present, Bilal late, Eve excused,
  Chris present (a walk-in).
- S2, Atelier CV, 2025-11-17 10:00-12:00, cancelled: Eve present (marked before it was
  cancelled).
- S3, Info collective, 2025-11-20 14:00-15:30, closed: Bilal and Dana present (both enrolled).

Enrolments in the series: Amira, Bilal, Eve (enrolled), Gabriel (cancelled by himself on 1
November), Hana (waitlisted, never given a seat).

People: Amira, woman, born 2007-11-15 (17 at S1, 18 five days later), job seeker, bac;
Bilal, man, born 1999-01-01 (26), employed, bac +3; Chris, gender not given, born 2004-06-01
(21), student, education not given; Dana, "prefer not to say", born 1968-03-01 (57), inactive,
no diploma; Eve, woman, born 2006-02-02.

Worked out for 1–30 November 2025, both sites:
- sessions held 2 (S1, S3), cancelled 1 (S2, whose mark never counts);
- attendances 5 (S1: 3, S3: 2), of which 1 walk-in (Chris), late 1, excused 1, absent 0;
- participants 4 (Amira, Bilal, Chris, Dana): Bilal, seen at both sites, counts once;
  Saint-Denis 3, Anderlecht 2;
- hours 9.0 (2 h × 3 + 1.5 h × 2); seats 18; fill rate 5/18; late rate 1/5; no-show rate 0;
- ages on each one's first attendance in the period: 16–17: 1 (Amira), 18–21: 1 (Chris),
  26–29: 1 (Bilal), 30+: 1 (Dana); funders' bands under 18: 1, 18–29: 2, 55+: 1;
- gender: woman 1, man 1, not stated 2 (Chris, Dana);
- ESF+ (operation from 1 January 2025): first entries in November are Amira, Bilal and Chris
  (Dana entered in October): total 3 (woman 1, man 1, not stated 1); unemployed 1 (woman);
  employed 1 (man); inactive 1 (not stated); under 18: 1 (woman); 18–29: 2 (man, not stated);
  ISCED 3–4: 1 (woman); ISCED 5–8: 1 (man); ISCED 0–2: 0.
- collective sessions: S1 — Amira present, Bilal present, Chris present, Eve registered,
  Gabriel refused by the young person, Hana refused by the centre; S3 — Bilal present,
  Dana present: 8 rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
from zoneinfo import ZoneInfo

from lab.attendance.tables import Attendance
from lab.workshops.tables import Enrolment, Module, Session
from tests.personas import Cast, make_visitor

FIRST, LAST = dt.date(2025, 11, 1), dt.date(2025, 11, 30)
QUERY = {"period": "custom", "first": FIRST.isoformat(), "last": LAST.isoformat()}

EXPECTED = {
    "sessions_held": 2,
    "sessions_cancelled": 1,
    "attendances": 5,
    "walk_ins": 1,
    "participants": 4,
    "hours": 9.0,
    "fill_rate": round(5 / 18, 4),
    "late_rate": 0.2,
    "no_show_rate": 0.0,
}
AGE_BANDS = {"under_16": 0, "16_17": 1, "18_21": 1, "22_25": 0, "26_29": 1, "30_plus": 1}
FUNDER_AGE_BANDS = {"under_18": 1, "18_29": 2, "30_54": 0, "55_plus": 1}
GENDERS = {"woman": 1, "man": 1, "non_binary": 0, "not_stated": 2}
ESF = {
    "total": {"woman": 1, "man": 1, "non_binary": 0, "not_stated": 1},
    "unemployed": {"woman": 1, "man": 0, "non_binary": 0, "not_stated": 0},
    "inactive": {"woman": 0, "man": 0, "non_binary": 0, "not_stated": 1},
    "employed": {"woman": 0, "man": 1, "non_binary": 0, "not_stated": 0},
    "under_18": {"woman": 1, "man": 0, "non_binary": 0, "not_stated": 0},
    "18_29": {"woman": 0, "man": 1, "non_binary": 0, "not_stated": 1},
    "55_plus": {"woman": 0, "man": 0, "non_binary": 0, "not_stated": 0},
    "isced_0_2": {"woman": 0, "man": 0, "non_binary": 0, "not_stated": 0},
    "isced_3_4": {"woman": 1, "man": 0, "non_binary": 0, "not_stated": 0},
    "isced_5_8": {"woman": 0, "man": 1, "non_binary": 0, "not_stated": 0},
}
COLLECTIVE = {
    ("S1", "Amira"): "present",
    ("S1", "Bilal"): "present",
    ("S1", "Chris"): "present",
    ("S1", "Eve"): "registered",
    ("S1", "Gabriel"): "refused_by_young_person",
    ("S1", "Hana"): "refused_by_centre",
    ("S3", "Bilal"): "present",
    ("S3", "Dana"): "present",
}


@dataclasses.dataclass
class Handmade:
    people: dict[str, int]
    sessions: dict[str, int]


def _at(day: str, time: str, zone: str) -> dt.datetime:
    local = dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(dt.UTC)


async def _module(site_id: int, title: str, kind: str, enrolment: str, capacity: int) -> Module:
    module = Module(
        site=site_id,
        title=title,
        kind=kind,
        capacity=capacity,
        enrolment=enrolment,
        created_at=_at("2025-09-01", "09:00", "Europe/Paris"),
    )
    await module.save()
    return module


async def _session(module: Module, start: dt.datetime, minutes: int, status: str) -> Session:
    session = Session(
        module=module.id,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=minutes),
        status=status,
        checkin_secret=secrets.token_hex(16),
        uid=f"{secrets.token_hex(8)}@lab.test",
        created_at=start - dt.timedelta(days=30),
        updated_at=start,
    )
    await session.save()
    return session


async def build(cast: Cast) -> Handmade:
    paris, brussels = "Europe/Paris", "Europe/Brussels"
    sd, bx = cast.saint_denis, cast.brussels
    people = {
        "Amira": await make_visitor(
            sd,
            "Amira",
            "Benali",
            birth_date=dt.date(2007, 11, 15),
            gender="female",
            status="job_seeker",
            education_level="level4",
        ),
        "Bilal": await make_visitor(
            sd,
            "Bilal",
            "Diallo",
            birth_date=dt.date(1999, 1, 1),
            gender="male",
            status="employed",
            education_level="level6",
        ),
        "Chris": await make_visitor(
            sd, "Chris", "Morel", birth_date=dt.date(2004, 6, 1), status="student"
        ),
        "Dana": await make_visitor(
            bx,
            "Dana",
            "Peeters",
            birth_date=dt.date(1968, 3, 1),
            gender="undisclosed",
            status="inactive",
            education_level="none",
        ),
        "Eve": await make_visitor(
            sd, "Eve", "Laurent", birth_date=dt.date(2006, 2, 2), gender="female"
        ),
        "Gabriel": await make_visitor(sd, "Gabriel", "Roux"),
        "Hana": await make_visitor(sd, "Hana", "Said"),
    }
    ids = {name: visitor.id for name, visitor in people.items()}
    cv = await _module(sd.id, "Atelier CV", "job_search", "series", 10)
    info = await _module(bx.id, "Info collective", "info_session", "drop_in", 8)
    sessions = {
        "S0": await _session(cv, _at("2025-10-06", "10:00", paris), 120, "closed"),
        "S1": await _session(cv, _at("2025-11-10", "10:00", paris), 120, "closed"),
        "S2": await _session(cv, _at("2025-11-17", "10:00", paris), 120, "cancelled"),
        "S3": await _session(info, _at("2025-11-20", "14:00", brussels), 90, "closed"),
    }
    autumn = _at("2025-09-15", "09:00", paris)
    for name, status, by in (
        ("Amira", "enrolled", None),
        ("Bilal", "enrolled", None),
        ("Eve", "enrolled", None),
        ("Gabriel", "cancelled", "visitor"),
        ("Hana", "waitlisted", None),
    ):
        await Enrolment(
            visitor=ids[name],
            module=cv.id,
            status=status,
            cancelled_by=by,
            created_at=autumn,
            updated_at=_at("2025-11-01", "12:00", paris) if by else autumn,
        ).save()
    for name in ("Bilal", "Dana"):
        await Enrolment(
            visitor=ids[name],
            module=info.id,
            session=sessions["S3"].id,
            status="enrolled",
            created_at=autumn,
            updated_at=autumn,
        ).save()
    for session, name, status in (
        ("S0", "Dana", "present"),
        ("S1", "Amira", "present"),
        ("S1", "Bilal", "late"),
        ("S1", "Eve", "excused"),
        ("S1", "Chris", "present"),
        ("S2", "Eve", "present"),
        ("S3", "Bilal", "present"),
        ("S3", "Dana", "present"),
    ):
        start = sessions[session].starts_at
        await Attendance(
            visitor=ids[name],
            session=sessions[session].id,
            status=status,
            checked_in_at=start if status in ("present", "late") else None,
            method="staff",
            created_at=start,
            updated_at=start,
        ).save()
    return Handmade(ids, {key: session.id for key, session in sessions.items()})
