"""Browser tests: a real `lab serve` on demo data, driven by Chromium through Playwright.

The server runs in its own process (one for this folder), on a free port and a temporary
data directory: the tests see exactly what a staff member's browser sees.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lab.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "demo-lab-2026"
ADMIN = "admin@lab.example"
FACILITATOR = "animation.stdenis@lab.example"
START_TIMEOUT = 20.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lab.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"lab {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"lab serve exited with code {process.returncode}:\n{log.read_text()}"
            )
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(
        f"lab serve did not answer /health within {START_TIMEOUT} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="package")
def live_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment the live server runs with: scripts run with it see its database."""
    data_dir = tmp_path_factory.mktemp("browser-lab")
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LAB_") and key != "PICCOLO_CONF"
    }
    env.update(
        {
            "LAB_DATA_DIR": str(data_dir),
            "LAB_PORT": str(port),
            "LAB_HOST": "127.0.0.1",
            "LAB_BASE_URL": base_url,
        }
    )
    return env


def run_in_lab(env: dict[str, str], script: str) -> str:
    """Run a Python ``script`` against the live server's database; returns what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if result.returncode != 0:
        raise RuntimeError(f"script failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@pytest.fixture(scope="package")
def live_server(live_env: dict[str, str]) -> Iterator[str]:
    """The base URL of a running lab with the demo data loaded."""
    env = live_env
    base_url = env["LAB_BASE_URL"]
    data_dir = Path(env["LAB_DATA_DIR"])
    _run_cli(env, "migrate")
    _run_cli(env, "demo")
    log = data_dir / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "lab.cli", "serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(base_url, process, log)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


# Package scope, not session: while Playwright's sync API is alive, its event loop counts as the
# running loop of this thread, and the asyncio tests collected after this folder could not start
# theirs. Playwright must be gone once the last browser test is done.
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: browser tests skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def context(browser, live_server: str):
    """A fresh browser profile (no cookies) for each test."""
    ctx = browser.new_context(base_url=live_server, locale="fr-FR")
    ctx.set_default_timeout(10_000)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


# What each staff member's authenticator app holds, per server: the secret read (as a person
# would scan it) at enrolment, the last time step used, the recovery codes not yet used.
_SECOND_FACTORS: dict[tuple[str, str], dict] = {}


def login(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form and wait for the staff home page. Managers and admins type a
    code from their app after the password, enrolling first if they have not yet."""
    page.goto("/login")
    page.fill("#f-email", email)
    page.fill("#f-password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda url: not url.endswith("/login"))
    origin = page.url.split("/login", 1)[0] if "/login/" in page.url else ""
    if page.url.endswith("/login/enrol"):
        _enrol(page, (origin, email))
    elif page.url.endswith("/login/code"):
        _second_step(page, (origin, email))
    page.wait_for_selector("form[action='/logout']")


def _enrol(page, key: tuple[str, str]) -> None:
    import pyotp

    secret = page.text_content("#totp-secret").replace(" ", "")
    step = int(time.time() // 30)
    page.fill("#f-code", pyotp.TOTP(secret).at(step * 30))
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    codes = [code.strip() for code in page.locator("#recovery-codes code").all_text_contents()]
    _SECOND_FACTORS[key] = {"secret": secret, "last_step": step, "codes": codes}
    page.click("a.button.primary")
    page.wait_for_url(lambda url: "/login/" not in url)


def _second_step(page, key: tuple[str, str]) -> None:
    """A code is accepted once per 30-second step: when this step's was used by an earlier
    login, a recovery code, else the next step's code."""
    import pyotp

    factor = _SECOND_FACTORS[key]
    step = int(time.time() // 30)
    if step > factor["last_step"]:
        code = pyotp.TOTP(factor["secret"]).at(step * 30)
        factor["last_step"] = step
    elif factor["codes"]:
        code = factor["codes"].pop()
    else:
        time.sleep((factor["last_step"] + 1) * 30 - time.time() + 0.2)
        factor["last_step"] += 1
        code = pyotp.TOTP(factor["secret"]).at(factor["last_step"] * 30)
    page.fill("#f-code", code)
    page.click("#code-form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


@contextmanager
def search_answered(page, form, query: str) -> Iterator[None]:
    """Around what types ``query`` into an htmx search ``form`` (a locator): on the way out, the
    answer to ``query`` itself is in the page. Each pause in the typing may send a search of its
    own, and an earlier answer already shows what a test waits for (a count line, the person
    sought) until a later one replaces it, and with it what was clicked or ticked there."""
    from playwright.sync_api import expect

    path = form.get_attribute("hx-post")

    def answers_query(response) -> bool:
        request = response.request
        return (
            request.method == "POST"
            and urlsplit(request.url).path == path
            and parse_qs(request.post_data or "").get("q") == [query]
        )

    with page.expect_response(answers_query):
        yield
    # htmx takes its request class off the form once the last answer is swapped in.
    expect(form).not_to_have_class(re.compile(r"\bhtmx-request\b"))


def camera_feed(path: Path, text: str) -> None:
    """A fake camera feed (Y4M, 640×480, 4:2:0, ten frames) showing the QR code of ``text``
    on white: Chromium plays it as its camera (see ``camera_browser``)."""
    from PIL import Image

    from lab.core.qr import qr_image

    width, height = 640, 480
    frame = Image.new("RGB", (width, height), "white")
    code = qr_image(text, box_size=6)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + (b"FRAME\n" + planes) * 10)


def camera_browser(browser, feed: Path):
    """Another Chromium whose camera shows ``feed``, permission granted without a prompt.
    The caller closes it."""
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={feed}",
    ]
    return browser.browser_type.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS + camera_args
    )
