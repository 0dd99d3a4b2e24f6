"""HTTP routes of the bookings domain; ``ROUTERS`` is what the app mounts."""

from lab.bookings.routes.api import api_router

ROUTERS = [api_router]
