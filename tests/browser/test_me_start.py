"""The visitor's sign-in page on a phone (/me/start), in Chromium: its label and hint are in
the page's own type; only the card-code box has the code look (fixed-width, spaced capitals)."""

from __future__ import annotations

from pathlib import Path

from tests.browser.kiosk import assert_accessible

STYLES = """() => Object.fromEntries(['label[for=f-code]', '#h-code', '#f-code', 'h1'].map(
  selector => {
    const style = getComputedStyle(document.querySelector(selector));
    return [selector, {font: style.fontFamily, spacing: style.letterSpacing}];
  }))"""


def test_the_sign_in_page_keeps_the_code_look_for_the_code_box_only(
    browser, live_server, tmp_path: Path
):
    phone = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    try:
        page = phone.new_page()
        page.goto("/me/start")
        page.screenshot(path=str(tmp_path / "me-start.png"), full_page=True)
        styles = page.evaluate(STYLES)
        text_font = styles["h1"]["font"]
        assert "monospace" not in text_font
        for words in ("label[for=f-code]", "#h-code"):
            assert styles[words] == {"font": text_font, "spacing": "normal"}, words
        assert "monospace" in styles["#f-code"]["font"]
        assert styles["#f-code"]["spacing"] != "normal"
        assert_accessible(page, "visitor sign-in page")
    finally:
        phone.close()
