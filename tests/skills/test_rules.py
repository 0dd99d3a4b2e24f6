"""Progress is derived from evidence by pure rules: an observation outranks the visitor's own
word, the latest of a rank wins, and only an observed "on my own" validates a skill."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from lab.skills.rules import (
    LEVELS,
    OBSERVED,
    SOURCES,
    Evidence,
    recent_changes,
    standings,
    validated_at,
)

T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


def test_the_visitors_own_word_stands_until_someone_observes_them():
    said = [Evidence("email", "on_my_own", "self", day(0), 1)]
    assert standings(said)["email"].level == "on_my_own"
    assert not standings(said)["email"].validated
    seen = [*said, Evidence("email", "with_help", "facilitator", day(-5), 2)]
    standing = standings(seen)["email"]
    # An older observation still outranks a newer self-assessment, which is kept beside it.
    assert (standing.level, standing.source, standing.self_level) == (
        "with_help",
        "facilitator",
        "on_my_own",
    )


def test_a_facilitator_may_correct_a_tick_the_latest_observation_wins():
    items = [
        Evidence("cv", "on_my_own", "facilitator", day(0), 1),
        Evidence("cv", "with_help", "facilitator", day(1), 2),
    ]
    assert standings(items)["cv"].level == "with_help"
    assert validated_at(items, "cv") is None
    assert validated_at(
        [*items, Evidence("cv", "on_my_own", "completion", day(2), 3)], "cv"
    ) == day(2)


def test_recent_changes_name_what_moved_and_from_where():
    items = [
        Evidence("email", "with_help", "self", day(0), 1),
        Evidence("email", "on_my_own", "facilitator", day(20), 2),
        Evidence("wifi", "not_yet", "self", day(21), 3),
        Evidence("cv", "with_help", "self", day(1), 4),
    ]
    changes = recent_changes(items, since=day(10))
    assert [(c.skill, c.before, c.after) for c in changes] == [
        ("wifi", None, "not_yet"),
        ("email", "with_help", "on_my_own"),
    ]


evidence = st.builds(
    Evidence,
    skill=st.sampled_from(["email", "cv", "wifi"]),
    level=st.sampled_from(LEVELS),
    source=st.sampled_from(SOURCES),
    at=st.integers(0, 60).map(day),
    id=st.integers(1, 10_000),
)


@given(st.lists(evidence, max_size=30, unique_by=lambda item: item.id))
def test_an_observation_always_outranks_any_self_assessment(items):
    for code, standing in standings(items).items():
        observed = [item for item in items if item.skill == code and item.source in OBSERVED]
        if observed:
            latest = max(observed, key=lambda item: (item.at, item.id))
            assert (standing.level, standing.at) == (latest.level, latest.at)
        else:
            own = max((i for i in items if i.skill == code), key=lambda item: (item.at, item.id))
            assert standing.level == own.level and standing.source == "self"


@given(st.lists(evidence, max_size=30, unique_by=lambda item: item.id))
def test_order_of_reading_does_not_change_the_standing(items):
    assert standings(items) == standings(list(reversed(items)))


@given(st.lists(evidence, max_size=30, unique_by=lambda item: item.id))
def test_self_assessment_never_validates(items):
    only_self = [item for item in items if item.source == "self"]
    assert not any(standing.validated for standing in standings(only_self).values())
