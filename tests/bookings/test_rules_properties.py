"""Property tests of the rule engine: whatever sequence of book, cancel and move is tried,
what the engine lets through never exceeds a resource's units or a visitor's quotas; and a
skill counts from its later validation or use, until its lapse period runs out."""

from __future__ import annotations

import calendar
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from lab.bookings.gates import SkillOffer
from lab.bookings.rules import (
    Held,
    Policy,
    Request,
    SkillStanding,
    months_before,
    peak_units,
    refusals,
    skill_since,
)

ZONE = "Europe/Paris"
DAY = dt.date(2026, 12, 1)  # a Tuesday
HOURS = {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
NOW = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)


def instant(day_offset: int, slot: int) -> dt.datetime:
    local = dt.datetime.combine(DAY + dt.timedelta(days=day_offset), dt.time(8), tzinfo=dt.UTC)
    # 08:00 Paris is 07:00 UTC in winter.
    return local - dt.timedelta(hours=1) + dt.timedelta(minutes=30 * slot)


policies = st.builds(
    Policy,
    units=st.integers(1, 4),
    timezone=st.just(ZONE),
    opening_hours=st.just(HOURS),
    slot_minutes=st.just(30),
    min_minutes=st.just(30),
    max_minutes=st.sampled_from([60, 120, 240]),
    buffer_minutes=st.sampled_from([0, 0, 30]),
    max_bookings_per_day=st.one_of(st.none(), st.integers(1, 3)),
    max_bookings_per_week=st.one_of(st.none(), st.integers(1, 5)),
    max_minutes_per_day=st.one_of(st.none(), st.sampled_from([60, 120, 180])),
    max_minutes_per_week=st.one_of(st.none(), st.sampled_from([120, 300])),
)

operations = st.lists(
    st.one_of(
        st.tuples(
            st.just("book"),
            st.integers(0, 6),  # day
            st.integers(0, 20),  # start slot
            st.integers(1, 8),  # length in slots
            st.integers(1, 4),  # units
            st.integers(0, 2),  # visitor
        ),
        st.tuples(st.just("cancel"), st.integers(0, 50)),
        st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 6), st.integers(0, 20)),
    ),
    max_size=40,
)


def check_invariants(policy: Policy, bookings: list[tuple[Held, int]]) -> None:
    held = [booking for booking, _ in bookings]
    everything = peak_units(held, instant(-1, 0), instant(8, 0))
    assert everything <= policy.units
    for visitor in {visitor for _, visitor in bookings}:
        mine = [booking for booking, owner in bookings if owner == visitor]
        for day in range(7):
            start, end = instant(day, -16), instant(day + 1, -16)  # local midnight to midnight
            that_day = [b for b in mine if start <= b.starts_at < end]
            if policy.max_bookings_per_day is not None:
                assert len(that_day) <= policy.max_bookings_per_day
            if policy.max_minutes_per_day is not None:
                minutes = sum((b.ends_at - b.starts_at).total_seconds() / 60 for b in that_day)
                assert minutes <= policy.max_minutes_per_day


def attempt(policy, bookings, start, end, units, visitor, excluding=None):
    others = [(b, v) for index, (b, v) in enumerate(bookings) if index != excluding]
    found = refusals(
        policy,
        Request(start, end, units, for_visitor=True),
        [b for b, _ in others],
        [b for b, v in others if v == visitor],
        now=NOW,
    )
    return found, Held(start, end, policy.blocked_until(end), units)


@settings(max_examples=300, deadline=None)
@given(policy=policies, steps=operations)
def test_capacity_and_quotas_hold_for_any_sequence_of_book_cancel_move(policy, steps):
    bookings: list[tuple[Held, int]] = []
    for step in steps:
        if step[0] == "book":
            _, day, slot, length, units, visitor = step
            found, new = attempt(
                policy, bookings, instant(day, slot), instant(day, slot + length), units, visitor
            )
            if not found:
                bookings.append((new, visitor))
        elif step[0] == "cancel" and bookings:
            bookings.pop(step[1] % len(bookings))
        elif step[0] == "move" and bookings:
            index = step[1] % len(bookings)
            old, visitor = bookings[index]
            length = old.ends_at - old.starts_at
            start = instant(step[2], step[3])
            found, new = attempt(policy, bookings, start, start + length, old.units, visitor, index)
            if not found:
                bookings[index] = (new, visitor)
        check_invariants(policy, bookings)


@settings(max_examples=200, deadline=None)
@given(
    held=st.lists(st.tuples(st.integers(0, 20), st.integers(1, 6), st.integers(1, 3)), max_size=12),
    start=st.integers(0, 20),
    length=st.integers(1, 6),
)
def test_free_units_is_never_more_than_a_slot_by_slot_count(held, start, length):
    """The sweep line agrees with counting each half-hour on its own."""
    bookings = [Held(instant(0, s), instant(0, s + n), instant(0, s + n), u) for s, n, u in held]
    peak = peak_units(bookings, instant(0, start), instant(0, start + length))
    by_slot = max(
        sum(b.units for b in bookings if b.starts_at <= instant(0, slot) < b.blocked_until)
        for slot in range(start, start + length)
    )
    assert peak == by_slot


def test_back_to_back_bookings_do_not_overlap():
    policy = Policy(units=1, timezone=ZONE, opening_hours=HOURS)
    first = Held(instant(0, 4), instant(0, 6), instant(0, 6), 1)
    assert not refusals(policy, Request(instant(0, 6), instant(0, 8)), [first], now=NOW)
    assert (
        refusals(policy, Request(instant(0, 5), instant(0, 7)), [first], now=NOW)[0].code
        == "capacity"
    )


# -- Skills ------------------------------------------------------------------------------------

SKILL_CODES = {"skill_required", "skill_lapsed"}
moments = st.datetimes(
    min_value=dt.datetime(2024, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(dt.UTC),
)


def skill_codes(policy: Policy, skill: SkillStanding | None, now: dt.datetime, **request) -> set:
    found = refusals(
        policy, Request(instant(0, 4), instant(0, 6), **request), [], skill=skill, now=now
    )
    return {refusal.code for refusal in found} & SKILL_CODES


def studio(months: int | None) -> Policy:
    return Policy(
        units=1,
        timezone=ZONE,
        opening_hours=HOURS,
        name="Studio",
        required_skill="studio",
        skill_lapse_months=months,
    )


@settings(max_examples=300, deadline=None)
@given(
    validated=st.one_of(st.none(), moments),
    used=st.one_of(st.none(), moments),
    now=moments,
    months=st.one_of(st.none(), st.integers(1, 120)),
)
def test_a_skill_counts_from_its_later_validation_or_use_until_it_lapses(
    validated, used, now, months
):
    since = skill_since(validated, used)
    codes = skill_codes(studio(months), SkillStanding(since), now)
    assert len(codes) <= 1
    if validated is None:
        # A use never stands for a validation.
        assert since is None and codes == {"skill_required"}
        return
    assert since == max(validated, used or validated)
    if months is None:
        assert not codes  # it never lapses
        return
    # Calendar months are 28 to 31 days long; an hour either way for a clock change.
    unused = now - since
    if unused > dt.timedelta(days=31 * months, hours=1):
        assert codes == {"skill_lapsed"}
    if unused < dt.timedelta(days=28 * months, hours=-1):
        assert not codes
    # A later use (or validation) never takes the skill away.
    later = since + dt.timedelta(days=1)
    assert len(skill_codes(studio(months), SkillStanding(later), now)) <= len(codes)


@settings(max_examples=100, deadline=None)
@given(since=st.one_of(st.none(), moments), now=moments, months=st.integers(1, 120))
def test_the_teams_own_bookings_never_need_a_skill(since, now, months):
    assert not skill_codes(studio(months), SkillStanding(since), now, for_visitor=False)


def test_no_standing_given_is_no_skill():
    assert skill_codes(studio(None), None, NOW) == {"skill_required"}
    assert not skill_codes(Policy(units=1, timezone=ZONE, opening_hours=HOURS), None, NOW)


@given(now=moments, months=st.integers(1, 120))
def test_months_before_keeps_the_wall_clock_and_counts_calendar_months(now, months):
    earlier = months_before(now, months, ZONE)
    local = now.astimezone(earlier.tzinfo)
    assert (earlier.hour, earlier.minute) == (local.hour, local.minute)
    assert (local.year * 12 + local.month) - (earlier.year * 12 + earlier.month) == months
    if earlier.day != local.day:  # a shorter month: its last day
        assert earlier.day < local.day
        assert earlier.day == calendar.monthrange(earlier.year, earlier.month)[1]


def test_the_refusal_names_the_skill_and_carries_the_workshop():
    offer = SkillOffer("Enregistrer un message vocal au studio", 7, "Découvrir le studio")
    [refusal] = refusals(
        studio(None),
        Request(instant(0, 4), instant(0, 6)),
        [],
        skill=SkillStanding(None, offer),
        now=NOW,
    )
    assert refusal.code == "skill_required" and refusal.module_id == 7
    assert "Découvrir le studio" in refusal.message
    lapsed = SkillStanding(NOW - dt.timedelta(days=400), offer)
    [refusal] = refusals(
        studio(12), Request(instant(0, 4), instant(0, 6)), [], skill=lapsed, now=NOW
    )
    assert refusal.code == "skill_lapsed" and refusal.module_id == 7
