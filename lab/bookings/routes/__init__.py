"""HTTP routes of the bookings domain; ``ROUTERS`` is what the app mounts."""

from lab.bookings.routes.api import api_router
from lab.bookings.routes.equipment import equipment_router
from lab.bookings.routes.feeds import feeds_manager_router, feeds_public_router, feeds_staff_router
from lab.bookings.routes.loans import assets_router, loans_router
from lab.bookings.routes.staff import staff_router

ROUTERS = [api_router]
ROUTERS += [feeds_public_router, feeds_staff_router, feeds_manager_router]
ROUTERS += [loans_router, assets_router]
ROUTERS += [staff_router, equipment_router]
