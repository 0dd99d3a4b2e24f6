"""`lab serve --workers N`: several processes on one port, and only with Redis to share
sessions, login counts and live events between them."""

from __future__ import annotations

import pytest
import uvicorn
from click.testing import CliRunner

from lab.cli import main
from tests.conftest import SECRET


@pytest.fixture
def served(monkeypatch, tmp_path) -> list[dict]:
    """What `lab serve` would hand to uvicorn (nothing is started)."""
    calls: list[dict] = []
    monkeypatch.setattr(
        uvicorn, "run", lambda app, **options: calls.append({"app": app, **options})
    )
    for name in ("LAB_REDIS_URL", "LAB_WORKERS", "LAB_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LAB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAB_SECRET_KEY", SECRET)
    return calls


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--workers", "2"], {}),
        ([], {"LAB_WORKERS": "3"}),
        (["--workers", "2"], {"LAB_DATABASE_URL": "postgres://lab@127.0.0.1:5432/lab"}),
    ],
)
def test_more_than_one_worker_without_redis_is_refused(served, args, env):
    result = CliRunner().invoke(main, ["serve", *args], env=env)
    assert result.exit_code == 1
    assert "needs LAB_REDIS_URL" in result.output
    assert served == []


def test_one_worker_needs_no_redis(served):
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 0, result.output
    assert served[0]["workers"] == 1


@pytest.mark.parametrize(
    ("args", "env", "workers"),
    [(["--workers", "4"], {}, 4), ([], {"LAB_WORKERS": "3"}, 3)],
)
def test_workers_share_one_port_with_redis(served, args, env, workers):
    env = {"LAB_REDIS_URL": "redis://127.0.0.1:6379/0", "LAB_PORT": "8123", **env}
    result = CliRunner().invoke(main, ["serve", *args], env=env)
    assert result.exit_code == 0, result.output
    assert f"{workers} workers" in result.output
    # Workers import the app themselves: uvicorn needs its factory's name, not an app.
    [options] = served
    assert (options["app"], options["factory"]) == ("lab.app:app_factory", True)
    assert (options["port"], options["workers"]) == (8123, workers)


def test_reload_is_for_one_worker(served):
    env = {"LAB_REDIS_URL": "redis://127.0.0.1:6379/0"}
    result = CliRunner().invoke(main, ["serve", "--reload", "--workers", "2"], env=env)
    assert result.exit_code == 2
    assert served == []
