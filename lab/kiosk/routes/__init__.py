"""Kiosk routers: the tablet's own pages (device credential) and the staff's device admin."""

from lab.kiosk.routes.tablet import tablet_router

ROUTERS = [tablet_router]
