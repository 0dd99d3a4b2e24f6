"""A visitor's timeline for staff: their story at the lab, newest first, from the sites the
viewer acts for only.

Why here: the timeline reads every domain that records something about a person (accounts:
passes and consent; bookings; workshops: enrolments and waiting lists; attendance and its
certificates; the messages of the outbox; visits). attendance is the highest of
those domains in the dependency direction, so it is the lowest place that may read them all,
each through the owner's ``queries``. accounts, at the bottom, may not: the person's page
(accounts) loads the timeline's section from attendance's route after the page, as it does the
bookings' section.

Domains above attendance (skills: evidence and badges) add their items through a reader they
hand in at start-up (``timeline_reads_with``, joined by ``lab.wiring``), given the visitor and
the viewer's sites, as the readers here are.

Nothing here writes. Access: the visitor through ``get_visitor_for`` (staff of another site:
forbidden, other_site); every row then comes from the actor's own sites only. A message is
shown when what it is about (an enrolment, a session, a booking) is at one of those sites;
a message about nothing of a site (none yet) is the visitor's home site's, which the viewer
may see. A message shows its kind, subject and date, never its body or address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from lab.accounts import queries as accounts
from lab.attendance.completion import progress_in
from lab.attendance.more_items import Item, more_items
from lab.attendance.queries import CAME, visitor_attendance_at
from lab.bookings import queries as bookings
from lab.core import clock, mail
from lab.core.i18n import N_
from lab.core.principals import Principal
from lab.visits import queries as visits
from lab.workshops import queries as workshops

# The kinds of items, in the order the filter offers them.
KINDS = {
    "visit": N_("Visites"),
    "booking": N_("Réservations"),
    "enrolment": N_("Inscriptions et listes d'attente"),
    "attendance": N_("Présences aux ateliers"),
    "certificate": N_("Attestations"),
    "message": N_("Messages envoyés"),
    "consent": N_("Accord d'un parent"),
    "pass": N_("Cartes"),
}
# The periods the filter offers: how many days back (None: everything).
PERIODS = {
    "all": (N_("Depuis le début"), None),
    "30": (N_("30 derniers jours"), 30),
    "90": (N_("3 derniers mois"), 90),
    "365": (N_("12 derniers mois"), 365),
}
ALL = "all"
WEEKS = 8

STATUS_LABELS = {
    # bookings
    "kept": N_("Venu·e (réservation tenue)"),
    "missed": N_("Pas venu·e"),
    "released": N_("Libérée, personne pas venue"),
    "cancelled": N_("Annulée"),
    "upcoming": N_("À venir"),
    "not_decided": N_("Jamais validée"),
    # enrolments
    "enrolled": N_("Inscrit·e"),
    "waitlisted": N_("Sur liste d'attente"),
    "enrolment_cancelled": N_("Inscription annulée"),
    "completed": N_("Module terminé"),
    # attendance
    "present": N_("Présent·e"),
    "late": N_("En retard"),
    "absent": N_("Absent·e"),
    "excused": N_("Excusé·e"),
    # messages
    "sent": N_("Envoyé"),
    "written": N_("Enregistré dans la boîte d'envoi"),
    "pending": N_("En cours d'envoi"),
    "failed": N_("Échec de l'envoi"),
    # passes, visits
    "issued": N_("Émise"),
    "revoked": N_("Désactivée"),
    "open": N_("En cours"),
    "closed": N_("Terminée"),
}

# What a message was, in plain words; a kind not listed here is shown as it is stored.
MESSAGE_KINDS = {
    "enrolled": N_("inscription"),
    "waitlisted": N_("liste d'attente"),
    "promoted": N_("place libérée"),
    "reminder": N_("rappel"),
    "session_cancelled": N_("séance annulée"),
    "session_moved": N_("séance déplacée"),
}


def kinds() -> dict[str, str]:
    """The kinds the filter offers, those handed in by higher domains last."""
    return {**KINDS, **{kind: more.label for kind, more in more_items().items()}}


def status_labels() -> dict[str, str]:
    extra = {
        status: label for more in more_items().values() for status, label in more.statuses.items()
    }
    return {**extra, **STATUS_LABELS}


@dataclasses.dataclass(frozen=True, slots=True)
class Week:
    starts_on: dt.date
    hours: float


@dataclasses.dataclass(frozen=True, slots=True)
class Timeline:
    visitor: accounts.Visitor
    site: accounts.Site  # the visitor's home site: dates are shown in its time zone
    items: list[Item]
    weeks: list[Week]
    kind: str
    period: str

    @property
    def most_hours(self) -> float:
        return max((week.hours for week in self.weeks), default=0.0)


def pick(value: str | None, choices: dict) -> str:
    """A filter's value, or ``all`` for anything the filter does not offer."""
    return value if value in choices else ALL


def booking_status(status: str, ends_at: dt.datetime, now: dt.datetime) -> str:
    """What became of a booking, as the timeline says it."""
    if status in ("checked_in", "completed"):
        return "kept"
    if status == "no_show":
        return "missed"
    if status in ("released", "cancelled"):
        return status
    if ends_at > now:
        return "upcoming"
    return "missed" if status == "confirmed" else "not_decided"


def _minutes(starts_at: dt.datetime, ends_at: dt.datetime | None) -> float:
    if ends_at is None or ends_at <= starts_at:
        return 0.0
    return (ends_at - starts_at).total_seconds() / 60


async def timeline_for(
    actor: Principal, visitor_id: int, kind: str | None = None, period: str | None = None
) -> Timeline:
    """The visitor's timeline as ``actor`` may see it, newest first, filtered by ``kind`` (a
    key of KINDS) and ``period`` (a key of PERIODS); anything else means all. The weekly hours
    of the last 8 weeks do not depend on the filters. Errors: not_found, forbidden
    (other_site)."""
    visitor = await accounts.get_visitor_for(actor, visitor_id)
    site = await accounts.get_site(visitor.created_site)
    kind, period = pick(kind, kinds()), pick(period, PERIODS)
    sites = actor.site_ids()
    now = clock.now()
    days = PERIODS[period][1]
    since = now - dt.timedelta(days=days) if days else None
    zone = ZoneInfo(site.timezone)
    this_monday = now.astimezone(zone).date() - dt.timedelta(days=now.astimezone(zone).weekday())
    first_monday = this_monday - dt.timedelta(weeks=WEEKS - 1)
    chart_since = dt.datetime.combine(first_monday, dt.time(), zone)

    items: list[Item] = []
    spans: list[tuple[dt.datetime, float]] = []  # (start, minutes) of time spent at the lab

    visited = await visits.visits_of(visitor.id, sites)
    purposes = {
        site_id: {p.code: p.label for p in listed}
        for site_id, listed in (await visits.purposes_of({v.site for v in visited})).items()
    }
    for visit in visited:
        label = purposes[visit.site].get(visit.purpose, visit.purpose)
        status = "open" if visit.left_at is None else "closed"
        items.append(Item("visit", visit.arrived_at, label, status))
        counted = visits.counted_minutes(visit)  # None while open: the time so far
        spent = _minutes(visit.arrived_at, now) if counted is None else counted
        spans.append((visit.arrived_at, spent))

    for row in await bookings.visitor_bookings_at(visitor.id, sites):
        status = booking_status(row["status"], row["ends_at"], now)
        items.append(Item("booking", row["starts_at"], row["resource_name"], status))
        if status == "kept":
            spans.append((row["starts_at"], _minutes(row["starts_at"], row["ends_at"])))

    for row in await workshops.visitor_enrolments_at(visitor.id, sites):
        status = row["status"]
        if status == "cancelled":
            status = "enrolment_cancelled"
        items.append(Item("enrolment", row["created_at"], row["workshop"], status))

    came_to: dict[int, dt.datetime] = {}
    for row in await visitor_attendance_at(visitor.id, sites):
        items.append(Item("attendance", row["starts_at"], row["workshop"], row["status"]))
        if row["status"] in CAME:
            spans.append((row["starts_at"], _minutes(row["starts_at"], row["ends_at"])))
            last = came_to.get(row["module_id"])
            came_to[row["module_id"]] = max(last, row["starts_at"]) if last else row["starts_at"]

    modules = await workshops.get_modules_for(actor, list(came_to))
    done = await progress_in(modules, [visitor.id])
    for module in modules:
        if done[module.id][visitor.id].complete:
            items.append(
                Item("certificate", came_to[module.id], module.title, "issued", module_id=module.id)
            )

    for row in await _messages(visitor, sites):
        items.append(Item("message", row["created_at"], row["subject"], row["status"], row["kind"]))

    if visitor.guardian_consent_at is not None:
        items.append(Item("consent", visitor.guardian_consent_at, "", "issued"))

    for row in await accounts.pass_history(visitor.id):
        items.append(Item("pass", row["issued_at"], "", "issued"))
        if row["revoked_at"] is not None:
            items.append(Item("pass", row["revoked_at"], "", "revoked"))

    for more in more_items().values():
        items += await more.read(visitor.id, sites)

    shown = [
        item
        for item in items
        if (kind == ALL or item.kind == kind) and (since is None or item.at >= since)
    ]
    shown.sort(key=lambda item: item.at, reverse=True)
    return Timeline(
        visitor=visitor,
        site=site,
        items=shown,
        weeks=_weeks(spans, first_monday, chart_since, zone),
        kind=kind,
        period=period,
    )


def _weeks(
    spans: list[tuple[dt.datetime, float]],
    first_monday: dt.date,
    since: dt.datetime,
    zone: ZoneInfo,
) -> list[Week]:
    """Hours at the lab per week (Monday to Sunday, in the home site's zone), oldest first."""
    minutes = [0.0] * WEEKS
    for starts_at, spent in spans:
        if starts_at < since:
            continue
        index = (starts_at.astimezone(zone).date() - first_monday).days // 7
        if 0 <= index < WEEKS:
            minutes[index] += spent
    return [
        Week(first_monday + dt.timedelta(weeks=index), round(total / 60, 1))
        for index, total in enumerate(minutes)
    ]


async def _messages(visitor: accounts.Visitor, sites: frozenset[int]) -> list[dict]:
    """The messages written to the visitor (held ones, not written yet, left out) that are
    about something at ``sites`` (see the module's docstring): ``kind``, ``subject``,
    ``status``, ``created_at``, never the body or the address."""
    rows = await mail.written_to(visitor.id)
    about: list[tuple[str, int] | None] = []
    for row in rows:
        parts = (row["dedupe_key"] or "").split(":")
        found = None
        for index, part in enumerate(parts[:-1]):
            if part in ("enrolment", "session", "booking") and parts[index + 1].isdigit():
                found = (part, int(parts[index + 1]))
                break
        about.append(found)
    wanted = {name: [key[1] for key in about if key and key[0] == name] for name in KEYED}
    places = await workshops.message_sites(wanted["enrolment"], wanted["session"])
    places["booking"] = await bookings.booking_sites(wanted["booking"])
    kept = []
    for row, key in zip(rows, about, strict=True):
        site_id = visitor.created_site if key is None else places[key[0]].get(key[1])
        if site_id in sites:
            kept.append(row)
    return kept


KEYED = ("enrolment", "session", "booking")
