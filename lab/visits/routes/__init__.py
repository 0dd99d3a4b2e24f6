"""HTTP routes of the visits domain; ``ROUTERS`` is what the app mounts."""

from lab.visits.routes.admin import admin_router
from lab.visits.routes.api import api_router
from lab.visits.routes.now import now_router

ROUTERS: list = [now_router, admin_router, api_router]
