"""A visitor's skills in Chromium: at a lab tablet (card + PIN) they say where they stand on a
skill and see it on their progress picture; on their phone they find the badge the lab gave
them, download it as a PNG, and its verification page says it is valid. Every page passes the
WCAG 2.2 A/AA audit, in French, English and Dutch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.checkin_lab import _PRELUDE
from tests.browser.conftest import login, run_in_lab
from tests.browser.kiosk import assert_accessible, browser_storage, pair

PIN = "4826"

# A site of its own with a tablet to pair, a visitor with a pass and a PIN, and the badge a
# facilitator gave them for a skill of the shipped catalogue (« Écrire un CV avec un modèle »).
_SEED = (
    _PRELUDE
    + r"""
from lab.accounts import pins
from lab.kiosk import devices
from lab.skills import services
from lab.skills.forms import Assessment
from lab.system import operator
from lab.wiring import wire

async def seed():
    wire(Settings.from_env())  # the badges' issuer, as the live server has it
    now = clock.now()
    suffix = secrets.token_hex(3)
    slug = "competences-" + suffix
    site = Site(name="Lab " + slug, slug=slug, timezone="Europe/Paris", created_at=now)
    await site.save()
    actor = await operator()
    _device, pairing = await devices.create_device(actor, site.id, "Tablette compétences")
    visitor = Visitor(first_name="Nour", last_name="Competences", birth_date=dt.date(2005, 3, 9),
                      postcode="93200", status="job_seeker",
                      search_name=search_key("Nour", "Competences"), created_site=site.id,
                      created_at=now, updated_at=now)
    await visitor.save()
    async with write_transaction(Visitor._meta.db):
        card, _token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        await pins.set_pin_in_transaction(actor, visitor.id, "PIN_HERE")
    recorded = await services.validate_at_desk(
        actor, visitor.id, Assessment(skill="cv-template", level="on_my_own"))
    return {"pairing_code": pairing, "short_code": passes.display_short_code(card.short_code),
            "badge": recorded.badges[0]}

run(seed)
""".replace("PIN_HERE", PIN)
)

# Words of the French pages that an English or Dutch page must not show any more.
FRENCH_ONLY = ("Mes compétences", "Où j'en suis", "Dites où vous en êtes", "Mes badges")
LANGUAGES = {"en": "Send an attachment", "nl": "Een bijlage versturen"}
MAIL = "email-attachment"  # « Envoyer une pièce jointe », in area 2


@pytest.fixture
def lab(live_server: str, live_env: dict[str, str]) -> dict:
    return json.loads(run_in_lab(live_env, _SEED).strip().splitlines()[-1])


def _area_counts(page, area: str) -> dict[str, str]:
    row = page.locator(f"#skills-areas li[data-area='{area}']")
    return {
        level: row.get_attribute(f"data-{level}") for level in ("on_my_own", "with_help", "not_yet")
    }


def test_a_visitor_says_where_they_stand_at_a_tablet_and_sees_the_picture_change(
    browser, live_server, lab
):
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 800, "height": 1280}
    )
    context.set_default_timeout(10_000)
    mail = MAIL
    try:
        tablet = context.new_page()
        pair(tablet, lab["pairing_code"])
        tablet.goto("/kiosk")
        tablet.click("a.tile-skills")
        tablet.wait_for_url(re.compile(r"/kiosk/identify\?next="))
        tablet.fill("#k-code", lab["short_code"])
        tablet.fill("#k-pin", PIN)
        tablet.click("#identify-form button[type=submit]")
        tablet.wait_for_url(re.compile(r"/kiosk/skills$"))
        expect(tablet.locator("svg.skills-picture[role=img]")).to_be_visible()
        before = _area_counts(tablet, "2")
        assert_accessible(tablet, "kiosk my skills")

        tablet.click(f"#skill-{mail}")
        tablet.wait_for_selector("#assess-form")
        assert_accessible(tablet, "kiosk a skill's three answers")
        tablet.click("#level-with_help")
        done = tablet.wait_for_selector("#skills-done")
        assert done.get_attribute("data-level") == "with_help"
        assert "Envoyer une pièce jointe" in done.inner_text()
        expect(tablet.locator(f"#skill-{mail}")).to_have_attribute("data-level", "with_help")
        after = _area_counts(tablet, "2")
        assert int(after["with_help"]) == int(before["with_help"]) + 1
        expect(tablet.locator("#skills-picture-title, #kiosk-skills-title")).to_have_count(1)
        assert_accessible(tablet, "kiosk my skills, after answering")
        # Nothing personal stays in the tablet's browser storage or caches.
        assert "Nour" not in browser_storage(tablet) and mail not in browser_storage(tablet)

        # The same pages, complete in English and Dutch (the choice is made on the home page).
        untranslated: list[tuple[str, str]] = []
        for language, name in LANGUAGES.items():
            tablet.goto("/kiosk")
            tablet.click(f"button[lang={language}]")
            tablet.wait_for_selector(f"html[lang={language}]")
            tablet.goto("/kiosk/skills")
            expect(tablet.locator("html")).to_have_attribute("lang", language)
            main = tablet.locator("main").inner_text()
            assert name in main
            untranslated += [(language, words) for words in FRENCH_ONLY if words in main]
            assert_accessible(tablet, f"kiosk my skills, {language}")
            tablet.goto(f"/kiosk/skills/{mail}")
            assert_accessible(tablet, f"kiosk a skill's three answers, {language}")
        assert not untranslated
    finally:
        context.close()


def test_a_visitor_downloads_their_badge_on_their_phone_and_it_verifies(
    browser, live_server, lab, tmp_path: Path
):
    phone = browser.new_context(
        base_url=live_server,
        locale="fr-FR",
        viewport={"width": 390, "height": 844},
        accept_downloads=True,
    )
    phone.set_default_timeout(10_000)
    badge = lab["badge"]
    try:
        page = phone.new_page()
        page.goto("/me/start")
        page.fill("#f-code", lab["short_code"])
        page.fill("#f-pin", PIN)
        page.click("form.me-form button[type=submit]")
        page.wait_for_url(re.compile(r"/me$"))

        page.click("a[href='/me/skills']")
        expect(page.locator("svg.skills-picture[role=img]")).to_be_visible()
        assert_accessible(page, "phone my skills")

        page.goto("/me")
        page.click("a[href='/me/badges']")
        item = page.locator(f"#badge-{badge}")
        expect(item).to_have_attribute("data-status", "valid")
        expect(item).to_contain_text("Écrire un CV avec un modèle")
        assert_accessible(page, "phone my badges")
        with page.expect_download() as download:
            page.click(f"a[href='/me/badges/{badge}.png']")
        saved = tmp_path / "badge.png"
        download.value.save_as(saved)
        assert saved.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")

        # "Copy the link" works with no network at all.
        phone.grant_permissions(["clipboard-read", "clipboard-write"])
        phone.set_offline(True)
        item.locator("button[data-copy]").click()
        expect(page.locator("#copy-status")).to_have_text("Le lien est copié.")
        assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/badges/{badge}"
        phone.set_offline(False)

        untranslated: list[tuple[str, str]] = []
        for language in ("en", "nl"):
            page.click(f"button[lang={language}]")
            page.wait_for_selector(f"html[lang={language}]")
            # The new page's first lines are there: French words left anywhere in it count.
            page.wait_for_load_state()
            main = page.locator("main").inner_text()
            untranslated += [(language, words) for words in FRENCH_ONLY if words in main]
            assert_accessible(page, f"phone my badges, {language}")
            page.goto("/me/skills")
            assert_accessible(page, f"phone my skills, {language}")
            page.goto("/me/badges")
        page.click("button[lang=fr]")
        page.wait_for_selector("html[lang=fr]")

        # The link to share: the public verification page, which says the badge is valid.
        link = page.locator(f"#badge-{badge}").locator(f"#share-{badge}").get_attribute("href")
        assert link == f"{live_server}/badges/{badge}"
        verifier = phone.new_page()
        assert verifier.goto(link).status == 200
        verdict = verifier.locator(".badge-verdict")
        expect(verdict).to_have_attribute("data-outcome", "valid")
        expect(verdict).to_contain_text("Badge valable")
        assert "Nour" not in verifier.content() and "Competences" not in verifier.content()
        verifier.close()

        assert not untranslated
    finally:
        phone.close()


# A workshop running now that teaches « Envoyer une pièce jointe », a visitor checked in to it,
# and the site's facilitator, who ticks what they saw on the session's tick-list.
_TICK_SEED = (
    _PRELUDE
    + r"""
from lab.accounts import pins, staff
from lab.accounts.forms import NewStaffInput
from lab.attendance import services as attendance
from lab.skills import services as skills
from lab.skills.forms import ModuleSkills
from lab.system import operator
from lab.wiring import wire
from lab.workshops.tables import Enrolment, Module, Session

async def seed():
    wire(Settings.from_env())
    now = clock.now()
    slug = "observe-" + secrets.token_hex(3)
    site = Site(name="Lab " + slug, slug=slug, timezone="Europe/Paris", created_at=now)
    await site.save()
    actor = await operator()
    email = slug + "@lab.example"
    await staff.create_staff(actor, NewStaffInput(
        email=email, name="Awa Observe", password="PASSWORD_HERE", role="facilitator",
        language="fr", site_id=site.id))
    module = Module(site=site.id, title="Le mail pas à pas", kind="digital_skills", capacity=8,
                    enrolment="series", created_at=now)
    await module.save()
    start = clock.utc_minute(now) - dt.timedelta(minutes=20)
    session = Session(module=module.id, starts_at=start, ends_at=start + dt.timedelta(hours=2),
                      checkin_secret=secrets.token_hex(32), uid=f"{uuid.uuid4()}@lab",
                      created_at=now, updated_at=now)
    await session.save()
    await skills.set_module_skills(actor, module.id, ModuleSkills(teaches=["email-attachment"]))
    visitor = Visitor(first_name="Ilyes", last_name="Observe", birth_date=dt.date(2004, 6, 1),
                      postcode="93200", status="job_seeker",
                      search_name=search_key("Ilyes", "Observe"), created_site=site.id,
                      created_at=now, updated_at=now)
    await visitor.save()
    async with write_transaction(Visitor._meta.db):
        card, _token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        await pins.set_pin_in_transaction(actor, visitor.id, "PIN_HERE")
    await Enrolment.insert(Enrolment(module=module.id, visitor=visitor.id, status="enrolled",
                                     created_at=now, updated_at=now))
    await attendance.mark(actor, session.id, visitor.id, "present")
    return {"email": email, "session": session.id, "visitor": visitor.id,
            "short_code": passes.display_short_code(card.short_code)}

run(seed)
""".replace("PIN_HERE", PIN).replace("PASSWORD_HERE", "observe-password-2026")
)


def test_a_facilitator_ticks_a_skill_on_the_roster_and_the_badge_reaches_the_phone(
    browser, live_server, live_env
):
    lab = json.loads(run_in_lab(live_env, _TICK_SEED).strip().splitlines()[-1])
    desk = browser.new_context(base_url=live_server, locale="fr-FR")
    phone = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport={"width": 390, "height": 844}
    )
    desk.set_default_timeout(10_000)
    phone.set_default_timeout(10_000)
    try:
        page = desk.new_page()
        login(page, lab["email"], "observe-password-2026")
        page.goto(f"/attendance/sessions/{lab['session']}")
        page.click(f"a[href='/skills/sessions/{lab['session']}']")
        page.wait_for_selector("#skills-ticklist")
        assert_accessible(page, "facilitator's tick-list")
        page.check(f"input[value='{lab['visitor']}:email-attachment:on_my_own']")
        page.click("#skills-ticklist button[type=submit]")
        expect(page.locator("#skills-ticklist .alert-success")).to_contain_text("1 badge délivré")

        me = phone.new_page()
        me.goto("/me/start")
        me.fill("#f-code", lab["short_code"])
        me.fill("#f-pin", PIN)
        me.click("form.me-form button[type=submit]")
        me.wait_for_url(re.compile(r"/me$"))
        me.goto("/me/badges")
        item = me.locator("[id^=badge-]").filter(has_text="Envoyer une pièce jointe")
        expect(item).to_have_attribute("data-status", "valid")
        link = item.locator("a[id^=share-]").get_attribute("href")
        verifier = phone.new_page()
        verifier.goto(link)
        expect(verifier.locator(".badge-verdict")).to_have_attribute("data-outcome", "valid")
        assert "Ilyes" not in verifier.content()
    finally:
        desk.close()
        phone.close()
