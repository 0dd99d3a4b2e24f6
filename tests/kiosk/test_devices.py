"""Pairing and revoking kiosk devices."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.core.errors import Forbidden, Invalid
from lab.kiosk import devices
from lab.kiosk.tables import KioskDevice
from tests.bookings.factories import freeze

T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)


async def test_a_manager_pairs_a_tablet_with_a_one_time_code(cast):
    freeze(T0)
    julien = await cast.principal("julien")
    device, code = await devices.create_device(julien, cast.saint_denis.id, "Tablette accueil")
    freeze(T0 + dt.timedelta(minutes=14))
    _, credential = await devices.pair(code.lower())
    principal = await devices.device_for(credential)
    assert principal is not None and principal.site_id == cast.saint_denis.id
    assert principal.may("checkin")
    with pytest.raises(Invalid):
        await devices.pair(code)  # used once
    row = await KioskDevice.select().where(KioskDevice.id == device.id).first()
    assert credential not in str(row) and code not in str(row)


async def test_an_expired_code_is_refused(cast):
    freeze(T0)
    julien = await cast.principal("julien")
    _, code = await devices.create_device(julien, cast.saint_denis.id, "Tablette 2")
    freeze(T0 + dt.timedelta(minutes=16))
    with pytest.raises(Invalid) as refused:
        await devices.pair(code)
    assert refused.value.code == "bad_pairing_code"


async def test_a_revoked_device_is_refused_at_once(cast):
    julien = await cast.principal("julien")
    device, code = await devices.create_device(julien, cast.saint_denis.id, "Tablette 3")
    _, credential = await devices.pair(code)
    await devices.revoke(julien, device.id)
    assert await devices.device_for(credential) is None


async def test_only_managers_of_the_site_manage_devices(cast):
    awa, pieter = await cast.principal("awa"), await cast.principal("pieter")
    for actor in (awa, pieter):
        with pytest.raises(Forbidden):
            await devices.create_device(actor, cast.saint_denis.id, "Tablette")


async def test_allowed_actions_limit_what_a_device_may_do(cast):
    julien = await cast.principal("julien")
    _, code = await devices.create_device(julien, cast.saint_denis.id, "Borne", ["checkin"])
    _, credential = await devices.pair(code)
    principal = await devices.device_for(credential)
    assert principal.may("checkin") and not principal.may("book")
    with pytest.raises(Invalid):
        await devices.create_device(julien, cast.saint_denis.id, "Borne", ["teleport"])
