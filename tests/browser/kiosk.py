"""Helpers for kiosk browser tests: a paired tablet, an accessibility audit, storage dumps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from tests.browser.conftest import login

MANAGER = "responsable.stdenis@lab.example"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA: what the issue asks the kiosk to meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pairing_code(staff_page, name: str) -> str:
    """A manager creates a tablet in the staff app and reads its pairing code."""
    login(staff_page, MANAGER)
    staff_page.goto("/kiosks/new")
    staff_page.fill("#f-name", name)
    staff_page.click("#kiosk-form button[type=submit]")
    return staff_page.locator("#pairing-code").inner_text().strip()


def pair(tablet_page, code: str) -> None:
    """Type the code on the tablet's pairing page, as the person setting it up would."""
    tablet_page.goto("/kiosk/pair")
    tablet_page.fill("#k-code", code)
    tablet_page.click("#pair-form button[type=submit]")
    tablet_page.wait_for_selector("#pair-result")


@contextmanager
def paired_tablet(browser, base_url: str, code: str, **options) -> Iterator[object]:
    """A tablet's own browser (no staff cookies), in French, paired with ``code``; ``options``
    go to the browser context (a viewport, say). Closed on the way out."""
    context = browser.new_context(base_url=base_url, locale="fr-FR", **options)
    context.set_default_timeout(10_000)
    try:
        tablet = context.new_page()
        pair(tablet, code)
        yield tablet
    finally:
        context.close()


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def audit(page) -> list[dict]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now (empty when none)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {
            "id": item["id"],
            "impact": item["impact"],
            "help": item["help"],
            "targets": [node["target"] for node in item["nodes"]][:5],
        }
        for item in result["violations"]
    ]


def assert_accessible(page, where: str) -> None:
    violations = audit(page)
    assert not violations, f"{where}: {json.dumps(violations, indent=1, ensure_ascii=False)}"


# Everything a page could have left behind in the browser: web storage, Cache Storage (each
# cached response's text) and every IndexedDB database's records.
STORAGE_DUMP = """async () => {
  const dump = {local: {...localStorage}, session: {...sessionStorage}, caches: {}, idb: {}};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const response = await cache.match(request);
      dump.caches[request.url] = await response.clone().text();
    }
  }
  for (const info of (await indexedDB.databases())) {
    const db = await new Promise((ok, ko) => {
      const open = indexedDB.open(info.name);
      open.onsuccess = () => ok(open.result);
      open.onerror = () => ko(open.error);
    });
    for (const store of db.objectStoreNames) {
      dump.idb[info.name + '/' + store] = await new Promise((ok, ko) => {
        const all = db.transaction(store).objectStore(store).getAll();
        all.onsuccess = () => ok(all.result);
        all.onerror = () => ko(all.error);
      });
    }
    db.close();
  }
  return JSON.stringify(dump);
}"""


def browser_storage(page) -> str:
    return page.evaluate(STORAGE_DUMP)
