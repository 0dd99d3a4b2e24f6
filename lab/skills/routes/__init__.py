"""The skills domain's pages: staff (tick-lists, group progress, a visitor's skills, the
catalogue) and public (a badge's verification page, the issuer's profile, keys and status list).
The kiosk's and the phone's skills pages belong to kiosk and me."""

from __future__ import annotations

from litestar import Router

ROUTERS: list[Router] = []
