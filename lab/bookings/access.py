"""Finding a booking for an actor: staff see their sites' bookings, a tablet or a phone only
its visitor's own (and gets not_found for any other, so it learns nothing)."""

from __future__ import annotations

from lab.bookings.resources import get_resource_for
from lab.bookings.tables import Booking
from lab.core.errors import NotFound
from lab.core.i18n import _
from lab.core.principals import Principal, require_own


async def get_booking_for(actor: Principal, booking_id: int) -> Booking:
    """Errors: not_found (also someone else's booking, on a phone), forbidden (another
    site's booking, for staff; a tablet or a phone gets not_found)."""
    missing = _("Cette réservation n'existe pas.")
    booking = await Booking.objects().get(Booking.id == booking_id)
    if booking is None:
        raise NotFound(missing)
    require_own(actor, booking.visitor, missing=missing)
    await get_resource_for(actor, booking.resource)
    return booking
