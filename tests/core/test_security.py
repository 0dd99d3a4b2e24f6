"""Passwords are hashed at the production cost (the suite itself hashes at the lowest cost,
see conftest.py's ``cheap_password_hashes``)."""

from __future__ import annotations

from argon2 import PasswordHasher, extract_parameters, profiles

from lab.core import security


def test_production_hashes_are_argon2id_at_rfc_9106_low_memory_cost():
    assert security.PARAMETERS == profiles.RFC_9106_LOW_MEMORY
    made = PasswordHasher.from_parameters(security.PARAMETERS).hash("correct horse battery")
    parameters = extract_parameters(made)
    assert made.startswith("$argon2id$")
    assert (parameters.memory_cost, parameters.time_cost) == (65536, 3)


def test_a_hash_made_at_a_lower_cost_is_upgraded_at_the_next_login(monkeypatch):
    cheap = security._hasher.hash("correct horse battery")
    monkeypatch.setattr(security, "_hasher", PasswordHasher.from_parameters(security.PARAMETERS))
    assert security.verify_password(cheap, "correct horse battery")
    assert security.password_needs_rehash(cheap)
    assert not security.verify_password(cheap, "wrong horse battery")
