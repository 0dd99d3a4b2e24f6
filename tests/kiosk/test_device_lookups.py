"""A tablet's every request looks its device up: those arriving together in one statement,
each still answered as its own credential says (revoked, unknown, another tablet)."""

from __future__ import annotations

import asyncio

from lab.core import clock
from lab.kiosk import devices
from tests.bookings.factories import freeze
from tests.query_count import count_statements


async def _paired(cast, site: str = "saint_denis") -> tuple[devices.KioskDevice, str]:
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    _device, code = await devices.create_device(manager, getattr(cast, site).id, "Accueil")
    return await devices.pair(code)


async def test_lookups_arriving_together_are_one_statement_and_each_its_own_answer(cast):
    here, here_credential = await _paired(cast)
    there, there_credential = await _paired(cast, "brussels")
    revoked, revoked_credential = await _paired(cast)
    await devices.revoke(await cast.principal("julien"), revoked.id)
    asked = [here_credential, there_credential, revoked_credential, "x" * 43, here_credential]
    freeze(clock.now() + devices.SEEN_EVERY * 2)  # the tablets' pairing is a while ago
    with count_statements() as statements:
        found = await asyncio.gather(*(devices.device_for(credential) for credential in asked))
    assert [principal.device_id if principal else None for principal in found] == [
        here.id,
        there.id,
        None,
        None,
        here.id,
    ]
    assert [principal.site_id for principal in found if principal] == [
        cast.saint_denis.id,
        cast.brussels.id,
        cast.saint_denis.id,
    ]
    # One read for all five; the two tablets' first requests are written down together.
    assert statements.count == 2, statements.listing()
    with count_statements() as again:
        await asyncio.gather(*(devices.device_for(credential) for credential in asked))
    assert again.count == 1, again.listing()  # seen a moment ago: nothing to write
    seen = {row.id: row.last_seen_at for row in await devices.KioskDevice.objects()}
    assert seen[here.id] == seen[there.id] == clock.now()
    assert seen[revoked.id] != clock.now()  # a revoked tablet's requests are not its use


async def test_a_tablet_revoked_is_refused_on_its_next_request(cast):
    device, credential = await _paired(cast)
    assert await devices.device_for(credential) is not None
    await devices.revoke(await cast.principal("julien"), device.id)
    assert await devices.device_for(credential) is None
