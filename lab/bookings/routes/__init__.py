"""HTTP routes of the bookings domain; ``ROUTERS`` is what the app mounts.

The staff pages have one module each: the planning grid, the booking form, a booking's page
and its actions, the list, the approval queue, the check-in desk and a visitor's section. They
are mounted together, behind one role guard (and one router, so that GET and POST /bookings,
which live in two modules, share a route).
"""

from litestar import Router

from lab.bookings.routes import (
    approvals,
    booking_form,
    booking_list,
    booking_page,
    desk,
    for_visitor,
    planning,
)
from lab.bookings.routes.api import api_router
from lab.bookings.routes.equipment import equipment_router
from lab.bookings.routes.feeds import feeds_manager_router, feeds_public_router, feeds_staff_router
from lab.bookings.routes.loans import assets_router, loans_router
from lab.core.guards import require_role
from lab.core.roles import STAFF_ROLES

STAFF_PAGES = (planning, booking_form, booking_page, booking_list, approvals, desk, for_visitor)

staff_router = Router(
    path="/",
    guards=[require_role(*STAFF_ROLES)],
    route_handlers=[handler for page in STAFF_PAGES for handler in page.HANDLERS],
)

ROUTERS = [api_router]
ROUTERS += [feeds_public_router, feeds_staff_router, feeds_manager_router]
ROUTERS += [loans_router, assets_router]
ROUTERS += [staff_router, equipment_router]
