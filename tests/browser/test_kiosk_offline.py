"""The tablet's offline queue in Chromium: with the network cut, and separately with the
server stopped, 20 check-ins are queued ("saved, will be sent"); when the network (or the
server) is back, all 20 reach the server, once each. A server answering 500 three times
before it accepts loses nothing. The queue keeps no names.

The figures (how long the queue took to empty) are printed: run with ``-s`` to see them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lab.settings import PROJECT_ROOT
from tests.browser.checkin_lab import arrived, pair_tablet, queued, seed_lab
from tests.browser.conftest import _free_port, _run_cli, _wait_until_up
from tests.browser.kiosk import browser_storage

COUNT = 20
# The acceptance's bound: every queued check-in on the server within 10 s of the network's
# return. Waiting longer than this fails the test.
BACK_WITHIN_MS = 10_000


def _queue_20(page: Page, people: list[dict]) -> None:
    """Scan 20 passes (a scanner types each short code, then Enter); each is kept."""
    result = page.locator("#checkin-result")
    network = page.locator("#kiosk-network")
    for index, person in enumerate(people, start=1):
        page.keyboard.type(person["short_code"])
        page.keyboard.press("Enter")
        expect(network).to_have_attribute("data-queued", str(index))
        expect(result).to_have_attribute("data-outcome", "saved")
    expect(result).to_contain_text("Le pointage sera envoyé dès que le réseau revient")
    assert queued(page) == COUNT
    expect(network).to_have_text(f"{COUNT} pointages enregistrés, envoi dès que le réseau revient")


def _assert_no_names_kept(page: Page, people: list[dict]) -> None:
    dump = json.loads(browser_storage(page))
    records = dump["idb"]["lab-kiosk/checkins"]
    assert len(records) == COUNT
    assert all(set(record) == {"nonce", "code", "client_at"} for record in records)
    text = json.dumps(dump, ensure_ascii=False)
    for person in people:
        assert person["last_name"] not in text
        assert f'"{person["first_name"]}' not in text


def _assert_all_arrived_once(env: dict[str, str], lab: dict) -> None:
    state = arrived(env, lab["site_id"])
    visitors = [row["visitor"] for row in state["attendances"]]
    assert sorted(visitors) == sorted(person["id"] for person in lab["people"])
    accepted = [scan for scan in state["scans"] if scan["outcome"] == "accepted"]
    assert len(accepted) == COUNT
    assert all(scan["offline"] for scan in accepted)  # sent later, from the queue
    assert len({scan["nonce"] for scan in accepted}) == COUNT
    assert all(row["session"] == lab["session_id"] for row in state["attendances"])


def _wait_for_empty_queue(page: Page, since: float, label: str) -> float:
    """Wait until the queue is empty, every item answered for good, and say how long it took
    (the network line is updated after each answer: its count is the queue's)."""
    network = page.locator("#kiosk-network")
    expect(network).to_have_attribute("data-queued", "0", timeout=BACK_WITHIN_MS)
    elapsed = time.monotonic() - since
    print(f"\n[kiosk offline] {label}: {COUNT} check-ins on the server {elapsed:.2f} s after")
    expect(network).to_be_empty()
    assert queued(page) == 0
    return elapsed


def test_with_the_network_cut_20_check_ins_wait_and_all_arrive_once(
    page: Page, context, live_server: str, live_env: dict[str, str]
) -> None:
    lab = seed_lab(live_env, people=COUNT)
    pair_tablet(page, lab["pairing_code"])
    page.goto("/kiosk/checkin")
    context.set_offline(True)
    _queue_20(page, lab["people"])
    _assert_no_names_kept(page, lab["people"])
    assert arrived(live_env, lab["site_id"])["attendances"] == []

    back = time.monotonic()
    context.set_offline(False)
    _wait_for_empty_queue(page, back, "network back")
    _assert_all_arrived_once(live_env, lab)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[dict]:
    """A lab server of this test's own (its data directory, its port), which the test stops
    and starts again on the same port."""
    import os

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_") and k != "PICCOLO_CONF"}
    env.update(
        LAB_DATA_DIR=str(tmp_path / "lab"),
        LAB_PORT=str(port),
        LAB_HOST="127.0.0.1",
        LAB_BASE_URL=base_url,
    )
    _run_cli(env, "migrate")
    server: dict = {"env": env, "base_url": base_url, "process": None}

    def start() -> None:
        log = tmp_path / "serve.log"
        with log.open("ab") as output:
            server["process"] = subprocess.Popen(
                [sys.executable, "-m", "lab.cli", "serve"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(base_url, server["process"], log)

    def stop() -> None:
        process = server["process"]
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)

    server.update(start=start, stop=stop)
    start()
    try:
        yield server
    finally:
        stop()


SHELL_CACHED = """async () => {
  if (!navigator.serviceWorker || !navigator.serviceWorker.controller) { return false; }
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    const page = await cache.match('/kiosk/checkin');
    if (page && await cache.match('/kiosk/queue.js')) { return true; }
  }
  return false;
}"""


def _until(page: Page, script: str, timeout: float = 10.0) -> None:
    """Poll an asynchronous check (page.evaluate awaits its promise; wait_for_function would
    take the promise itself for a true value)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {script}"
        page.wait_for_timeout(100)


def test_with_the_server_stopped_the_cached_page_queues_20_and_all_arrive_once(
    browser, own_server: dict
) -> None:
    env, base_url = own_server["env"], own_server["base_url"]
    lab = seed_lab(env, people=COUNT)
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        pair_tablet(page, lab["pairing_code"])
        page.goto("/kiosk/checkin")
        # The service worker took the page and kept the shell; a second visit makes sure the
        # page itself is under its control.
        _until(page, "() => navigator.serviceWorker.ready.then(() => true)")
        page.reload()
        _until(page, SHELL_CACHED)

        own_server["stop"]()
        page.reload()  # the server is gone: the page comes from the service worker's cache
        expect(page.locator("#f-code")).to_be_focused()
        _queue_20(page, lab["people"])
        _assert_no_names_kept(page, lab["people"])

        restarted = time.monotonic()
        own_server["start"]()
        print(
            f"\n[kiosk offline] server restarted, answering in {time.monotonic() - restarted:.2f} s"
        )
        _wait_for_empty_queue(page, restarted, "server started again")
        _assert_all_arrived_once(env, lab)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("status", "failures", "headers"),
    [
        (500, 3, {}),  # a server error: retried after 1, 2 and 4 s, the fourth try goes through
        (503, 2, {"Retry-After": "1"}),  # the database busy or unreachable (lab.core.web)
    ],
    ids=["500 three times", "503 with Retry-After twice"],
)
def test_a_failing_server_loses_nothing_the_queue_sends_it_once_it_answers(
    browser, live_server: str, live_env: dict[str, str], status, failures, headers
) -> None:
    lab = seed_lab(live_env, people=1)
    nour = lab["people"][0]
    # Requests that pass through a service worker escape page.route (even those it leaves to
    # the network): this tablet runs without one, which the queue does not need.
    context = browser.new_context(base_url=live_server, locale="fr-FR", service_workers="block")
    context.set_default_timeout(10_000)
    answers: list[int] = []

    def failing(route) -> None:
        if len(answers) < failures:
            answers.append(status)
            route.fulfill(
                status=status,
                headers=headers,
                content_type="application/json",
                body='{"code":"error"}',
            )
        else:
            answers.append(0)
            route.continue_()

    try:
        page = context.new_page()
        pair_tablet(page, lab["pairing_code"])
        page.goto("/kiosk/checkin")
        page.route("**/kiosk/api/checkins", failing)
        page.keyboard.type(nour["short_code"])
        page.keyboard.press("Enter")
        expect(page.locator("#checkin-result")).to_have_attribute("data-outcome", "saved")
        expect(page.locator("#kiosk-network")).to_contain_text("1 pointage enregistré")
        expect(page.locator("#kiosk-network")).to_have_attribute("data-queued", "0", timeout=20_000)
        expect(page.locator("#kiosk-network")).to_be_empty()
        assert queued(page) == 0
    finally:
        context.close()
    assert answers == [status] * failures + [0]
    state = arrived(live_env, lab["site_id"])
    assert [row["visitor"] for row in state["attendances"]] == [nour["id"]]
    assert [scan["outcome"] for scan in state["scans"]] == ["accepted"]
