"""The European Social Fund Plus common output indicators for participants.

Regulation (EU) 2021/1057, Annex I, point 1 ("common output indicators for operations targeting
people"). Rules applied:
- A *participant* is a person who attended at least one collective session (present or late,
  walk-ins included) at one of the operation's sites. Drop-in lab visits are not ESF+ actions.
- Each person is counted **once per operation, at their first entry**: the day of their first
  attended session since the operation's start. A person whose first entry falls in the
  reported period is counted in it; a later re-entry counts nobody twice.
- Age is taken on the day of first entry. Labour-market status and education come from the
  person's record as it stands (lab keeps one record per person, updated at each contact, so
  a re-entry updates it).
- Each indicator is broken down by gender (woman, man, non-binary, not stated).
- lab holds no sensitive categories (disability, foreign background, minority, homelessness)
  and no rural / urban classification: those indicators are listed as not recorded, never
  estimated. Long-term unemployment needs a date of registration lab does not hold.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts.tables import Visitor
from lab.attendance.tables import Attendance
from lab.core.db import fetch_aside, placeholders
from lab.core.i18n import N_
from lab.reports import bands
from lab.reports.figures import CAME, EsfFigures
from lab.reports.filters import Filters, Period, read_aside_when_large
from lab.reports.queries import aggregate_moment, period_sql, profiles_by_id

# The indicators lab holds data for, in the regulation's order, and how a record meets each.
INDICATORS = (
    "total",
    "unemployed",
    "inactive",
    "employed",
    "under_18",
    "18_29",
    "55_plus",
    "isced_0_2",
    "isced_3_4",
    "isced_5_8",
)
LABELS = {
    "total": N_("Participants (total)"),
    "unemployed": N_("Chômeurs, y compris de longue durée"),
    "inactive": N_("Personnes inactives (dont élèves, étudiants et personnes en formation)"),
    "employed": N_("Personnes exerçant un emploi, y compris les indépendants"),
    "under_18": N_("Participants de moins de 18 ans"),
    "18_29": N_("Participants âgés de 18 à 29 ans"),
    "55_plus": N_("Participants âgés de 55 ans et plus"),
    "isced_0_2": N_(
        "Titulaires d'un diplôme de l'enseignement primaire ou secondaire inférieur (CITE 0 à 2)"
    ),
    "isced_3_4": N_(
        "Titulaires d'un diplôme du deuxième cycle du secondaire ou du post-secondaire non "
        "supérieur (CITE 3 ou 4)"
    ),
    "isced_5_8": N_("Titulaires d'un diplôme de l'enseignement supérieur (CITE 5 à 8)"),
}
NOT_RECORDED = (
    N_("Chômeurs de longue durée (lab n'enregistre pas la date d'inscription)"),
    N_("Participants handicapés"),
    N_("Ressortissants de pays tiers"),
    N_("Participants d'origine étrangère"),
    N_("Minorités (y compris les communautés marginalisées telles que les Roms)"),
    N_("Personnes sans domicile fixe ou confrontées à l'exclusion de leur logement"),
    N_("Participants issus de zones rurales"),
)
_LABOUR = {
    "job_seeker": "unemployed",
    "student": "inactive",
    "training": "inactive",
    "inactive": "inactive",
    "employed": "employed",
}


async def first_entries(f: Filters, operation_start: dt.date) -> dict[int, dt.datetime]:
    """{person: their first attended session's start} since the operation began, at the
    filtered sites (the programme filters do not apply: an operation is a whole programme)."""
    since = Filters(
        period=Period(operation_start, f.period.last),
        site_ids=f.site_ids,
        zones=f.zones,
    )
    period, values = period_sql("m.site", "s.starts_at", since)
    rows = await fetch_aside(
        Attendance,
        'SELECT a.visitor AS visitor, MIN(s.starts_at) AS "first" FROM attendance a'  # noqa: S608
        " JOIN workshop_session s ON s.id = a.session"
        " JOIN workshop_module m ON m.id = s.module"
        f" WHERE {period} AND s.status <> 'cancelled' AND a.status IN ({placeholders(CAME)})"
        " GROUP BY a.visitor",
        *values,
        *CAME,
    )
    return {row["visitor"]: aggregate_moment(row["first"]) for row in rows}


@read_aside_when_large
async def esf_figures(f: Filters, operation_start: dt.date) -> EsfFigures:
    """The indicators for the people whose first entry lies in the period."""
    entries = await first_entries(f, operation_start)
    period_bounds = {site: (start, end) for sites, start, end in f.bounds() for site in sites}
    start = min(bound[0] for bound in period_bounds.values())
    end = max(bound[1] for bound in period_bounds.values())
    entered = {person: moment for person, moment in entries.items() if start <= moment < end}
    indicators = {code: dict.fromkeys(bands.GENDERS, 0) for code in INDICATORS}
    people = await profiles_by_id(
        entered, Visitor.birth_date, Visitor.gender, Visitor.status, Visitor.education_level
    )
    for person in people.values():
        gender = bands.gender(person["gender"])
        age = bands.age_on(person["birth_date"], entered[person["id"]].date())
        met = ["total", bands.funder_age_band(age)]
        labour = _LABOUR.get(person["status"] or "")
        if labour:
            met.append(labour)
        education = bands.isced(person["education_level"])
        if education != bands.NOT_STATED:
            met.append(education)
        for code in met:
            if code in indicators:
                indicators[code][gender] += 1
    return EsfFigures(
        first_day=f.period.first.isoformat(),
        last_day=f.period.last.isoformat(),
        operation_start=operation_start.isoformat(),
        site_ids=list(f.site_ids),
        indicators=indicators,
    )
