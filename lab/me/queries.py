"""What a visitor's own pages read: what is coming up, calendar files, the pass, their data.

Reads only, always for the signed-in visitor: every query is filtered on their id, and an
item that is not theirs is not_found (lab.me.services.own_*). Each domain reads its own rows
(workshops.queries, bookings.queries, attendance.queries, accounts.queries); this module puts
them together for the phone's pages.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from zoneinfo import ZoneInfo

from lab.accounts import queries as accounts
from lab.accounts.queries import (
    ConsentPage,
    Export,
    display_short_code,
    get_pass,
    get_site,
    get_visitor,
    pin_set,
)
from lab.attendance.queries import attendance_history
from lab.bookings import queries as booking_queries
from lab.core import clock, i18n
from lab.core.errors import NotFound
from lab.core.i18n import N_, _
from lab.me.auth import VisitorPrincipal
from lab.me.services import own_booking, own_enrolment
from lab.network import queries as network_queries
from lab.reports import services as report_services
from lab.workshops import queries as workshop_queries


@dataclasses.dataclass(frozen=True, slots=True)
class WeekActivity:
    hours: float  # this week's activity: workshops, bookings used and lab visits
    target: int  # the weekly hours the deployment aims at


async def week_activity(actor: VisitorPrincipal, target: int) -> WeekActivity:
    """The visitor's own activity hours this week (Monday to Sunday, their site's time)."""
    zone = (await get_site(actor.site_id)).timezone
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    hours = await report_services.week_hours_of(actor.visitor_id, today, zone)
    return WeekActivity(hours.total, target)


@dataclasses.dataclass(frozen=True, slots=True)
class Upcoming:
    enrolments: list[dict]  # workshops.queries.upcoming_enrolments
    bookings: list[dict]  # bookings.queries.upcoming_bookings


async def upcoming(actor: VisitorPrincipal) -> Upcoming:
    """The visitor's enrolments with a session still to come (the next ones of a series, or
    the one drop-in session), and their bookings not over yet, soonest first."""
    return Upcoming(
        await workshop_queries.upcoming_enrolments(actor.visitor_id),
        await booking_queries.upcoming_bookings(actor.visitor_id),
    )


# Where a referral stands, in the visitor's words.
REFERRAL_STANDING = {
    "sent": N_("Le lab a prévenu le partenaire."),
    "taken_up": N_("Le partenaire s'occupe de votre demande."),
    "not_taken_up": N_("Pas de suite pour l'instant : parlez-en à l'accueil."),
    "outcome_known": N_("C'est terminé."),
}
REFERRAL_NEEDS = network_queries.NEEDS


async def my_referrals(actor: VisitorPrincipal) -> list[dict]:
    """The partners the visitor was referred to, the newest first: the partner's name and
    kind, the need, where it stands, the follow-up date (nothing about staff or contacts)."""
    return await network_queries.visitor_referrals(actor.visitor_id)


async def enrolment_summary(actor: VisitorPrincipal, enrolment_id: int) -> dict:
    """One live enrolment with its sessions to come, for the "cancel?" question.
    Errors: not_found (missing, someone else's, or no longer live)."""
    found = await workshop_queries.upcoming_enrolment(actor.visitor_id, enrolment_id)
    if found is None:
        raise NotFound(_("Vous n'avez pas cette inscription."), code="not_found")
    return found


async def booking_summary(actor: VisitorPrincipal, booking_id: int) -> dict:
    """One cancellable booking, for the "cancel?" question. Errors: not_found."""
    found = await booking_queries.cancellable_booking(actor.visitor_id, booking_id)
    if found is None:
        raise NotFound(_("Cette réservation n'existe pas."))
    return found


async def enrolment_calendar(actor: VisitorPrincipal, enrolment_id: int) -> bytes:
    """The sessions to come of one enrolment, as an .ics to import (in the page's language).
    Errors: not_found (missing, someone else's, no longer live, or nothing to come)."""
    enrolment = await own_enrolment(actor, enrolment_id)
    if enrolment.status not in workshop_queries.LIVE:
        raise NotFound(_("Vous n'avez pas cette inscription."), code="not_found")
    body = await workshop_queries.enrolment_calendar(enrolment, i18n.current_language())
    if body is None:
        raise NotFound(_("Il n'y a plus de séance à venir."), code="nothing_to_come")
    return body


async def booking_calendar(actor: VisitorPrincipal, booking_id: int) -> bytes:
    """One of the visitor's bookings as an .ics (no name in it: they know who they are).
    Errors: not_found."""
    booking = await own_booking(actor, booking_id)
    return await booking_queries.own_booking_calendar(booking.id, i18n.current_language())


async def pass_card(actor: VisitorPrincipal) -> dict:
    """The visitor's pass as they may show it: its short code (and issue date)."""
    row = await get_pass(actor.pass_id)
    site = await get_site(actor.site_id)
    return {
        "short_code": display_short_code(row.short_code),
        "issued_at": row.issued_at,
        "timezone": site.timezone,
    }


# -- My data ----------------------------------------------------------------------------------

IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "gender",
    "postcode",
    "priority_area",
    "status",
    "education_level",
    "preferred_language",
    "phone",
    "email",
    "external_ref",
    "created_via",
    "created_at",
    "updated_at",
    "guardian_consent_at",
)


def _iso(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _clean(rows: list[dict]) -> list[dict]:
    return [{key: _iso(value) for key, value in row.items()} for row in rows]


async def my_data(actor: VisitorPrincipal) -> dict:
    """Everything lab keeps about the visitor, for them to keep (right of access): who they
    are, their pass's short code, enrolments, bookings, loans, attendance, when their PIN was
    set. Never a hash (of the pass or PIN), never other people, never staff notes about others.
    """
    visitor = await get_visitor(actor.visitor_id)
    site = await get_site(visitor.created_site)
    active = await get_pass(actor.pass_id)
    pin = await pin_set(visitor.id)
    enrolments = await workshop_queries.enrolment_history(visitor.id)
    bookings = await booking_queries.visitor_booking_history(visitor.id)
    attendance = await attendance_history(visitor.id)
    loans = await booking_queries.visitor_loans(visitor.id)
    return {
        "exported_at": _iso(clock.now()),
        "site": site.name,
        "identity": {name: _iso(getattr(visitor, name)) for name in IDENTITY_FIELDS},
        "pass": {
            "short_code": display_short_code(active.short_code),
            "issued_at": _iso(active.issued_at),
        },
        "pin": {
            "set_at": _iso(pin["set_at"]) if pin else None,
            "set_by_staff": bool(pin and pin["set_by"]),
        },
        "enrolments": _clean(enrolments),
        "bookings": _clean(bookings),
        "loans": _clean(loans),
        "attendance": _clean(attendance),
    }


def data_json(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


# -- My choices and all my data -----------------------------------------------------------------


async def consent_page(actor: VisitorPrincipal) -> ConsentPage:
    """The visitor's own consents, each purpose in its current words."""
    return await accounts.consent_page(await get_visitor(actor.visitor_id))


async def everything(actor: VisitorPrincipal) -> Export:
    """Everything lab holds about the visitor (accounts' export; it audits the reading)."""
    return await accounts.export_for(actor, actor.visitor_id)
