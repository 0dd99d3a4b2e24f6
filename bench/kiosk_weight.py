"""How heavy the kiosk home screen is for a cheap tablet on a poor network.

Starts a lab server on demo data, pairs a tablet with `lab kiosk-code`, then loads /kiosk in
Debian's Chromium: the first visit (empty cache) and the next ones (the service worker's cache
warm). Prints the requests made, the bytes transferred (headers + bodies, as Chromium counts
them) and the load time, as medians over several runs, and checks that no request leaves the
app's origin. Usage: .venv/bin/python bench/kiosk_weight.py [runs, default 5]
"""

from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.settings import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "lab.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def wait_up(base_url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the lab server did not start")


def load(context, origin: str) -> dict:
    """Load /kiosk once in ``context``; what went over the network, and how long it took."""
    requests = []

    # On the context, not the page: the service worker's own fetches (caching the shell on
    # the first visit) cross the network too and are counted.
    def collect(request) -> None:
        requests.append(request)

    context.on("requestfinished", collect)
    page = context.new_page()
    started = time.perf_counter()
    page.goto("/kiosk", wait_until="load")
    page.wait_for_load_state("networkidle")
    elapsed = time.perf_counter() - started
    network, from_worker, foreign = 0, 0, []
    transferred = 0
    for request in requests:
        if urlsplit(request.url).netloc != urlsplit(origin).netloc:
            foreign.append(request.url)
        response = request.response()
        if response is not None and response.from_service_worker:
            from_worker += 1  # answered from the tablet's own cache: nothing transferred
            continue
        network += 1
        sizes = request.sizes()
        transferred += (
            sizes["requestHeadersSize"]
            + sizes["requestBodySize"]
            + sizes["responseHeadersSize"]
            + sizes["responseBodySize"]
        )
    page.close()
    context.remove_listener("requestfinished", collect)
    return {
        "requests": len(requests),
        "network": network,
        "from_worker": from_worker,
        "bytes": transferred,
        "seconds": elapsed,
        "foreign": foreign,
    }


def main(runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAB_")}
        env.update(LAB_DATA_DIR=data_dir, LAB_PORT=str(port), LAB_BASE_URL=base_url)
        lab(env, "migrate")
        lab(env, "demo")
        printed = lab(env, "kiosk-code", "--site", "saint-denis", "--name", "Banc d'essai")
        code = re.search(r"Pairing code: (\S+)", printed).group(1)
        server = subprocess.Popen(
            [sys.executable, "-m", "lab.cli", "serve"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_up(base_url)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                pairing = browser.new_context(base_url=base_url)
                page = pairing.new_page()
                page.goto("/kiosk/pair")
                page.fill("#k-code", code)
                page.click("#pair-form button[type=submit]")
                page.wait_for_selector("#pair-result")
                paired = pairing.storage_state()  # the device cookie, nothing else
                pairing.close()
                cold, warm = [], []
                for _ in range(runs):
                    context = browser.new_context(base_url=base_url, storage_state=paired)
                    cold.append(load(context, base_url))
                    time.sleep(0.3)  # let the service worker finish installing
                    warm.append(load(context, base_url))
                    context.close()
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    report("first visit (empty cache)", cold)
    report("next visits (service worker cache)", warm)
    foreign = {url for item in cold + warm for url in item["foreign"]}
    print(f"requests leaving {base_url}: {len(foreign)}")
    for url in sorted(foreign):
        print(f"  {url}")
    if foreign:
        raise SystemExit(1)


def report(label: str, loads: list[dict]) -> None:
    def median(key: str) -> float:
        return statistics.median(item[key] for item in loads)

    print(
        f"kiosk home, {label}, median of {len(loads)}: {median('requests'):.0f} requests "
        f"({median('network'):.0f} over the network, {median('from_worker'):.0f} from the "
        f"service worker), {median('bytes') / 1024:.1f} KiB transferred, "
        f"loaded in {median('seconds') * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
