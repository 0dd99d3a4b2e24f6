"""The history's programme: which runs of which modules the year held, and their modules."""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.core import clock
from lab.demo import workshops as demo_workshops
from lab.demo.history.place import DAYS, Place, insert
from lab.workshops.tables import Module, ModuleFacilitator, Partner, Session

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août")
MONTHS += ("septembre", "octobre", "novembre", "décembre")
# The programme's series whose past cohorts the history adds, each a module of its own: its
# short name (a cohort is titled "Objectif emploi — cycle du 6 janvier 2026") and the weeks
# from one cohort's start to the next.
CYCLES = {
    "Objectif emploi : 6 séances pour trouver un job": ("Objectif emploi", 12),
    "Trouver ma voie : atelier orientation": ("Trouver ma voie", 10),
    "Atelier CV et candidatures": ("Atelier CV", 10),
}


@dataclasses.dataclass(frozen=True, slots=True)
class DropIn:
    """A drop-in module of the year that the current programme does not run any more."""

    site: str
    title: str
    kind: str
    capacity: int
    team: tuple[str, ...]  # facilitators' e-mails
    sessions: tuple[int, str, str]  # weekday (0 is Monday), start, end
    every: int  # weeks between two sessions
    description: str
    partner: str | None = None


DROP_INS = [
    DropIn(
        site="saint-denis",
        title="Matinales France Travail",
        kind="info_session",
        capacity=15,
        team=("responsable.stdenis@lab.example",),
        sessions=(4, "10:00", "11:30"),
        every=4,
        description="Une fois par mois, France Travail répond aux questions : inscription, "
        "aides, offres.",
        partner="France Travail",
    ),
    DropIn(
        site="bruxelles-anderlecht",
        title="Permanence numérique",
        kind="digital_skills",
        capacity=8,
        team=("animation.bxl@lab.example",),
        sessions=(3, "13:30", "15:30"),
        every=1,
        description="Chaque jeudi après-midi : une adresse e-mail, un document, une démarche "
        "en ligne, avec quelqu'un pour aider.",
    ),
    DropIn(
        site="bruxelles-anderlecht",
        title="Matinales Actiris",
        kind="info_session",
        capacity=12,
        team=("responsable.bxl@lab.example",),
        sessions=(2, "10:00", "11:30"),
        every=4,
        description="Une fois par mois, une conseillère d'Actiris présente l'inscription et les "
        "aides aux jeunes.",
        partner="Actiris",
    ),
]


@dataclasses.dataclass
class Run:
    """One run of a module: a series' cohort (one queue for its sessions) or one drop-in
    session (a queue of its own)."""

    module: Module
    times: list[tuple[dt.datetime, dt.datetime]]
    team: list[int]
    sessions: list[Session] = dataclasses.field(default_factory=list)


def _holiday(day: dt.date) -> bool:
    """Workshops pause for most of August and over Christmas and New Year."""
    month_day = (day.month, day.day)
    return (8, 1) <= month_day <= (8, 23) or month_day >= (12, 22) or month_day <= (1, 2)


async def past_runs(place: Place, staff_ids: dict[str, int]) -> tuple[list[Run], int]:
    """The year's runs at the site, their modules written (sessions not yet); and how many
    modules that made. The programme's drop-in module gets its weekly sessions back to the
    start of the year; a series module, whose one queue is its current cohort, gets its past
    cohorts as modules of their own (closed to enrolment, same team); and the drop-ins of the
    year the programme has stopped come back with their sessions."""
    existing = {row.title: row for row in await Module.objects().where(Module.site == place.id)}
    runs: list[Run] = []
    cohorts: list[Run] = []
    for item in demo_workshops.PROGRAMME:
        module = existing.get(item["title"]) if item["site"] == place.slug else None
        if module is None or (module.enrolment == "series" and module.title not in CYCLES):
            continue
        team = await _team(module.id)
        limit = await _first_day(place, module.id)
        weekday, start, end, _first_week, weeks = item["sessions"]
        if module.enrolment == "drop_in":
            for days in _runs(place, weekday, 1, 1, limit):
                runs.append(Run(module, _times(place, days, start, end), team))
            continue
        name, every = CYCLES[module.title]
        for days in _runs(place, weekday, weeks, every, limit):
            cohort = _copy(module)
            first = "1er" if days[0].day == 1 else str(days[0].day)
            cohort.title = f"{name} — cycle du {first} {MONTHS[days[0].month - 1]} {days[0].year}"
            cohorts.append(Run(cohort, _times(place, days, start, end), team))
    stopped = await _stopped_drop_ins(place, staff_ids, existing)
    for module, team, (weekday, start, end), every in stopped:
        for days in _runs(place, weekday, 1, every, place.this_week):
            runs.append(Run(module, _times(place, days, start, end), team))
    if cohorts:
        await insert([run.module for run in cohorts])
    await insert(
        [
            ModuleFacilitator(module=module.id, staff_user=staff_id)
            for module, team in [(run.module, run.team) for run in cohorts]
            + [(module, team) for module, team, _hours, _every in stopped]
            for staff_id in team
        ]
    )
    runs += cohorts
    await _since_the_first_session(runs)
    return runs, len(cohorts) + len(stopped)


async def _team(module_id: int) -> list[int]:
    rows = await ModuleFacilitator.select(ModuleFacilitator.staff_user).where(
        ModuleFacilitator.module == module_id
    )
    return [row["staff_user"] for row in rows]


async def _first_day(place: Place, module_id: int) -> dt.date:
    """The history of a module stops before this week and before its own first session
    (the room is the same)."""
    first = (
        await Session.select(Session.starts_at)
        .where(Session.module == module_id)
        .order_by(Session.starts_at)
        .first()
    )
    if first is None:
        return place.this_week
    return min(place.this_week, clock.to_zone(first["starts_at"], place.zone).date())


def _copy(module: Module) -> Module:
    """A past cohort of ``module``: the same programme, closed to enrolment."""
    fields = {
        column._meta.name: getattr(module, column._meta.name) for column in Module._meta.columns
    }
    fields.pop("id")
    return Module(**fields | {"active": False})


def _times(place: Place, days: list[dt.date], start: str, end: str) -> list[tuple]:
    return [(place.at(day, start), place.at(day, end)) for day in days]


async def _stopped_drop_ins(
    place: Place, staff_ids: dict[str, int], existing: dict[str, Module]
) -> list[tuple[Module, list[int], tuple[int, str, str], int]]:
    """The site's drop-ins of the year (``DROP_INS``), written: (module, team, hours, every)."""
    rooms = [module.room for module in existing.values() if module.room is not None]
    partners = {
        row["name"]: row["id"]
        for row in await Partner.select(Partner.id, Partner.name).where(Partner.site == place.id)
    }
    made = []
    for item in DROP_INS:
        if item.site != place.slug:
            continue
        module = Module(
            site=place.id,
            title=item.title,
            kind=item.kind,
            description=item.description,
            capacity=item.capacity,
            enrolment="drop_in",
            partner=partners.get(item.partner) if item.partner else None,
            room=rooms[0] if rooms else None,
            created_at=clock.now(),  # set back below, before its first session
        )
        team = [staff_ids[email] for email in item.team]
        made.append((module, team, item.sessions, item.every))
    if made:
        await insert([module for module, *_rest in made])
    return made


async def _since_the_first_session(runs: list[Run]) -> None:
    """A module on the programme all year was made before its first session of the year."""
    first: dict[int, dt.datetime] = {}
    for run in runs:
        made = run.times[0][0] - dt.timedelta(weeks=5)
        if made < run.module.created_at:
            first[run.module.id] = min(made, first.get(run.module.id, made))
            run.module.created_at = first[run.module.id]
    for module_id, made in first.items():
        await Module.update({Module.created_at: made}).where(Module.id == module_id)


def _runs(
    place: Place, weekday: int, weeks: int, every: int, limit: dt.date
) -> list[list[dt.date]]:
    """The days of each run: ``weeks`` weekly sessions, a run starting every ``every`` weeks
    from the start of the year until ``limit`` (excluded); a run that would meet a holiday
    waits a week."""
    begin = place.today - dt.timedelta(days=DAYS)
    monday = begin + dt.timedelta(days=(7 - begin.weekday()) % 7)
    found = []
    while True:
        days = [monday + dt.timedelta(weeks=week, days=weekday) for week in range(weeks)]
        if days[-1] >= limit:
            return found
        if any(_holiday(day) for day in days):
            monday += dt.timedelta(weeks=1)
            continue
        found.append(days)
        monday += dt.timedelta(weeks=every)
