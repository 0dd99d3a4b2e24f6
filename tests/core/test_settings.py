"""Settings come from LAB_* variables; a wrong value stops start-up with a clear message."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lab.settings import PROJECT_ROOT, Settings, SettingsError

SECRET = "x" * 40


def test_defaults_give_an_embedded_sqlite_lab(tmp_path):
    settings = Settings.from_env({"LAB_DATA_DIR": str(tmp_path)})
    assert settings.uses_sqlite
    assert settings.sqlite_path == tmp_path / "lab.sqlite3"
    assert settings.port == 8000
    assert settings.cookie_secure is False  # plain http on 127.0.0.1
    assert len(settings.secret_key) >= 32
    # The generated secret is kept, so a restart keeps sessions valid.
    assert Settings.from_env({"LAB_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_an_https_base_url_makes_cookies_secure(tmp_path):
    settings = Settings.from_env(
        {"LAB_DATA_DIR": str(tmp_path), "LAB_BASE_URL": "https://lab.example.org/"}
    )
    assert settings.cookie_secure is True
    assert settings.base_url == "https://lab.example.org"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LAB_PORT", "eighty", "LAB_PORT must be a whole number"),
        ("LAB_PORT", "70000", "LAB_PORT must be between 1 and 65535"),
        ("LAB_DATABASE_URL", "mysql://x/y", "LAB_DATABASE_URL must start with postgres://"),
        ("LAB_DATABASE_URL", "postgres://", "must name a host and a database"),
        ("LAB_REDIS_URL", "http://x", "LAB_REDIS_URL must start with redis://"),
        ("LAB_BASE_URL", "lab.example.org", "LAB_BASE_URL must be the lab's public address"),
        ("LAB_COOKIE_SECURE", "maybe", "LAB_COOKIE_SECURE must be true or false"),
        ("LAB_DEFAULT_LANGUAGE", "de", "LAB_DEFAULT_LANGUAGE must be one of fr, en, nl"),
        ("LAB_DEFAULT_TIMEZONE", "Mars/Olympus", "LAB_DEFAULT_TIMEZONE must be an IANA time zone"),
        ("LAB_SECRET_KEY", "short", "LAB_SECRET_KEY must be at least 32 characters"),
        ("LAB_SESSION_IDLE_MINUTES", "0", "LAB_SESSION_IDLE_MINUTES must be between"),
    ],
)
def test_a_wrong_value_is_refused_with_a_message_naming_the_variable(
    tmp_path, name, value, message
):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"LAB_DATA_DIR": str(tmp_path), name: value})


def test_the_command_line_stops_with_the_message_and_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "lab.cli", "migrate"],
        cwd=PROJECT_ROOT,
        env={"LAB_DATA_DIR": str(tmp_path), "LAB_PORT": "eighty", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "LAB_PORT must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr
