"""French typography: a no-break space before ? ! ; : and inside « », so that no line of a phone
screen starts with a lone "?" or ":". Applied once, where French text is produced (the French
"translations"), and checked where it is read: every French page of the app, as the people who
open it see it, and the documents, calendars and mails."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
import subprocess
import uuid
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from lab.accounts import cards
from lab.attendance import completion, sheets, signatures
from lab.attendance import services as attendance
from lab.bookings import feeds
from lab.core import i18n, mail
from lab.core.i18n import NO_BREAK_SPACE, french_typography
from lab.core.web import build_jinja
from lab.settings import PROJECT_ROOT
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze
from tests.pages import TABLET, every_page
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

NBSP = "\u00a0"
# An ordinary space or a line break (what a browser may break a line at) before the sign.
BREAKABLE_BEFORE = re.compile(r"(?<=\S)[ \t\r\n]+[?!;:»]")
BREAKABLE_AFTER_OPENING = re.compile(r"«[ \t\r\n]")


def breakable(text: str) -> list[str]:
    """The places in ``text`` where a line could start with ? ! ; : or », or end with «."""
    found = []
    for pattern in (BREAKABLE_BEFORE, BREAKABLE_AFTER_OPENING):
        for match in pattern.finditer(text):
            found.append(text[max(0, match.start() - 30) : match.end() + 10].replace("\n", "⏎"))
    return found


# -- The function --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("french", "typeset"),
    [
        ("Code à taper :", "Code à taper\u00a0:"),
        ("Continuer ?", "Continuer\u00a0?"),
        ("C'est réservé !", "C'est réservé\u00a0!"),
        ("matin ; après-midi", "matin\u00a0; après-midi"),
        ("le module « %(title)s »", "le module «\u00a0%(title)s\u00a0»"),
        ("«Atelier»", "«\u00a0Atelier\u00a0»"),
        ("%(name)s : inscrit·e.", "%(name)s\u00a0: inscrit·e."),
        ("Rappel : %(title)s ?", "Rappel\u00a0: %(title)s\u00a0?"),
        ("« %(title)s » ?", "«\u00a0%(title)s\u00a0»\u00a0?"),
        ("trop  d'espaces  :", "trop  d'espaces\u00a0:"),
    ],
)
def test_a_space_before_high_punctuation_and_inside_guillemets_becomes_unbreakable(french, typeset):
    assert french_typography(french) == typeset


@pytest.mark.parametrize(
    "untouched",
    [
        "De 10:00 à 12:00",  # times have no space
        "https://lab.example.org/p/abc?x=1",  # nor URLs
        "Ouvrez mailto:accueil@lab.example",
        "Bravo!",  # a "!" stuck to its word is left as written
        "Code\u00a0: ABCD-EFGH",  # already right
        "Rappel\u202f: texte",  # a narrow no-break space becomes the usual one
        "%(count)s/%(total)s",
        "",
    ],
)
def test_what_has_no_breakable_space_is_left_alone(untouched):
    expected = untouched.replace("\u202f", NBSP)
    assert french_typography(untouched) == expected
    assert french_typography(expected) == expected  # and applying it twice changes nothing


def test_the_no_break_space_is_one_every_font_has():
    assert NO_BREAK_SPACE == "\u00a0"
    assert NO_BREAK_SPACE.encode("latin-1") == b"\xa0"


def test_only_french_is_typeset_and_placeholders_still_format():
    with i18n.language("fr"):
        assert i18n._("Code à taper :") == "Code à taper\u00a0:"
        assert (
            i18n._("%(name)s : arrivée enregistrée (%(status)s).", name="Léa", status="ok")
            == "Léa\u00a0: arrivée enregistrée (ok)."
        )
        assert i18n.ngettext("%(num)d date refusée : voir", "%(num)d dates refusées : voir", 2) == (
            "2 dates refusées\u00a0: voir"
        )
    with i18n.language("en"):
        assert i18n._("Code à taper :") == "Code to type:"
    with i18n.language("nl"):
        assert NBSP not in i18n._("Code à taper :")


def test_templates_get_it_through_underscore_ngettext_and_trans():
    env = build_jinja()
    template = env.from_string(
        '{{ _("Continuer ?") }}|{{ ngettext("%(num)d champ :", "%(num)d champs :", 3) }}|'
        "{% trans %}Bonjour : {{ who }} !{% endtrans %}"
    )
    with i18n.language("fr"):
        assert (
            template.render(who="Awa")
            == "Continuer\u00a0?|3 champs\u00a0:|Bonjour\u00a0: Awa\u00a0!"
        )
    with i18n.language("en"):
        assert NBSP not in template.render(who="Awa").split("|")[0]


def test_every_french_message_comes_out_typeset():
    """The catalogues' message ids are the French text: none of them keeps a breakable space
    before high punctuation once it goes through the French translation."""
    with (PROJECT_ROOT / "locales" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    french = i18n.translations("fr")
    changed = 0
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for msgid in ids:
            out = french.gettext(msgid)
            assert not breakable(out), (msgid, breakable(out))
            changed += out != msgid
    assert changed > 200  # the typography has real work to do: it is not a no-op


# -- Every French page -----------------------------------------------------------------------


class VisibleText(HTMLParser):
    """What a reader of the page sees: text nodes outside scripts, styles and visually hidden
    elements, and the attributes a browser shows (placeholder, tooltip, labels, alternative
    text, button values, the question of a confirmation dialog)."""

    SKIPPED = frozenset({"script", "style", "template"})
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta"})
    SHOWN = ("placeholder", "title", "aria-label", "alt", "data-confirm")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        hidden = (
            self._hidden()
            or tag in self.SKIPPED
            or "visually-hidden" in (values.get("class") or "").split()
        )
        if not hidden:
            self.attributes += [values[name] or "" for name in self.SHOWN if name in values]
            if tag == "input" and values.get("type") in {"submit", "button", "reset"}:
                self.attributes.append(values.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if not self._hidden():
            self.text.append(data)


def visible_faults(html: str) -> list[str]:
    reader = VisibleText()
    reader.feed(html)
    faults = breakable("".join(reader.text))
    for value in reader.attributes:
        faults += [f"[attribute] {fault}" for fault in breakable(value)]
    return faults


async def test_no_french_page_breaks_a_line_before_high_punctuation(app, client, cast, request):
    """Every page of the app, as each who may open it (tests/pages.py), read in French."""
    found = await every_page(app, cast, client)
    seen: dict[str, list[str]] = {}
    for page in found.pages:
        assert re.search(r'<html lang="fr"', page.text), f"{page.label} is not in French"
        seen[page.label] = visible_faults(page.text)

    # The only routes that answer these people with a redirect are the kiosk's own pages, on a
    # tablet where no visitor has said who they are.
    assert all(route.endswith(f"({TABLET})") for route in found.left_out["redirect"])
    assert len(seen) >= 200, len(seen)
    faults = {label: found for label, found in seen.items() if found}
    line = f"French typography: {len(seen)} pages read, {sum(map(len, faults.values()))} faults"
    print(line)
    assert not faults, "\n".join(f"{label}: {found}" for label, found in faults.items())


# -- Documents, calendars and mails ------------------------------------------------------------


def pdftotext(content: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()


def lines_broken_at_punctuation(text: str) -> list[str]:
    """Lines of a PDF (as pdftotext reads them) that start with ? ! ; : » or end with «.
    PDF writers put a plain space in the file for a no-break one: what shows that the no-break
    space did its work is where the lines were broken."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return [line for line in lines if line[0] in "?!;:»" or line.endswith("«")]


@pytest.mark.parametrize("font", ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"])
def test_the_documents_fonts_draw_both_no_break_spaces(font):
    from fontTools.ttLib import TTFont

    cmap = TTFont(PROJECT_ROOT / "static" / "vendor" / "fonts" / font).getBestCmap()
    assert 0x00A0 in cmap and 0x202F in cmap


@pytest.fixture
async def certificate(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=4, completion_percent=50)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    visitor = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
    freeze(at(10, 5))
    await attendance.check_in(
        attendance.Scan(
            by=awa,
            session_id=session.id,
            nonce=str(uuid.uuid4()),
            method="staff",
            visitor_id=visitor.id,
        )
    )
    freeze(at(13))
    return await completion.certificate(awa, module.id, visitor.id)


async def test_a_certificate_never_breaks_a_line_inside_guillemets_or_before_a_colon(certificate):
    """The module's title decides where the sentence "… a suivi le module « title » (kind),
    le …" wraps: over titles of every length, no line starts with » or ends with «."""
    assert "Séances suivies : 1 sur 1" in " ".join(
        pdftotext(sheets.certificate_pdf(certificate, "Lab")).split()
    )
    broken = []
    for length in range(1, 60):
        certificate.module.title = "Atelier" + "x" * length
        with i18n.language("fr"):
            text = pdftotext(sheets.certificate_pdf(certificate, "Lab — Mission locale"))
        broken += lines_broken_at_punctuation(text)
    assert not broken, broken


async def test_the_sign_in_sheet_has_no_line_broken_at_punctuation(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=4)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    session = await make_session(module, at(10))
    freeze(at(12, 5))
    sheet = await signatures.sheet(awa, session.id)
    with i18n.language("fr"):
        text = pdftotext(sheets.sheet_pdf(sheet, "Lab — Mission locale"))
    assert "Feuille d'émargement" in text
    assert not lines_broken_at_punctuation(text)


def test_the_pass_card_keeps_a_no_break_space_on_its_line():
    narrow = [  # every place the footer could wrap, from wide to narrow
        cards.wrap("Montrez votre carte à l'accueil\u00a0!", 6.5, False, width, cards_measure())
        for width in range(12, 40)
    ]
    assert all(not line.startswith("!") for lines in narrow for line in lines)
    card = cards.Card(
        "Lab", "Awa", "https://lab.example.org/p/" + "a" * 43, "ABCD-EFGH", "Bienvenue\u00a0!"
    )
    text = pdftotext(cards.card_pdf(card))
    assert "Bienvenue !" in text and not lines_broken_at_punctuation(text)


def cards_measure():
    return cards._CardPdf().measure


async def test_a_french_mail_keeps_its_no_break_spaces(engine, settings):
    with i18n.language("fr"):
        subject = i18n._("Rappel : %(title)s", title="Atelier CV")
    assert subject == "Rappel\u00a0: Atelier CV"
    queued = await mail.queue(
        kind="reminder",
        recipient="lea@example.org",
        language="fr",
        subject=subject,
        body=f"Bonjour Léa,\n\n{subject}\n",
        visitor_id=1,
        ics="",
        dedupe_key=f"reminder:{uuid.uuid4()}",
    )
    assert queued
    assert await mail.deliver_due(settings) == 1
    eml = next((settings.data_dir / "outbox").glob("*.eml")).read_bytes()
    message = email.message_from_bytes(eml, policy=email.policy.default)
    assert message["Subject"] == "Rappel\u00a0: Atelier CV"
    assert "Rappel\u00a0: Atelier CV" in message.get_body().get_content()


async def test_a_french_calendar_keeps_its_no_break_spaces(client, cast):
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=3)
    await ModuleFacilitator.insert(ModuleFacilitator(module=module.id, staff_user=awa.user_id))
    await make_session(module, at(10))
    token = await feeds.create_feed(awa, "staff", awa.user_id)
    calendar = (await client.get(f"/feeds/{token}.ics")).content.decode()
    assert "Inscrits\u00a0: 0 sur 3 places." in calendar.replace("\r\n ", "")
