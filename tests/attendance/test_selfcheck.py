"""The rotating self check-in code."""

from __future__ import annotations

import datetime as dt

from lab.attendance import selfcheck
from tests.bookings.factories import freeze

SECRET = "s" * 64
T0 = dt.datetime(2026, 12, 1, 9, 0, 0, tzinfo=dt.UTC)


def test_a_current_code_works_and_a_rotated_out_one_is_refused():
    freeze(T0)
    code = selfcheck.current_code(SECRET, 7)
    assert selfcheck.code_is_current(SECRET, 7, code)
    freeze(T0 + dt.timedelta(seconds=35))  # the next window: still accepted (just turned)
    assert selfcheck.code_is_current(SECRET, 7, code)
    freeze(T0 + dt.timedelta(seconds=61))  # two windows later: a copied code
    assert not selfcheck.code_is_current(SECRET, 7, code)
    assert selfcheck.code_is_current(SECRET, 7, selfcheck.current_code(SECRET, 7))


def test_a_code_is_bound_to_its_session_and_secret():
    freeze(T0)
    code = selfcheck.current_code(SECRET, 7)
    assert not selfcheck.code_is_current(SECRET, 8, code)
    assert not selfcheck.code_is_current("t" * 64, 7, code)


def test_the_form_token_lasts_five_minutes_and_cannot_be_forged():
    freeze(T0)
    token = selfcheck.form_token(SECRET, 7)
    freeze(T0 + dt.timedelta(minutes=4))
    assert selfcheck.form_token_is_valid(SECRET, 7, token)
    assert not selfcheck.form_token_is_valid(SECRET, 8, token)
    expires, _, rest = token.partition(".")
    assert not selfcheck.form_token_is_valid(SECRET, 7, f"{int(expires) + 999}.{rest}")
    assert selfcheck.form_token(SECRET, 7) != token  # each phone gets its own
    freeze(T0 + dt.timedelta(minutes=6))
    assert not selfcheck.form_token_is_valid(SECRET, 7, token)
