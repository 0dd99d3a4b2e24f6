"""HTTP routes of the attendance domain; ``ROUTERS`` is what the app mounts."""

from lab.attendance.routes.api import api_router
from lab.attendance.routes.desk import desk_router
from lab.attendance.routes.live import live_router
from lab.attendance.routes.phone import phone_router
from lab.attendance.routes.sheets import sheets_router
from lab.attendance.routes.timeline import timeline_router

ROUTERS: list = []
ROUTERS.append(live_router)
ROUTERS.append(phone_router)
ROUTERS.append(sheets_router)
ROUTERS.append(timeline_router)
ROUTERS.append(api_router)
ROUTERS.append(desk_router)
