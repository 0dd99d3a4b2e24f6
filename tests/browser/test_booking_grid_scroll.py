"""The planning grid on a 1366 px laptop screen: a long day (Wednesday at Saint-Denis, 09:00 to
19:00 in half hours) is wider than the screen, and the page shows it scrolls: a hint above it,
a fade on the side where more columns are, a scrollbar that stays visible, the resource column
kept in place, and arrow keys that scroll it. A week fits, and says nothing."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.browser.conftest import login

MANAGER = "responsable.stdenis@lab.example"
LAPTOP = {"width": 1366, "height": 768}
HINT = "La grille est plus large que l'écran"


def _next_wednesday() -> dt.date:
    day = dt.datetime.now(ZoneInfo("Europe/Paris")).date() + dt.timedelta(days=1)
    while day.weekday() != 2:
        day += dt.timedelta(days=1)
    return day


def _figures(page: Page) -> dict:
    return page.evaluate(
        """() => {
          const box = document.querySelector('.grid-scroll');
          const frame = box.closest('.grid-frame');
          const fade = getComputedStyle(frame, '::after');
          const heads = box.querySelectorAll('thead th');
          const last = heads[heads.length - 1].getBoundingClientRect();
          const first = box.querySelector('tbody th[scope=row]').getBoundingClientRect();
          const rect = box.getBoundingClientRect();
          return {
            client: box.clientWidth, scroll: box.scrollWidth, left: box.scrollLeft,
            moreLeft: frame.classList.contains('more-left'),
            moreRight: frame.classList.contains('more-right'),
            fade: Number(fade.opacity), fadeWidth: parseFloat(fade.width),
            overflowX: getComputedStyle(box).overflowX,
            scrollbarColor: getComputedStyle(box).scrollbarColor,
            lastHeadVisible: last.right <= rect.right && last.left >= rect.left,
            lastHead: heads[heads.length - 1].textContent.trim(),
            rowHeadAtLeft: Math.abs(first.left - rect.left) <= 2,
            focused: document.activeElement === box,
          };
        }"""
    )


def test_a_long_day_scrolls_visibly_and_with_the_keyboard_at_1366_px(page: Page) -> None:
    page.set_viewport_size(LAPTOP)
    login(page, MANAGER)
    day = _next_wednesday()
    page.goto(f"/bookings?day={day.isoformat()}")
    # The scrolling box is a region named by the day's heading.
    region = page.get_by_role("region", name=re.compile(r"^mercredi \d+ "))
    expect(region).to_have_attribute("tabindex", "0")
    expect(page.locator(".grid-hint")).to_be_visible()
    expect(page.locator(".grid-hint")).to_contain_text(HINT)

    start = _figures(page)
    assert start["scroll"] > start["client"] + 200, start  # the afternoon is off screen
    assert start["moreRight"] and not start["moreLeft"], start
    assert start["fade"] == 1 and start["fadeWidth"] >= 40, start
    assert start["overflowX"] == "auto" and start["scrollbarColor"] != "auto", start
    assert not start["lastHeadVisible"], start

    # Keyboard: the region takes focus and the arrow keys scroll it.
    region.focus()
    page.keyboard.press("ArrowRight")
    # Keyboard scrolling is smooth: wait for it to move.
    page.wait_for_function("() => document.querySelector('.grid-scroll').scrollLeft > 0")
    assert _figures(page)["focused"]
    for _ in range(60):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => { const box = document.querySelector('.grid-scroll');"
        " return box.scrollLeft >= box.scrollWidth - box.clientWidth - 1; }"
    )
    # The scroll event that updates the shading follows the last step of the scroll.
    page.wait_for_function(
        "() => document.querySelector('.grid-frame').classList.contains('more-left')"
        " && !document.querySelector('.grid-frame').classList.contains('more-right')",
        timeout=2000,
    )
    end = _figures(page)
    assert end["left"] >= end["scroll"] - end["client"] - 1, end
    assert end["moreLeft"] and not end["moreRight"], end
    assert end["fade"] == 0, end
    assert end["lastHeadVisible"] and end["lastHead"] == "18:30", end
    assert end["rowHeadAtLeft"], end  # the resource names stay in view


def test_a_week_fits_and_shows_no_scroll_hint_at_1366_px(page: Page) -> None:
    page.set_viewport_size(LAPTOP)
    login(page, MANAGER)
    page.goto(f"/bookings?day={_next_wednesday().isoformat()}&view=week")
    figures = _figures(page)
    assert figures["scroll"] <= figures["client"], figures
    assert not figures["moreRight"] and not figures["moreLeft"], figures
    assert figures["fade"] == 0, figures
    expect(page.locator(".grid-hint")).to_be_hidden()
