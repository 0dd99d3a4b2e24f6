"""What a staff member does in a real browser: log in, register a person, print the pass,
search, switch language; and what they are refused."""

from __future__ import annotations

import io
import random
import re
import string

import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import ADMIN, FACILITATOR, login, search_answered

NETWORK_MANAGER = "reseau@lab.example"
SAINT_DENIS = "Mission locale de Saint-Denis — Lab"
PASS_PAGE = re.compile(r".*/visitors/\d+/pass\?done=visitor_created$")


def _unique_last_name() -> str:
    """Names are letters only; a random suffix keeps the duplicate check out of the way."""
    return "Navigateur" + "".join(random.choices(string.ascii_lowercase, k=6))


def _decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    qr = [result for result in results if result.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(qr) == 1, f"expected one QR code, found {[r.text for r in results]}"
    return qr[0].text


def _create_visitor(page: Page, first_name: str, last_name: str) -> None:
    """Fill the new-visitor form (as the admin, who sees every site) and land on the pass page."""
    page.goto("/visitors/new")
    page.fill("#f-first_name", first_name)
    page.fill("#f-last_name", last_name)
    page.fill("#f-birth_date", "2007-03-14")
    page.fill("#f-postcode", "93200")
    page.select_option("#f-preferred_language", "fr")
    page.select_option("#f-site_id", label=SAINT_DENIS)
    page.select_option("#f-status", "job_seeker")
    page.click("#visitor-form button[type=submit]")
    page.wait_for_url(PASS_PAGE)


def _qr_url_on_page(page: Page) -> str:
    svg = page.locator(".qr-box svg.qr")
    expect(svg).to_be_visible()
    return _decode_qr(svg.screenshot())


def test_new_visitor_gets_a_pass_whose_qr_opens_the_landing_page(
    page: Page, live_server: str
) -> None:
    login(page, ADMIN)
    _create_visitor(page, "Maïa", _unique_last_name())

    expect(page.locator("#short-code")).not_to_have_text("")
    url = _qr_url_on_page(page)
    assert url.startswith(f"{live_server}/p/"), url
    token = url.removeprefix(f"{live_server}/p/")
    assert len(token) >= 16 and "/" not in token

    landing = page.context.new_page()
    response = landing.goto(url)
    assert response is not None and response.status == 200
    expect(landing.locator("h1")).to_have_text("Votre carte lab est valable")
    landing.close()

    # The printable card: same URL in the PNG, a real PDF.
    png_href = page.locator("#card-png").get_attribute("href")
    pdf_href = page.locator("#card-pdf").get_attribute("href")
    assert png_href and pdf_href
    png = page.context.request.get(png_href)
    assert png.status == 200
    assert png.headers["content-type"].startswith("image/png")
    assert _decode_qr(png.body()) == url
    pdf = page.context.request.get(pdf_href)
    assert pdf.status == 200
    assert pdf.body().startswith(b"%PDF")


def test_reissuing_a_pass_retires_the_old_qr(page: Page, live_server: str) -> None:
    login(page, ADMIN)
    _create_visitor(page, "Rémi", _unique_last_name())
    old_url = _qr_url_on_page(page)
    pass_path = page.url.split("?")[0]

    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Créer une nouvelle carte").click()
    # The pass page is loaded already: wait for the one the new card brings, not for "a load".
    page.wait_for_url(re.compile(re.escape(f"{pass_path}?done=pass_replaced") + "$"))
    expect(page).to_have_url(f"{pass_path}?done=pass_replaced")
    expect(page.locator("#done-message")).to_contain_text(
        "Nouvelle carte émise : l'ancienne ne fonctionne plus."
    )
    new_url = _qr_url_on_page(page)
    assert new_url != old_url
    assert new_url.startswith(f"{live_server}/p/")

    check = page.context.new_page()
    response = check.goto(old_url)
    assert response is not None and response.status == 404
    expect(check.locator("h1")).to_have_text("Cette carte ne fonctionne plus")
    response = check.goto(new_url)
    assert response is not None and response.status == 200
    expect(check.locator("h1")).to_have_text("Votre carte lab est valable")
    check.close()


def test_live_search_updates_results_without_reloading(page: Page) -> None:
    login(page, ADMIN)
    page.goto("/visitors")
    first_link = page.locator("#results table tbody tr td a").first
    expect(first_link).to_be_visible()
    full_name = first_link.inner_text().strip()
    # Demo last names can have two words ("El Idrissi"): search on the last word.
    fragment = full_name.split()[-1][:5]
    # The count line only appears once a search has answered.
    expect(page.locator("#results > p").filter(has_text="trouvé")).to_have_count(0)

    page.evaluate("window.__labNoReload = 'still here'")
    # The names are read at once below: they must be the answer to the whole fragment, not to
    # its first letters (a pause in the typing sends a search, and its count line shows too).
    with search_answered(page, page.locator("form[role=search]"), fragment):
        page.locator("#f-q").press_sequentially(fragment, delay=30)

    expect(page.locator("#results > p").filter(has_text="trouvé")).to_be_visible()
    names = page.locator("#results tbody tr td a")
    expect(names.first).to_be_visible()
    for text in names.all_inner_texts():
        assert fragment.lower() in text.lower(), (fragment, text)
    assert full_name in names.all_inner_texts()
    assert page.evaluate("window.__labNoReload") == "still here"
    assert page.url.endswith("/visitors")


def test_language_switch_on_login_page(page: Page) -> None:
    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("button", name="English").click()
    # The switch comes back to the same address: only the language tells the new page.
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("#login-form")).to_be_visible()
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")


def test_facilitator_is_refused_the_accounts_page(page: Page) -> None:
    login(page, FACILITATOR)
    # A facilitator's menu does not offer it...
    expect(page.locator("nav a[href='/admin/users']")).to_have_count(0)
    # ...and typing the address gets the refusal page.
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("Accès refusé")
    expect(page.locator("[role=alert][data-code=forbidden]")).to_be_visible()


def test_form_errors_are_shown_and_focus_moves_to_the_first_one(page: Page) -> None:
    login(page, ADMIN)
    page.goto("/visitors/new")
    page.evaluate("window.__labNoReload = 'still here'")
    page.fill("#f-first_name", "")
    page.fill("#f-last_name", _unique_last_name())
    page.fill("#f-birth_date", "2007-03-14")
    page.fill("#f-postcode", "12")
    page.select_option("#f-site_id", label=SAINT_DENIS)
    page.select_option("#f-status", "job_seeker")
    page.click("#visitor-form button[type=submit]")

    expect(page.locator("#visitor-form .field-error").first).to_be_visible()
    expect(page.locator("#e-first_name")).to_be_visible()
    expect(page.locator("#e-postcode")).to_be_visible()
    expect(page.locator("#f-first_name")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-postcode")).to_have_attribute("aria-invalid", "true")
    # Focus lands on the first field in error, for keyboard and screen-reader users.
    expect(page.locator("#f-first_name")).to_be_focused()
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    # The form was swapped in place: same page, typed values kept.
    assert page.evaluate("window.__labNoReload") == "still here"
    assert page.url.endswith("/visitors/new")
    expect(page.locator("#f-postcode")).to_have_value("12")
    # The form that came back is still the new-visitor form, site choice included...
    expect(page.locator("#visitor-form")).to_have_attribute("action", "/visitors")
    expect(page.locator("#f-site_id")).to_have_count(1)

    # ...so correcting the two fields and sending it again creates the person.
    page.fill("#f-first_name", "Noé")
    page.fill("#f-postcode", "93200")
    page.select_option("#f-site_id", label=SAINT_DENIS)
    page.click("#visitor-form button[type=submit]")
    page.wait_for_url(PASS_PAGE)
    expect(page.locator(".qr-box svg.qr")).to_be_visible()


def test_wrong_password_is_refused_in_place(page: Page) -> None:
    page.goto("/login")
    page.evaluate("window.__labNoReload = 'still here'")
    # Not an account the other tests log in with: failures count towards a lockout.
    page.fill("#f-email", NETWORK_MANAGER)
    page.fill("#f-password", "not-the-right-password")
    page.click("#login-form button[type=submit]")

    expect(page.locator("#login-form [role=alert]")).to_be_visible()
    expect(page.locator("#f-email")).to_have_value(NETWORK_MANAGER)
    expect(page.locator("#f-password")).to_have_value("")
    assert page.evaluate("window.__labNoReload") == "still here"
    assert page.url.endswith("/login")
    expect(page.locator("form[action='/logout']")).to_have_count(0)
