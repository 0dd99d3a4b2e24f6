"""Templates link to the app's own pages by route name and send the CSRF token one way.

A path written by hand in a template (``href="/visitors/3"``) silently breaks when a route moves;
``url_for("visitor_show", visitor_id=3)`` fails at render time instead, and every page is rendered
by the route tests and the HTML validity test. Static files keep their ``/static/...`` paths: they
are files on disk under one fixed prefix, not pages with parameters, and reading the file name in
the template says which file it is.

Every form sends its CSRF token through ``f.csrf(csrf_token)`` (templates/_macros/forms.html), so
the field name lives in one place beside the middleware's setting.

The scan reads attributes holding a URL (links, forms, htmx requests, ``data-*`` read by scripts)
and string literals in Jinja code that start with a path (``{% set action = "/x/" ~ id %}``),
except section prefixes tested with ``current_path.startswith(...)`` for the menu's current entry:
a prefix names a part of the site, not one route.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from lab.settings import PROJECT_ROOT

TEMPLATES = PROJECT_ROOT / "templates"
MACROS = TEMPLATES / "_macros" / "forms.html"

# An attribute holding a URL that starts with "/" (the app's own pages): links, forms, htmx
# requests and data-* attributes read by scripts.
APP_PATH = re.compile(
    r"""\b(?:href|action|src|formaction|hx-(?:get|post|put|delete|patch)|data-[a-z-]+)="(/[^"]*)"""
)
# A quoted path inside {{ }} or {% %}: a link built in template code.
CODE_PATH = re.compile(r"""\{[{%](?:(?![}%]\}).)*?(?<!startswith\()["'](/[^"']*)["']""")
CSRF_INPUT = re.compile(r"""name=["']_csrf_token["']""")


def hard_coded_paths(root: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    for template in sorted(root.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for path in APP_PATH.findall(text) + CODE_PATH.findall(text):
            if not path.startswith("/static/"):
                found[template.relative_to(root).as_posix()] += 1
    return found


def hand_written_csrf_inputs(root: Path) -> list[str]:
    macros = root / "_macros" / "forms.html"
    return [
        template.relative_to(root).as_posix()
        for template in sorted(root.rglob("*.html"))
        if template != macros and CSRF_INPUT.search(template.read_text(encoding="utf-8"))
    ]


def test_templates_link_to_the_apps_own_pages_by_route_name_only() -> None:
    found = hard_coded_paths(TEMPLATES)
    assert not found, f"use url_for(route_name, ...) instead of a path: {dict(found)}"


def test_every_form_sends_its_csrf_token_through_the_one_macro() -> None:
    assert CSRF_INPUT.search(MACROS.read_text(encoding="utf-8"))
    assert hand_written_csrf_inputs(TEMPLATES) == []


def test_the_scan_sees_a_planted_path_and_a_planted_csrf_input(tmp_path: Path) -> None:
    (tmp_path / "_macros").mkdir()
    (tmp_path / "page.html").write_text(
        '<a href="/static/x.css">s</a><a href="/visitors/1">v</a>'
        '<form hx-post="/bookings">'
        '<input type="hidden" name="_csrf_token" value="{{ csrf_token }}"></form>'
        "<a href=\"{{ url_for('home') }}\">h</a>"
        '{% set action = "/kiosks/" ~ device.id %}'
        '<a {% if current_path.startswith("/kiosks") %}aria-current="page"{% endif %}>k</a>',
        encoding="utf-8",
    )
    assert hard_coded_paths(tmp_path) == Counter({"page.html": 3})
    assert hand_written_csrf_inputs(tmp_path) == ["page.html"]
