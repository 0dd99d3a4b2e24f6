"""Access rules for every principal, in the services themselves (lab.core.principals).

A tablet of Saint-Denis and a Saint-Denis visitor on their phone ask the services directly
for things of Brussels: each gets not_found, as if the thing did not exist. A phone also gets
not_found for another visitor's things of its own site. Staff of another site are still told
it is another site's (forbidden, other_site): the tests of each domain say so.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance import services as attendance
from lab.attendance.selfcheck import VisitorOnPhone
from lab.attendance.tables import Attendance, ScanEvent
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.bookings.tables import Booking
from lab.core.errors import NotFound
from lab.kiosk.devices import ACTIONS, DevicePrincipal
from lab.me.auth import VisitorPrincipal
from lab.workshops import enrolment
from lab.workshops import services as workshops
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


def tablet_of(site) -> DevicePrincipal:
    return DevicePrincipal(device_id=1, site_id=site.id, allowed_actions=frozenset(ACTIONS))


def phone_of(visitor) -> VisitorPrincipal:
    return VisitorPrincipal(visitor.id, visitor.created_site, visitor.first_name, pass_id=1)


@pytest.fixture
async def yanis(cast):
    return await make_visitor(cast.saint_denis)


@pytest.fixture(params=["tablet", "phone"])
def principal(request, cast, yanis):
    """A tablet of Saint-Denis, or Yanis (of Saint-Denis) on his phone."""
    return tablet_of(cast.saint_denis) if request.param == "tablet" else phone_of(yanis)


async def test_another_sites_visitor_is_not_found(cast, principal):
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    with pytest.raises(NotFound) as refused:
        await visitors.get_visitor_for(principal, lotte.id)
    assert refused.value.code == "not_found"


async def test_another_sites_resource_cannot_be_booked(cast, principal, yanis):
    brussels_studio = await make_resource(cast.brussels)
    wanted = Wanted(brussels_studio.id, at(10), at(11), visitor_id=yanis.id, source="kiosk")
    with pytest.raises(NotFound) as refused:
        await bookings.book(principal, wanted, self_service=True)
    assert refused.value.code == "not_found"
    assert await Booking.count() == 0


async def test_another_sites_booking_is_not_found(cast, principal):
    pieter = await cast.principal("pieter")
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    studio = await make_resource(cast.brussels)
    booking = await bookings.book(pieter, Wanted(studio.id, at(10), at(11), visitor_id=lotte.id))
    with pytest.raises(NotFound) as refused:
        await bookings.get_booking_for(principal, booking.id)
    assert refused.value.code == "not_found"


async def test_another_sites_workshop_and_session_are_not_found(cast, principal, yanis):
    module = await make_module(cast.brussels)
    session = await make_session(module, at(14))
    with pytest.raises(NotFound) as refused:
        await workshops.get_module_for(principal, module.id)
    assert refused.value.code == "not_found"
    with pytest.raises(NotFound) as refused:
        await workshops.get_session_for(principal, session.id)
    assert refused.value.code == "not_found"
    with pytest.raises(NotFound) as refused:
        await enrolment.enrol(principal, module.id, EnrolInput(visitor_id=yanis.id))
    assert refused.value.code == "not_found"
    assert await Enrolment.count() == 0


async def test_another_sites_enrolment_cannot_be_cancelled(cast, principal):
    pieter = await cast.principal("pieter")
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    module = await make_module(cast.brussels)
    seat = await enrolment.enrol(pieter, module.id, EnrolInput(visitor_id=lotte.id))
    with pytest.raises(NotFound) as refused:
        await enrolment.cancel(principal, seat.id)
    assert refused.value.code == "not_found"
    assert (await Enrolment.objects().get(Enrolment.id == seat.id)).status == "enrolled"


async def test_a_phone_reaches_only_its_own_visitors_things_on_its_own_site(cast, yanis):
    awa = await cast.principal("awa")
    ines = await make_visitor(cast.saint_denis, "Inès", "Bernard")
    studio = await make_resource(cast.saint_denis)
    module = await make_module(cast.saint_denis)
    booking = await bookings.book(awa, Wanted(studio.id, at(10), at(11), visitor_id=ines.id))
    seat = await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=ines.id))
    phone = phone_of(yanis)
    assert (await visitors.get_visitor_for(phone, yanis.id)).id == yanis.id
    with pytest.raises(NotFound):
        await visitors.get_visitor_for(phone, ines.id)
    with pytest.raises(NotFound):
        await bookings.get_booking_for(phone, booking.id)
    with pytest.raises(NotFound):
        await enrolment.cancel(phone, seat.id)
    with pytest.raises(NotFound):
        await enrolment.enrol(phone, module.id, EnrolInput(visitor_id=ines.id))


async def test_a_tablet_reaches_its_own_sites_things(cast, yanis):
    tablet = tablet_of(cast.saint_denis)
    studio = await make_resource(cast.saint_denis)
    module = await make_module(cast.saint_denis)
    assert (await visitors.get_visitor_for(tablet, yanis.id)).id == yanis.id
    assert (await workshops.get_module_for(tablet, module.id)).id == module.id
    booking = await bookings.book(
        tablet, Wanted(studio.id, at(10), at(11), visitor_id=yanis.id, source="kiosk")
    )
    assert (await bookings.get_booking_for(tablet, booking.id)).id == booking.id
    seat = await enrolment.enrol(tablet, module.id, EnrolInput(visitor_id=yanis.id))
    assert (await enrolment.cancel(tablet, seat.id)).status == "cancelled"


async def test_a_check_in_into_another_sites_session_is_not_found(cast, principal, yanis):
    module = await make_module(cast.brussels, enrolment="drop_in")
    session = await make_session(module, at(9, 30, day=TUESDAY - dt.timedelta(days=1)))
    with pytest.raises(NotFound) as refused:
        await attendance.check_in(
            attendance.Scan(
                by=principal,
                session_id=session.id,
                nonce=str(uuid.uuid4()),
                method="kiosk_scan",
                visitor_id=yanis.id,
            )
        )
    assert refused.value.code == "not_found"
    assert await Attendance.count() == 0
    assert await ScanEvent.count() == 0


async def test_a_self_check_in_reaches_only_the_site_of_its_session(cast, yanis):
    here = await make_module(cast.saint_denis, enrolment="drop_in")
    there = await make_module(cast.brussels, enrolment="drop_in")
    now = at(9, 30, day=TUESDAY - dt.timedelta(days=1))
    session_here, session_there = await make_session(here, now), await make_session(there, now)
    phone = VisitorOnPhone(site_id=cast.saint_denis.id)
    with pytest.raises(NotFound):
        await attendance.check_in(
            attendance.Scan(
                by=phone,
                session_id=session_there.id,
                nonce=str(uuid.uuid4()),
                method="self_phone",
                visitor_id=yanis.id,
            )
        )
    checked = await attendance.check_in(
        attendance.Scan(
            by=phone,
            session_id=session_here.id,
            nonce=str(uuid.uuid4()),
            method="self_phone",
            visitor_id=yanis.id,
        )
    )
    assert checked.first_name == yanis.first_name
    assert await Attendance.count() == 1
