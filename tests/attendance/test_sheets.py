"""The sign-in sheet: signatures checked and re-encoded, half-day signing, the countersignature,
the PDF sheet (read back with pypdf), and attendance certificates once the rule is met."""

from __future__ import annotations

import base64
import datetime as dt
import io
import random
import subprocess

import pytest
from PIL import Image, ImageDraw
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader

from lab.accounts.tables import Site
from lab.attendance import completion, services, sheets, signatures
from lab.attendance.forms import SignInput
from lab.attendance.tables import Signature
from lab.core import fonts
from lab.core.errors import Conflict, Invalid
from lab.core.tables import AuditLog
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import ModuleFacilitator
from tests.bookings.factories import TUESDAY, at, freeze
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

# -- Pictures a pad could send ----------------------------------------------------------------


def png_url(image: Image.Image, **save: object) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG", **save)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def drawing(seed: int = 1, size: tuple[int, int] = (1000, 400)) -> Image.Image:
    """A scribble, different for every seed, on a transparent canvas (as a pad draws)."""
    rng = random.Random(seed)
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(rng.randint(20, size[0] - 20), rng.randint(20, size[1] - 20)) for _ in range(12)]
    draw.line(points, fill=(16, 32, 74, 255), width=6)
    return image


def signed(seed: int = 1) -> SignInput:
    return SignInput(signature=png_url(drawing(seed)))


# -- The image ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [Image.new("RGB", (1000, 400), "white"), Image.new("RGBA", (1000, 400), (0, 0, 0, 0))],
    ids=["white", "transparent"],
)
def test_a_blank_pad_is_refused_with_a_clear_message(image):
    with pytest.raises(Invalid) as refused:
        signatures.signature_png(png_url(image))
    assert refused.value.code == "blank_signature"
    assert "La signature est vide" in refused.value.message
    assert refused.value.field_errors["signature"]
    with pytest.raises(Invalid, match="vide"):
        signatures.signature_png("")


def test_an_oversized_signature_is_refused():
    with pytest.raises(Invalid) as too_wide:
        signatures.signature_png(png_url(drawing(size=(1300, 400))))
    assert too_wide.value.code == "signature_too_large"
    noise = Image.frombytes("RGB", (1000, 400), random.Random(3).randbytes(1000 * 400 * 3))
    heavy = png_url(noise)
    assert len(heavy) > 300_000
    with pytest.raises(Invalid) as too_heavy:
        signatures.signature_png(heavy)
    assert too_heavy.value.code == "signature_too_large"


def test_something_else_than_a_png_is_refused():
    jpeg = io.BytesIO()
    drawing().convert("RGB").save(jpeg, format="JPEG")
    as_png = "data:image/png;base64," + base64.b64encode(jpeg.getvalue()).decode()
    as_jpeg = "data:image/jpeg;base64," + base64.b64encode(jpeg.getvalue()).decode()
    cut = png_url(drawing())[:400]
    for data_url in (as_png, as_jpeg, "data:image/png;base64,not base64!", cut, "hello"):
        with pytest.raises(Invalid) as refused:
            signatures.signature_png(data_url)
        assert refused.value.code == "bad_signature", data_url[:40]


def test_a_drawn_png_is_accepted_and_re_encoded_without_anything_else():
    info = PngInfo()
    info.add_text("Comment", "tracking-id-1234")
    out = io.BytesIO()
    drawing().save(out, format="PNG", pnginfo=info)
    sent = out.getvalue() + b"trailing bytes"
    kept = signatures.signature_png("data:image/png;base64," + base64.b64encode(sent).decode())
    assert kept != sent and b"tracking-id" not in kept and b"trailing" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "L", (1000, 400))
        assert "Comment" not in image.info
        assert image.getextrema()[0] < 100  # the ink is still there


# -- Signing ----------------------------------------------------------------------------------


@pytest.fixture
async def workshop(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, title="Objectif emploi", capacity=8)
    await ModuleFacilitator.insert(
        ModuleFacilitator(module=module.id, staff_user=cast.users["awa"].id)
    )
    session = await make_session(module, at(10))
    people = {}
    for first, last in (("Yanis", "Martin"), ("Léa", "Petit"), ("Moussa", "Traoré")):
        people[first] = await make_visitor(cast.saint_denis, first, last)
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=people[first].id))
    return {"awa": awa, "module": module, "session": session, **people}


async def _arrive(workshop, who: str, hour: int, minute: int, status: str = "present") -> None:
    freeze(at(hour, minute))
    await services.mark(workshop["awa"], workshop["session"].id, workshop[who].id, status)


async def test_a_present_visitor_signs_and_signing_again_replaces_it_with_an_audit(workshop):
    await _arrive(workshop, "Yanis", 9, 55)
    session_id, yanis = workshop["session"].id, workshop["Yanis"].id
    await signatures.sign(workshop["awa"], session_id, yanis, signed(1))
    await signatures.sign(workshop["awa"], session_id, yanis, signed(2))
    rows = await Signature.objects().where(Signature.visitor == yanis)
    assert len(rows) == 1
    assert bytes(rows[0].image) == signatures.signature_png(signed(2).signature)
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action)]
    assert actions.count("signature.saved") == 1 and actions.count("signature.replaced") == 1


async def test_only_people_checked_in_can_sign(workshop):
    with pytest.raises(Conflict) as refused:
        await signatures.sign(workshop["awa"], workshop["session"].id, workshop["Léa"].id, signed())
    assert refused.value.code == "not_present"
    assert await Signature.count() == 0


async def test_the_confirm_box_records_a_presence_without_a_drawing(workshop):
    await _arrive(workshop, "Léa", 9, 58)
    blank = png_url(Image.new("RGB", (1000, 400), "white"))
    result = await signatures.sign(
        workshop["awa"],
        workshop["session"].id,
        workshop["Léa"].id,
        SignInput(signature=blank, confirm=True),
    )
    assert result.drawn is False
    row = await Signature.objects().where(Signature.visitor == workshop["Léa"].id).first()
    assert bytes(row.image) == b""


async def test_signing_for_the_half_day_signs_each_session_of_that_morning(workshop, cast):
    module, first = workshop["module"], workshop["session"]
    second = await make_session(module, at(12), minutes=45)
    afternoon = await make_session(module, at(14))
    cancelled = await make_session(module, at(11, 30), minutes=30, status="cancelled")
    other_module = await make_module(cast.saint_denis, title="Autre atelier")
    elsewhere = await make_session(other_module, at(10, 30))
    await _arrive(workshop, "Yanis", 9, 55)
    await _arrive(workshop, "Léa", 9, 57)
    await services.mark(workshop["awa"], second.id, workshop["Léa"].id, "excused")

    sheet = await signatures.sheet(workshop["awa"], first.id)
    assert [s.id for s in sheet.half_day] == [second.id]
    for who in ("Yanis", "Léa"):
        await signatures.sign(
            workshop["awa"],
            first.id,
            workshop[who].id,
            SignInput(signature=signed().signature, half_day=True),
        )
    sessions_of = {
        who: sorted(
            row["session"]
            for row in await Signature.select(Signature.session).where(
                Signature.visitor == workshop[who].id
            )
        )
        for who in ("Yanis", "Léa")
    }
    assert sessions_of == {"Yanis": [first.id, second.id], "Léa": [first.id]}
    assert not await Signature.exists().where(
        Signature.session.is_in([afternoon.id, cancelled.id, elsewhere.id])
    )


async def test_the_facilitator_countersigns_once_per_session(workshop, cast):
    session_id = workshop["session"].id
    await signatures.countersign(workshop["awa"], session_id, signed(5))
    julien = await cast.principal("julien")
    await signatures.countersign(julien, session_id, signed(6))
    rows = await Signature.objects().where(Signature.session == session_id)
    assert len(rows) == 1
    assert (rows[0].visitor, rows[0].staff_user) == (None, cast.users["julien"].id)
    sheet = await signatures.sheet(julien, session_id)
    assert sheet.countersignature.name == "Julien"
    with pytest.raises(Invalid):
        await signatures.countersign(julien, session_id, SignInput(signature=""))


# -- The PDF sheet --------------------------------------------------------------------------


def _pdf_text(content: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return text, images


async def test_the_pdf_sheet_lists_everyone_with_status_arrival_and_signature(
    client, cast, workshop
):
    session_id = workshop["session"].id
    await _arrive(workshop, "Yanis", 9, 55)
    await _arrive(workshop, "Léa", 10, 12, "late")
    await _arrive(workshop, "Moussa", 10, 20, "absent")
    walk_in = await make_visitor(cast.saint_denis, "Inès", "Haddad")
    await services.mark(workshop["awa"], session_id, walk_in.id, "present")
    await signatures.sign(workshop["awa"], session_id, workshop["Yanis"].id, signed(1))
    await signatures.sign(workshop["awa"], session_id, workshop["Léa"].id, signed(2))
    await signatures.sign(
        workshop["awa"], session_id, walk_in.id, SignInput(confirm=True)
    )  # presence confirmed without drawing: no picture
    freeze(at(12, 5))
    await signatures.countersign(workshop["awa"], session_id, signed(3))

    await login(client, cast.email("julien"))
    response = await client.get(f"/attendance/sessions/{session_id}/sheet.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text, images = _pdf_text(response.content)
    assert "Feuille d'émargement" in text
    assert "Objectif emploi" in text
    assert "10:00 – 12:00" in text and "mardi 1 décembre 2026" in text
    assert "Lab Saint-Denis" in text and "Awa" in text
    lines = text.splitlines()

    def line_of(name: str) -> str:
        return next(line for line in lines if name in line)

    assert "Yanis" in line_of("Martin") and "Présent·e" in line_of("Martin")
    assert "09:55" in line_of("Martin")
    assert "En retard" in line_of("Petit") and "10:12" in line_of("Petit")
    assert "Absent·e" in line_of("Traoré") and "Moussa" in line_of("Traoré")
    assert "Haddad" in text and "sans inscription" in text
    assert "Présence confirmée, sans signature manuscrite" in " ".join(text.split())
    assert "Awa, le 1 décembre 2026 à 12:05" in text
    assert "Page 1/1" in text
    assert images == 3  # Yanis, Léa and the countersignature


async def test_the_sheet_still_builds_without_the_unicode_font(workshop, monkeypatch):
    monkeypatch.setattr(fonts, "dejavu", lambda: None)
    await _arrive(workshop, "Léa", 9, 59)
    sheet = await signatures.sheet(workshop["awa"], workshop["session"].id)
    text, _ = _pdf_text(sheets.sheet_pdf(sheet, "Lab — Mission locale"))
    assert "Petit" in text and "Présent.e" in text and "Feuille d'émargement" in text


def pdftotext_pages(content: bytes) -> list[str]:
    """The text of each page as poppler's pdftotext reads it (an independent PDF reader)."""
    out = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return out.split("\f")[:-1]  # each page ends with a form feed


async def test_the_sheet_header_names_the_site_and_the_footer_the_lab_once_per_page(workshop, cast):
    await Site.update({Site.address: "12 rue de la République\n93200 Saint-Denis"}).where(
        Site.id == cast.saint_denis.id
    )
    for n in range(12):  # walk-ins, enough rows for a second page
        walk_in = await make_visitor(cast.saint_denis, f"Personne{n}", "Sans-Inscription")
        await services.mark(workshop["awa"], workshop["session"].id, walk_in.id, "present")
    sheet = await signatures.sheet(workshop["awa"], workshop["session"].id)
    pages = pdftotext_pages(sheets.sheet_pdf(sheet, "Lab — Mission locale"))
    assert len(pages) == 2
    first_lines = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert first_lines[:3] == [
        "Lab Saint-Denis",
        "12 rue de la République · 93200 Saint-Denis",
        "Feuille d'émargement",
    ]
    for page in pages:
        assert page.count("Lab — Mission locale") == 1  # in the footer
        assert page.count("Lab Saint-Denis") <= 1


def test_the_place_of_a_certificate_is_the_town_of_the_address():
    assert sheets.place_of("12 rue de la République, 93200 Saint-Denis", "Lab") == "Saint-Denis"
    assert sheets.place_of("Rue Wayez 45, 1070 Anderlecht", "Lab") == "Anderlecht"
    assert sheets.place_of("", "Lab Saint-Denis") == "Lab Saint-Denis"
    assert fonts.latin1("Ğül — “ok”") == 'Gül - "ok"'


# -- Certificates -----------------------------------------------------------------------------


def test_the_completion_rule_rounds_up_and_needs_at_least_one_session():
    assert completion.sessions_needed(6, 80) == 5  # 4.8 → 5
    assert completion.sessions_needed(5, 80) == 4
    assert completion.sessions_needed(3, 0) == 1
    assert completion.sessions_needed(0, 80) == 0
    assert completion.is_complete(5, 6, 80) and not completion.is_complete(4, 6, 80)
    assert not completion.is_complete(0, 0, 80)
    assert completion.is_complete(3, 3, 100)


async def test_a_certificate_is_refused_before_the_rule_is_met_and_produced_after(
    client, cast, workshop
):
    cast.saint_denis.address = "12 rue de la République, 93200 Saint-Denis"
    await cast.saint_denis.save()
    module, yanis = workshop["module"], workshop["Yanis"]
    later = [
        await make_session(module, at(10, day=TUESDAY + dt.timedelta(weeks=w))) for w in (1, 2)
    ]
    await make_session(module, at(10, day=TUESDAY + dt.timedelta(weeks=3)), status="cancelled")
    # 3 sessions count (the cancelled one does not); 80 % of 3 → 3 needed.
    await _arrive(workshop, "Yanis", 9, 55)
    await services.mark(workshop["awa"], later[0].id, yanis.id, "late")
    await login(client, cast.email("awa"))
    path = f"/attendance/certificates/{module.id}/{yanis.id}.pdf"
    refused = await client.get(path)
    assert refused.status_code == 409
    assert "2 séances suivies, il en faut 3 sur 3" in refused.text

    page = await client.get(f"/attendance/modules/{module.id}/certificates")
    assert page.status_code == 200
    assert "2 sur 3" in page.text and path not in page.text

    await services.mark(workshop["awa"], later[1].id, yanis.id, "present")
    response = await client.get(path)
    assert response.status_code == 200, response.text
    text, _ = _pdf_text(response.content)
    flat = " ".join(text.split())
    assert "Attestation de présence" in flat
    assert "Yanis Martin" in flat and "« Objectif emploi »" in flat
    assert "du 1 décembre 2026 au 15 décembre 2026" in flat
    assert "Séances suivies : 3 sur 3, soit 6 heures" in flat
    assert "Fait à Saint-Denis" in flat and "Awa" in flat
    assert "12 rue de la République" in flat
    page = await client.get(f"/attendance/modules/{module.id}/certificates")
    assert path in page.text


async def test_a_drop_in_certificate_counts_the_sessions_the_visitor_signed_up_for(cast):
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, enrolment="drop_in", completion_percent=50)
    sessions = [await make_session(module, at(10 + 2 * i)) for i in range(4)]
    lina = await make_visitor(cast.saint_denis, "Lina", "Koné")
    for session in sessions[:2]:
        await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=lina.id, session_id=session.id))
    await services.mark(awa, sessions[0].id, lina.id, "present")
    _, people = await completion.participants(awa, module.id)
    progress = people[0]["progress"]
    assert (progress.attended, progress.total, progress.needed) == (1, 2, 1)
    assert progress.complete


# -- Pages and access -------------------------------------------------------------------------


async def test_the_sign_page_lists_people_present_and_saves_a_drawn_signature(
    client, cast, workshop
):
    session_id = workshop["session"].id
    await _arrive(workshop, "Yanis", 9, 55)
    await login(client, cast.email("awa"))
    page = await client.get(f"/attendance/sessions/{session_id}/sign")
    assert page.status_code == 200
    assert "MARTIN Yanis" in page.text and "Traoré" not in page.text
    assert "Contre-signature de l'animateur·rice" in page.text
    pad = await client.get(f"/attendance/sessions/{session_id}/sign/{workshop['Yanis'].id}")
    assert pad.status_code == 200 and 'name="signature"' in pad.text
    path = f"/attendance/sessions/{session_id}/sign/{workshop['Yanis'].id}"
    blank = await client.post(
        path, data={"signature": png_url(Image.new("RGB", (1000, 400), "white"))}
    )
    assert blank.status_code == 422 and "La signature est vide" in blank.text
    saved = await client.post(path, data={"signature": signed().signature})
    assert saved.status_code == 303
    assert (
        saved.headers["location"]
        == f"/attendance/sessions/{session_id}/sign?signed={workshop['Yanis'].id}"
    )
    after = await client.get(saved.headers["location"])
    assert "votre signature est enregistrée" in after.text and "Signé à" in after.text
    absent = await client.get(f"/attendance/sessions/{session_id}/sign/{workshop['Léa'].id}")
    assert absent.status_code == 409
    counter = await client.post(
        f"/attendance/sessions/{session_id}/countersign", data={"signature": signed(9).signature}
    )
    assert counter.status_code == 303
    assert await Signature.count().where(Signature.visitor.is_null()) == 1


async def test_staff_of_another_site_get_403_and_strangers_the_login_page(client, cast, workshop):
    session_id, module_id = workshop["session"].id, workshop["module"].id
    yanis = workshop["Yanis"].id
    await _arrive(workshop, "Yanis", 9, 55)
    paths = [
        f"/attendance/sessions/{session_id}/sign",
        f"/attendance/sessions/{session_id}/sign/{yanis}",
        f"/attendance/sessions/{session_id}/sheet.pdf",
        f"/attendance/modules/{module_id}/certificates",
        f"/attendance/certificates/{module_id}/{yanis}.pdf",
    ]
    for path in paths:
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    await login(client, cast.email("sofia"))
    for path in paths:
        assert (await client.get(path)).status_code == 403, path
    for path in (
        f"/attendance/sessions/{session_id}/sign/{yanis}",
        f"/attendance/sessions/{session_id}/countersign",
    ):
        response = await client.post(path, data={"signature": signed().signature})
        assert response.status_code == 403, path
    assert await Signature.count() == 0
    assert (await client.get(f"/attendance/certificates/{module_id}/x.pdf")).status_code == 404


async def test_the_links_section_for_other_pages_points_at_the_sheet_and_certificates(app):
    from types import SimpleNamespace

    # The links come from route names, so the partial renders with the app's url_for.
    html = app.state.jinja.get_template("attendance/sheet_links.html").render(
        session=SimpleNamespace(id=7), module=SimpleNamespace(id=3), url_for=app.route_reverse
    )
    for path in (
        "/attendance/sessions/7/sign",
        "/attendance/sessions/7/sheet.pdf",
        "/attendance/modules/3/certificates",
    ):
        assert f'href="{path}"' in html
