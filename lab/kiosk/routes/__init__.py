"""Kiosk routers: the tablet's own pages (``/kiosk``, device credential) and the staff's
pages about tablets (``/kiosks``: devices, pairing, sync problems)."""

from lab.kiosk.routes.admin import devices_router, syncs_router
from lab.kiosk.routes.checkin import checkin_router
from lab.kiosk.routes.identity import identity_router
from lab.kiosk.routes.skills import skills_router
from lab.kiosk.routes.tablet import tablet_router
from lab.kiosk.routes.visitor import visitor_router

ROUTERS = [
    tablet_router,
    checkin_router,
    identity_router,
    visitor_router,
    skills_router,
    devices_router,
    syncs_router,
]
