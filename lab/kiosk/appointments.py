"""What a visitor does for themselves at a kiosk: enrol in a workshop, book equipment, cancel
what is theirs.

The actor is always the tablet (a DevicePrincipal), acting for the visitor of the current
visit (pass + PIN). The tablet's site bounds everything: only its self-enrolment workshops
and self-service resources, only for visitors of its site (the workshops and bookings services
enforce the site again for any principal: lab.core.principals). Cancelling is the domains'
own ``cancel_own`` (the phone uses it too), with the visitor taken from the visit, never from
the form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.bookings import services as bookings
from lab.bookings.services import Booking
from lab.core import clock
from lab.kiosk import queries
from lab.kiosk.devices import DevicePrincipal
from lab.workshops import services as workshops
from lab.workshops.forms import EnrolInput
from lab.workshops.queries import waitlist_position


@dataclasses.dataclass(frozen=True, slots=True)
class Enrolled:
    place: queries.Place
    already: bool  # the visitor was enrolled (or waiting) before this request


async def enrol(
    device: DevicePrincipal, visitor_id: int, module_id: int, session_id: int | None
) -> Enrolled:
    """Enrol the visitor in one of the tablet's self-enrolment workshops (a drop-in one: in
    one of its sessions to come), or put them on its waiting list when it is full. Asking
    again gives back the place they already have.

    Errors: not_found (another site's workshop or visitor, not open to self-enrolment, a
    session past or of another module), module_closed, session_closed.
    """
    workshop = await queries.workshop(device, module_id)
    session = queries.session_of(workshop, session_id)
    chosen = session.id if session else None
    before = await queries.place_of(visitor_id, workshop.module, chosen)
    if before is not None:
        return Enrolled(before, already=True)
    row = await workshops.enrol(
        device,
        workshop.module.id,
        EnrolInput(visitor_id=visitor_id, session_id=chosen),
        source="kiosk",
    )
    place = queries.Place(row.id, row.status, await waitlist_position(row))
    return Enrolled(place, already=False)


async def book(
    device: DevicePrincipal,
    visitor_id: int,
    resource_id: int,
    starts_at: dt.datetime,
    minutes: int,
) -> Booking:
    """Book one unit of one of the tablet's self-service resources for the visitor, under
    every self-service rule (lead time, horizon, quotas, opening hours, capacity). A resource
    that needs approval gets a pending booking.

    Errors: not_found (another site's resource or visitor, or not self-service), inactive,
    and BookingRefused with every rule broken (``refusals``).
    """
    resource = await queries.resource(device, resource_id)
    wanted = bookings.Wanted(
        resource_id=resource.id,
        starts_at=clock.utc_minute(starts_at),
        ends_at=clock.utc_minute(starts_at + dt.timedelta(minutes=minutes)),
        units=1,
        visitor_id=visitor_id,
        source="kiosk",
    )
    return await bookings.book(device, wanted, self_service=True)
