"""Demo: one young person whose timeline shows every kind of item, so that a staff member
opening her page sees what the timeline is for (Lina Haddad, at Saint-Denis).

She is 14, so a parent's consent is recorded at the desk; her card was lost and replaced;
she followed a two-session workshop to the end (a certificate), waits for a place in a full
one, got the messages both sent her, kept one computer booking, cancelled another and has one
to come, and dropped in once for a mediator's help. Everything goes through the domains'
services, with the clock set back, as the rest of the demo does.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts import services as accounts
from lab.accounts.forms import ConsentInput, NewVisitorInput
from lab.attendance import services as attendance
from lab.bookings import queries as bookings_queries
from lab.bookings import services as bookings
from lab.bookings.forms import BookingInput
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.demo import skills as demo_skills
from lab.visits import services as visits
from lab.workshops import services as workshops
from lab.workshops.forms import EnrolInput, ModuleInput, ScheduleInput

FIRST_NAME, LAST_NAME = "Lina", "Haddad"
SITE = "saint-denis"
COMPUTERS = "Ordinateurs"


def _at(moment: dt.datetime) -> None:
    clock.set_clock(lambda: moment)


def _utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


async def load_story(actor: StaffPrincipal, site_ids: dict[str, int], people: list[dict]) -> int:
    """Lina and her story; returns her id."""
    site_id = site_ids[SITE]
    real_now = clock.now()
    monday = real_now.date() - dt.timedelta(days=real_now.weekday())
    try:
        _at(_utc(monday - dt.timedelta(weeks=5), 8))
        lina, _token = await accounts.create_visitor(
            actor,
            NewVisitorInput(
                first_name=FIRST_NAME,
                last_name=LAST_NAME,
                birth_date=real_now.date() - dt.timedelta(days=14 * 365 + 120),
                postcode="93200",
                status="student",
                preferred_language="fr",
                email="lina.haddad@example.org",
                site_id=site_id,
                confirm_not_duplicate=True,
            ),
        )
        await accounts.record_guardian_consent(actor, lina.id)
        # She is 14: her mother agrees, at the desk, to e-mails and to the funders' figures.
        for purpose in ("messages_email", "reporting_optional_fields"):
            agreed = ConsentInput(
                purpose=purpose, guardian_name="Samira Haddad", guardian_relation="parent"
            )
            await accounts.give_consent(actor, lina.id, agreed)
        _at(_utc(monday - dt.timedelta(weeks=5, days=-1), 9))
        await accounts.reissue_pass(actor, lina.id)

        # A workshop of two sessions, followed to the end, and a full one she waits for.
        followed = await workshops.create_module(
            actor,
            ModuleInput(
                site_id=site_id,
                title="Sécurité en ligne",
                kind="digital_skills",
                capacity=8,
                enrolment="series",
                completion_percent=100,
            ),
        )
        await demo_skills.teach(actor, [followed.title])  # completing it earns a badge
        first_tuesday = monday - dt.timedelta(weeks=3, days=-1)
        sessions = (
            await workshops.schedule(
                actor,
                followed.id,
                ScheduleInput(
                    day=first_tuesday, start=dt.time(14), end=dt.time(16), repeat_weeks=2
                ),
            )
        ).created
        await workshops.enrol(actor, followed.id, EnrolInput(visitor_id=lina.id))
        full = await workshops.create_module(
            actor,
            ModuleInput(
                site_id=site_id,
                title="Créer son CV en vidéo",
                kind="job_search",
                capacity=1,
                enrolment="series",
            ),
        )
        await workshops.schedule(
            actor,
            full.id,
            ScheduleInput(
                day=monday + dt.timedelta(weeks=1, days=3), start=dt.time(10), end=dt.time(12)
            ),
        )
        someone = next(
            p["id"] for p in people if p["created_site"] == site_id and p["id"] != lina.id
        )
        await workshops.enrol(actor, full.id, EnrolInput(visitor_id=someone))
        await workshops.enrol(actor, full.id, EnrolInput(visitor_id=lina.id))
        for session in sessions:
            _at(session.starts_at - dt.timedelta(minutes=5))
            await attendance.mark(actor, session.id, lina.id, "present")
            _at(session.ends_at + dt.timedelta(minutes=5))
            await attendance.close_session(actor, session.id)

        # Computer bookings: one kept, one cancelled, one to come.
        computers = next(
            resource
            for resource in await bookings_queries.list_resources(actor, site_id)
            if resource.name == COMPUTERS
        )
        kept_day = monday - dt.timedelta(weeks=2, days=-1)
        cancelled_day = monday - dt.timedelta(weeks=1, days=-2)
        _at(_utc(kept_day - dt.timedelta(days=1), 8))
        kept = await _book(actor, computers.id, kept_day, lina.id)
        dropped = await _book(actor, computers.id, cancelled_day, lina.id)
        _at(kept.starts_at + dt.timedelta(minutes=3))
        await bookings.check_in(actor, kept.id)
        _at(_utc(cancelled_day - dt.timedelta(days=1), 9))
        await bookings.cancel(actor, dropped.id)
        # A drop-in visit for a mediator's help, the afternoon she cancelled.
        _at(_utc(cancelled_day, 13))
        visit = await visits.open_visit(
            actor,
            site_id=site_id,
            purpose="help",
            nonce="demo-story-visit-1",
            at=clock.now(),
            visitor_id=lina.id,
        )
        await visits.end_visit(
            actor, visit.id, at=clock.now() + dt.timedelta(minutes=50), how="desk"
        )
    finally:
        clock.set_clock(None)
    await _book(actor, computers.id, monday + dt.timedelta(weeks=1, days=1), lina.id)
    return lina.id


async def _book(actor: StaffPrincipal, resource_id: int, day: dt.date, visitor_id: int):
    """A one-hour booking on ``day``, at the first hour free in the afternoon."""
    for hour in (14, 15, 16, 11, 10):
        data = BookingInput(
            resource_id=resource_id,
            day=day,
            start=dt.time(hour),
            end=dt.time(hour + 1),
            visitor_id=visitor_id,
        )
        try:
            return await bookings.book(actor, await bookings.wanted_from_form(data))
        except bookings.BookingRefused:
            continue
    raise RuntimeError(f"no free computer for the demo's story on {day}")
