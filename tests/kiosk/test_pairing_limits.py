"""Wrong pairing codes are counted (lab.kiosk.pairing): per client address, for the whole
deployment, and per site when the code names a tablet; past a limit every code is refused,
the right one too, until the window ends."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore

from lab.core import i18n
from lab.core.errors import Invalid
from lab.core.tables import AuditLog
from lab.kiosk import devices, pairing
from lab.kiosk.auth import DEVICE_COOKIE
from lab.kiosk.pairing import PairingLocked, PairingThrottle
from lab.kiosk.tables import KioskDevice
from tests.bookings.factories import freeze
from tests.conftest import REDIS_URL
from tests.helpers import csrf_token

WRONG = "ZZZZ-ZZZZ"  # a code no tablet was given (one chance in 10¹¹ that one was)


@pytest.fixture
def now() -> dt.datetime:
    # The start of a window: the wait left is the whole window.
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    assert start.timestamp() % pairing.WINDOW_SECONDS == 0
    freeze(start)
    return start


async def _code(cast, site: str = "saint_denis") -> str:
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    _device, code = await devices.create_device(manager, getattr(cast, site).id, "Accueil")
    return code


async def _wrong(throttle: PairingThrottle, times: int, code: str = WRONG) -> None:
    for _ in range(times):
        with pytest.raises(Invalid) as refused:
            await devices.pair(code, throttle)
        assert refused.value.code == "bad_pairing_code"


async def test_ten_wrong_codes_from_one_address_shut_it_until_the_window_ends(cast, now):
    store = MemoryStore()
    code = await _code(cast)
    guesser = PairingThrottle(store, "203.0.113.7")
    await _wrong(guesser, pairing.PER_CLIENT)
    with pytest.raises(PairingLocked) as locked:
        await devices.pair(code, guesser)  # the right code too
    assert locked.value.status_code == 429 and locked.value.code == "pairing_locked"
    assert locked.value.retry_after == pairing.WINDOW_SECONDS
    assert (await KioskDevice.objects().first()).paired_at is None
    assert await AuditLog.count().where(AuditLog.action == "kiosk.pairing_locked") == 1

    freeze(now + dt.timedelta(minutes=10))
    with pytest.raises(PairingLocked) as locked:
        await devices.pair(code, guesser)
    assert locked.value.retry_after == 5 * 60

    # Another address is not held back by this one's mistakes.
    assert (await devices.pair(code, PairingThrottle(store, "198.51.100.2")))[0].paired_at

    freeze(now + dt.timedelta(minutes=15))  # a new window: the address may try again
    fresh = await _code(cast)
    device, credential = await devices.pair(fresh, guesser)
    assert device.paired_at is not None and credential


async def test_wrong_codes_from_many_addresses_reach_the_deployments_ceiling(cast, now):
    store = MemoryStore()
    code = await _code(cast)
    for n in range(pairing.EVERYWHERE):
        await _wrong(PairingThrottle(store, f"10.0.{n // 250}.{n % 250}"), 1)
    with pytest.raises(PairingLocked):
        await devices.pair(code, PairingThrottle(store, "192.0.2.1"))  # a new address too
    freeze(now + dt.timedelta(minutes=15))
    assert (await devices.pair(await _code(cast), PairingThrottle(store, "192.0.2.1")))[0]


async def test_a_stale_code_of_a_site_tried_again_and_again_shuts_that_site_only(cast, now):
    store = MemoryStore()
    stale = await _code(cast)
    freeze(now + dt.timedelta(minutes=devices.PAIRING_MINUTES + 1))  # the code expired
    for n in range(pairing.PER_SITE):
        await _wrong(PairingThrottle(store, f"10.1.0.{n}"), 1, stale)
    fresh = await _code(cast)
    with pytest.raises(PairingLocked):
        await devices.pair(fresh, PairingThrottle(store, "192.0.2.9"))
    elsewhere = await _code(cast, "brussels")
    assert (await devices.pair(elsewhere, PairingThrottle(store, "192.0.2.9")))[0].paired_at


def test_the_wait_is_said_in_french_english_and_dutch():
    said = {}
    for language in ("fr", "en", "nl"):
        with i18n.language(language):
            said[language] = PairingLocked(14 * 60 + 30).message
    assert said == {
        "fr": "Trop de codes faux ont été essayés. Attendez 15 minutes, puis réessayez.",
        "en": "Too many wrong codes have been tried. Wait 15 minutes, then try again.",
        "nl": "Er zijn te veel foute codes geprobeerd. Wacht 15 minuten en probeer het dan "
        "opnieuw.",
    }
    with i18n.language("en"):
        assert "Wait 1 minute," in PairingLocked(20).message


async def test_the_pairing_page_answers_429_with_retry_after(client, cast, now):
    code = await _code(cast)
    token = await csrf_token(client, "/kiosk/pair")
    for _ in range(pairing.PER_CLIENT):
        wrong = await client.post("/kiosk/pair", data={"code": WRONG, "_csrf_token": token})
        assert wrong.status_code == 422
    locked = await client.post("/kiosk/pair", data={"code": code, "_csrf_token": token})
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == str(pairing.WINDOW_SECONDS)
    assert "Trop de codes faux ont été essayés. Attendez" in locked.text
    assert 'role="alert"' in locked.text
    assert DEVICE_COOKIE not in locked.headers.get("set-cookie", "")
    assert (await KioskDevice.objects().first()).paired_at is None


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        pytest.skip("LAB_TEST_REDIS_URL is not set: Redis tests skipped")
    return REDIS_URL


async def test_two_workers_count_one_addresss_wrong_codes_together(cast, now, redis_url):
    namespace = f"lab-test-{uuid.uuid4().hex}"
    first = RedisStore.with_client(url=redis_url).with_namespace(namespace)
    second = RedisStore.with_client(url=redis_url).with_namespace(namespace)
    code = await _code(cast)
    try:
        for n in range(pairing.PER_CLIENT):
            await _wrong(PairingThrottle((first, second)[n % 2], "203.0.113.7"), 1)
        with pytest.raises(PairingLocked):
            await devices.pair(code, PairingThrottle(first, "203.0.113.7"))
        with pytest.raises(PairingLocked):
            await devices.pair(code, PairingThrottle(second, "203.0.113.7"))
    finally:
        await first.delete_all()
        await first._redis.aclose()
        await second._redis.aclose()
