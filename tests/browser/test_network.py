"""The local network in Chromium, on the demo data: a site manager creates a meeting, invites two
partners, takes attendance, writes the minutes and a decision, opens an action from it, turns
the action into a workshop module and finds it on the follow-up page, late, said in words; the
network's pages have no WCAG 2.2 A/AA violation in French, English or Dutch."""

from __future__ import annotations

import datetime as dt
import random
import re
import string

from playwright.sync_api import Page, expect

from tests.browser.conftest import FACILITATOR, login
from tests.browser.kiosk import MANAGER, assert_accessible


def _switch_language(page: Page, code: str) -> None:
    page.click(f".language-switch button[value={code}]")
    page.wait_for_selector(f"html[lang={code}]")


def test_a_manager_runs_a_meeting_to_an_action_made_a_workshop_module(
    page: Page, live_server: str
) -> None:
    login(page, MANAGER)
    page.goto("/network/meetings")
    assert_accessible(page, "meetings (fr)")
    page.click("#meeting-new")
    day = dt.date.today() - dt.timedelta(days=1)
    page.fill("#f-title", "Réunion emploi logistique")
    page.fill("#f-day", day.isoformat())
    page.fill("#f-start", "09:30")
    page.fill("#f-end", "11:30")
    page.fill("#f-place", "Salle du conseil")
    assert_accessible(page, "new meeting (fr)")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_url(re.compile(r"/network/meetings/\d+\?done=created"))
    meeting_url = page.url.split("?")[0]

    # The agenda, then two partners invited through one of their people each.
    page.fill("#theme-form #f-title", "Recrutements en logistique")
    page.click("#theme-form button[type=submit]")
    expect(page.locator("#theme-list")).to_contain_text("Recrutements en logistique")
    page.click("#invite summary")
    page.get_by_label("Nathalie Garnier").check()
    page.get_by_label("Éric Lambert").check()
    page.click("#invite-submit")
    expect(page.locator("#invitations tbody tr")).to_have_count(2)
    expect(page.locator("#attendance")).to_contain_text("Les invitations sont envoyées")

    # Attendance, as on a workshop's list: one tap per person present.
    # Each tap waits for its own swap: the invitations' success message is already on the page,
    # so waiting for "a success message" would let the second tap land on the first row again.
    present = page.locator('#invitations tr[data-presence="present"]')
    for count in (1, 2):
        page.locator("#invitations button.primary").first.click()
        expect(present).to_have_count(count)
    expect(page.locator("#attendance")).to_contain_text("La présence est notée.")
    assert_accessible(page, "meeting with attendance (fr)")

    # Minutes written in the page, and a decision.
    page.fill("#f-minutes", "Le groupement recrute 20 préparateurs de commandes d'ici juin.")
    page.click("#minutes-save")
    expect(page.locator("#minutes")).to_contain_text("Le procès-verbal est enregistré.")
    page.fill("#decision-form #f-text", "Organiser un job dating logistique")
    page.click("#decision-submit")
    expect(page.locator("#decision-list")).to_contain_text("Organiser un job dating logistique")

    # An action opened from the decision: its partners are those who came.
    page.locator("#decision-list a", has_text="Ouvrir une action").last.click()
    page.wait_for_url(re.compile(r"/network/actions/new\?decision=\d+"))
    expect(page.locator("#from-decision")).to_contain_text("Organiser un job dating")
    assert page.locator("#action-form input[name=partner_ids]:checked").count() == 2
    page.fill("#f-title", "Job dating logistique")
    page.select_option("#f-kind", "job_dating")
    page.fill("#f-due_on", (dt.date.today() - dt.timedelta(days=2)).isoformat())
    assert_accessible(page, "new action (fr)")
    page.click("#action-form button[type=submit]")
    page.wait_for_url(re.compile(r"/network/actions/\d+\?done=opened"))
    action_id = re.search(r"/network/actions/(\d+)", page.url).group(1)
    # Only the moves the state allows are offered.
    expect(page.locator("#move-under_way")).to_be_visible()
    expect(page.locator("#move-done")).to_have_count(0)
    expect(page.locator("#action-overdue")).to_contain_text("En retard")

    page.click("#make-module")
    page.wait_for_url(re.compile(r"done=module"))
    expect(page.locator("#module-link")).to_be_visible()
    assert_accessible(page, "action (fr)")

    page.goto("/network/follow-up")
    row = page.locator(f"#action-{action_id}")
    expect(row).to_contain_text("Job dating logistique")
    expect(row).to_contain_text("En retard")  # in words, not by colour alone
    expect(row).to_have_attribute("data-overdue", "yes")
    expect(row.get_by_role("link", name=re.compile("Voir le module"))).to_be_visible()
    assert_accessible(page, "follow-up (fr)")

    row.get_by_role("link", name=re.compile("Voir le module")).click()
    expect(page.locator("h1")).to_contain_text("Job dating logistique")

    # The same pages, and the other network pages, in English and in Dutch.
    pages = [
        meeting_url,
        f"/network/actions/{action_id}",
        "/network/follow-up",
        "/network/partners",
        "/network/referrals",
        "/network/meetings",
        "/reports/network",
    ]
    for code in ("en", "nl"):
        page.goto("/network/partners")
        _switch_language(page, code)
        for path in pages:
            page.goto(path)
            assert_accessible(page, f"{path} ({code})")
    page.goto("/network/partners")
    _switch_language(page, "fr")
    page.locator("#partners a").first.click()
    # The audit reads the page as it is: the partner's, not the list being left.
    page.wait_for_url(re.compile(r"/network/partners/\d+$"))
    assert_accessible(page, "a partner (fr)")


def test_a_facilitator_refers_a_young_person_only_with_their_consent(
    page: Page, live_server: str
) -> None:
    login(page, FACILITATOR)
    page.goto("/visitors/new")
    page.fill("#f-first_name", "Amina")
    page.fill("#f-last_name", "Orientation" + "".join(random.choices(string.ascii_lowercase, k=6)))
    page.fill("#f-birth_date", "2006-09-02")
    page.fill("#f-postcode", "93200")
    page.select_option("#f-preferred_language", "fr")
    page.select_option("#f-status", "job_seeker")
    page.click("#visitor-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/visitors/(\d+)/pass\?done=visitor_created$"))
    visitor_id = re.search(r"/visitors/(\d+)/pass", page.url).group(1)
    page.goto(f"/visitors/{visitor_id}")
    form = page.locator("#referral-form")  # loaded into the record after it
    expect(form).to_be_visible()
    page.select_option("#f-partner_id", label="France Travail Saint-Denis")
    page.select_option("#f-need", "job")
    page.click("#refer-submit")
    expect(page.locator("#visitor-referrals .field-error")).to_be_visible()
    expect(page.locator("#visitor-referral-list")).to_have_count(0)
    assert_accessible(page, "referral refused without consent (fr)")
    page.check("#f-consent")
    page.click("#refer-submit")
    expect(page.locator("#visitor-referrals .alert-success")).to_contain_text(
        "L'orientation est faite."
    )
    expect(page.locator("#visitor-referral-list")).to_contain_text("France Travail Saint-Denis")
    assert_accessible(page, "a visitor's referrals (fr)")
