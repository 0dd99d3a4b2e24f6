"""The skills domain's pages: staff (tick-lists, group progress, a visitor's skills, the
catalogue) and public (a badge's verification page, the issuer's profile, keys and status list).
The kiosk's and the phone's skills pages belong to kiosk and me."""

from __future__ import annotations

from litestar import Router

from lab.skills.routes.public import public_router
from lab.skills.routes.staff import admin_router, managers_router, staff_router

ROUTERS: list[Router] = [public_router, staff_router, managers_router, admin_router]
