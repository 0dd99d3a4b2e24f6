"""The visitor's PIN: chosen well, limited per pass, unlocked by time or by staff."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.accounts import pins
from lab.accounts.tables import VisitorPin
from lab.core.audit import ANONYMOUS
from lab.core.errors import Invalid, LabError
from lab.core.tables import AuditLog
from tests.bookings.factories import TUESDAY, at, freeze
from tests.me.factories import PIN, visitor_with_pass

NOW = at(10, day=TUESDAY)


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(NOW)


@pytest.mark.parametrize("weak", ["0000", "1234", "9999", "4321"])
def test_it_refuses_a_pin_too_easy_to_guess(weak):
    with pytest.raises(Invalid) as refused:
        pins.check_new_pin(weak, weak)
    assert "pin" in refused.value.field_errors


@pytest.mark.parametrize("bad", ["", "123", "12345", "12a4", " 1 2 3"])
def test_it_refuses_a_pin_that_is_not_four_digits(bad):
    with pytest.raises(Invalid) as refused:
        pins.check_new_pin(bad)
    assert "pin" in refused.value.field_errors


def test_it_refuses_two_different_pins():
    with pytest.raises(Invalid) as refused:
        pins.check_new_pin("2580", "2581")
    assert "pin_confirm" in refused.value.field_errors


def test_it_accepts_a_good_pin_typed_twice():
    assert pins.check_new_pin(" 2580 ", "2580") == "2580"


async def _wrong(visitor_id: int, times: int) -> list[str]:
    codes = []
    for _ in range(times):
        with pytest.raises(LabError) as refused:
            await pins.verify_pin(ANONYMOUS, visitor_id, "1357")
        codes.append(refused.value.code)
    return codes


async def test_the_right_pin_passes_and_a_wrong_one_says_how_many_tries_are_left(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)
    with pytest.raises(Invalid) as refused:
        await pins.verify_pin(ANONYMOUS, holder.visitor.id, "1357")
    assert refused.value.code == "wrong_pin"
    assert "4 essai" in refused.value.message


async def test_five_wrong_pins_lock_the_pass_even_for_the_right_pin(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    codes = await _wrong(holder.visitor.id, 5)
    assert codes == ["wrong_pin"] * 4 + ["pin_locked"]
    assert await pins.is_locked(holder.visitor.id)
    with pytest.raises(LabError) as refused:
        await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)
    assert refused.value.code == "pin_locked"
    assert refused.value.status_code == 429
    logged = await AuditLog.select(AuditLog.action).where(AuditLog.action == "pin.locked")
    assert len(logged) == 1


async def test_a_lock_ends_after_fifteen_minutes(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await _wrong(holder.visitor.id, 5)
    freeze(NOW + dt.timedelta(minutes=14, seconds=59))
    assert await pins.is_locked(holder.visitor.id)
    freeze(NOW + dt.timedelta(minutes=15, seconds=1))
    assert not await pins.is_locked(holder.visitor.id)
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)


async def test_a_right_pin_clears_earlier_wrong_tries(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await _wrong(holder.visitor.id, 4)
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)
    assert await _wrong(holder.visitor.id, 4) == ["wrong_pin"] * 4


async def test_a_reset_by_staff_sets_the_new_pin_and_clears_the_lock(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    await _wrong(holder.visitor.id, 5)
    awa = await cast.principal("awa")
    await pins.reset_pin(awa, holder.visitor, "7319", "7319")
    assert not await pins.is_locked(holder.visitor.id)
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, "7319")
    row = await VisitorPin.objects().get(VisitorPin.visitor == holder.visitor.id)
    assert row.set_by == awa.user_id and row.failed_attempts == 0


async def test_a_reset_refuses_a_weak_pin_and_keeps_the_old_one(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    with pytest.raises(Invalid):
        await pins.reset_pin(await cast.principal("awa"), holder.visitor, "1111", "1111")
    await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)


async def test_a_visitor_without_a_pin_is_told_to_ask_staff(cast):
    holder = await visitor_with_pass(cast.saint_denis, pin=None)
    assert not await pins.has_pin(holder.visitor.id)
    with pytest.raises(Invalid) as refused:
        await pins.verify_pin(ANONYMOUS, holder.visitor.id, PIN)
    assert refused.value.code == "no_pin"


async def test_sign_in_takes_a_scanned_url_or_a_short_code_but_not_an_unknown_pass(cast):
    holder = await visitor_with_pass(cast.saint_denis)
    scanned = await pins.sign_in(ANONYMOUS, f"https://lab.example/p/{holder.token}", PIN)
    typed = await pins.sign_in(ANONYMOUS, holder.short_code.lower(), PIN)
    assert scanned.id == typed.id == holder.visitor.id
    with pytest.raises(Invalid) as refused:
        await pins.sign_in(ANONYMOUS, "ZZZZ-ZZZZ", PIN)
    assert refused.value.code == "unknown_pass"
