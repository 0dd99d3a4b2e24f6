"""`lab demo` ends by saying where to log in: the address `lab serve` will really listen on."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from lab import cli, demo
from lab.settings import Settings

COUNTS = {
    "sites": 2,
    "staff": 6,
    "visitors": 50,
    "resources": 11,
    "bookings": 82,
    "modules": 5,
    "sessions": 20,
    "enrolments": 67,
    "kiosks": 2,
}


def _settings(tmp_path, **env: str) -> Settings:
    return Settings.from_env({"LAB_DATA_DIR": str(tmp_path), **env})


def test_the_closing_message_names_the_port_set_in_lab_port(tmp_path):
    message = demo.closing_message(COUNTS, _settings(tmp_path, LAB_PORT="9123"))
    assert "Log in at http://127.0.0.1:9123/login with one of these" in message
    assert "8000" not in message


def test_the_closing_message_names_the_host_set_in_lab_host(tmp_path):
    settings = _settings(tmp_path, LAB_HOST="192.168.1.20", LAB_PORT="8080")
    assert "Log in at http://192.168.1.20:8080/login " in demo.closing_message(COUNTS, settings)


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])  # noqa: S104 - a setting, nothing binds
def test_a_server_on_every_interface_is_opened_at_the_loopback_address(tmp_path, host):
    settings = _settings(tmp_path, LAB_HOST=host, LAB_PORT="9123")
    assert "Log in at http://127.0.0.1:9123/login " in demo.closing_message(COUNTS, settings)


def test_behind_a_proxy_the_public_address_is_named_too(tmp_path):
    settings = _settings(tmp_path, LAB_PORT="9123", LAB_BASE_URL="https://lab.example.org")
    message = demo.closing_message(COUNTS, settings)
    assert "http://127.0.0.1:9123/login (or https://lab.example.org/login)" in message


def test_lab_demo_prints_the_address_from_lab_port(tmp_path, monkeypatch):
    """The command itself, its loading stubbed: what it prints is the message above."""
    monkeypatch.setattr(cli, "_run", lambda settings, work: dict(COUNTS))
    env = {"LAB_DATA_DIR": str(tmp_path), "LAB_PORT": "9123"}
    result = CliRunner().invoke(cli.main, ["demo"], env=env)
    assert result.exit_code == 0, result.output
    assert "Log in at http://127.0.0.1:9123/login" in result.output
    assert "admin@lab.example" in result.output
    assert "8000" not in result.output
