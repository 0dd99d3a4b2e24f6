"""Kiosk test helpers: a paired tablet for a route-test client."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from lab.kiosk import devices
from lab.kiosk.auth import DEVICE_COOKIE
from tests.helpers import csrf_token


async def pair_client(
    client: AsyncTestClient, cast, site: str = "saint_denis", actions: list[str] | None = None
) -> str:
    """Create and pair a device for ``site``; the client then carries its credential."""
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    site_id = getattr(cast, site).id
    _device, code = await devices.create_device(manager, site_id, "Tablette test", actions)
    _device, credential = await devices.pair(code)
    client.cookies.set(DEVICE_COOKIE, credential, path="/kiosk")
    client.headers["x-csrftoken"] = await csrf_token(client, "/kiosk/pair")
    return credential


async def paired_device(cast, site: str = "saint_denis") -> devices.DevicePrincipal:
    """A tablet of ``site``, paired by its manager, as the principal its requests act as."""
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    _device, code = await devices.create_device(manager, getattr(cast, site).id, "Accueil")
    _device, credential = await devices.pair(code)
    return await devices.device_for(credential)
