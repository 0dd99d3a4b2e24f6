"""A visitor's full data export: a zip with a JSON and a CSV file per category and a readable
summary, from the staff side (managers of the visitor's site) and from the visitor's phone;
nothing of anyone else in it, no secret, no name in the address."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import time
import zipfile

import pytest

from lab.accounts import consents, export
from lab.accounts.forms import ConsentInput
from lab.accounts.tables import Pass
from lab.attendance import services as attendance
from lab.bookings import services as bookings
from lab.bookings.services import Wanted
from lab.bookings.tables import Asset, Loan
from lab.core import clock, mail
from lab.core.security import token_hash
from lab.network import services as network
from lab.network.forms import PartnerInput, ReferralInput
from lab.skills.tables import Badge, SkillEvidence
from lab.visits import services as visits
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.me.factories import sign_in, visitor_with_pass
from tests.workshops.factories import make_module, make_session

CATEGORIES = [code for code, _title in export.CATEGORIES]


def day(days: int) -> dt.date:
    return TUESDAY + dt.timedelta(days=days)


async def one_of_everything(cast, first_name: str, email: str, *, tag: str):
    """A visitor of Saint-Denis with a row in every category of the export."""
    julien, awa = await cast.principal("julien"), await cast.principal("awa")
    freeze(at(9, day=day(-10)))
    holder = await visitor_with_pass(cast.saint_denis, first_name, email=email, consents=())
    visitor = holder.visitor
    await consents.give_consent(awa, visitor.id, ConsentInput(purpose="messages_email"))
    module = await make_module(cast.saint_denis, title=f"Atelier {first_name}", capacity=8)
    session = await make_session(module, at(10, day=day(-7)))
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=visitor.id))
    freeze(at(9, 55, day=day(-7)))
    await attendance.mark(awa, session.id, visitor.id, "present")
    studio = await make_resource(cast.saint_denis, f"Studio {first_name}")
    freeze(at(10, day=day(-6)))
    await bookings.book(
        julien, Wanted(studio.id, at(14, day=day(-5)), at(15, day=day(-5)), visitor_id=visitor.id)
    )
    visit = await visits.open_visit(
        julien,
        site_id=cast.saint_denis.id,
        purpose="help",
        nonce=f"export-visit-{tag}",
        at=at(15, day=day(-3)),
        visitor_id=visitor.id,
    )
    await visits.end_visit(julien, visit.id, at=at(16, day=day(-3)), how="desk")
    asset = Asset(resource=studio.id, tag=f"TAB-{tag}", label="Tablette", created_at=clock.now())
    await asset.save()
    await Loan(
        asset=asset.id, visitor=visitor.id, out_at=at(10, day=day(-2)), due_at=at(17, day=day(-2))
    ).save()
    evidence = SkillEvidence(
        visitor=visitor.id,
        skill="email_send",
        level="on_my_own",
        source="facilitator",
        site=cast.saint_denis.id,
        at=at(11, day=day(-2)),
    )
    await evidence.save()
    await Badge(
        public_id=f"badge-{tag}",
        visitor=visitor.id,
        skill="email_send",
        evidence=evidence.id,
        site=cast.saint_denis.id,
        issued_at=at(11, day=day(-2)),
        key_id="k",
        status_index=int(tag),
        credential="eyJ.signed.jwt",
    ).save()
    partner = await network.create_partner(
        julien,
        PartnerInput(site_id=cast.saint_denis.id, name=f"Logement {tag}", kind="housing"),
    )
    referral = ReferralInput(
        visitor_id=visitor.id, partner_id=partner.id, need="housing", consent=True
    )
    await network.refer(awa, referral)
    await mail.queue(
        kind="enrolled",
        recipient=email,
        language="fr",
        subject=f"Inscription : Atelier {first_name}",
        body="…",
        visitor_id=visitor.id,
        dedupe_key=f"enrolled:export:{tag}",
    )
    freeze(at(10))
    return holder


def files_of(body: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def parsed(files: dict[str, bytes]) -> tuple[dict[str, list], dict[str, list[dict]]]:
    as_json = {code: json.loads(files[f"{code}.json"]) for code in CATEGORIES}
    as_csv = {
        code: list(csv.DictReader(io.StringIO(files[f"{code}.csv"].decode("utf-8-sig"))))
        for code in CATEGORIES
    }
    return as_json, as_csv


@pytest.fixture
async def two(cast):
    ines = await one_of_everything(cast, "Inès", "ines@example.org", tag="1")
    malik = await one_of_everything(cast, "Malik", "malik@example.org", tag="2")
    return ines, malik


async def test_the_export_holds_a_row_in_every_category_as_json_and_csv(client, cast, two):
    ines, _malik = two
    await login(client, cast.email("julien"))
    started = time.monotonic()
    response = await client.get(f"/visitors/{ines.visitor.id}/data.zip")
    assert time.monotonic() - started < 60
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and "Inès" not in disposition
    assert response.headers["cache-control"] == "no-store"
    files = files_of(response.content)
    assert set(files) == {"index.html"} | {
        f"{code}.{kind}" for code in CATEGORIES for kind in ("json", "csv")
    }
    as_json, as_csv = parsed(files)
    for code in CATEGORIES:
        assert as_json[code], f"{code} is empty"
        assert len(as_csv[code]) == len(as_json[code]), code
    assert as_json["profile"][0]["email"] == "ines@example.org"
    assert as_json["passes"][0]["short_code"] == ines.short_code
    assert as_json["consents"][0]["purpose"] == "messages_email"
    assert as_json["consents"][0]["wording"].startswith("Je veux recevoir des e-mails")
    assert as_json["enrolments"][0]["workshop"] == "Atelier Inès"
    assert as_json["attendance"][0]["status"] == "present"
    assert as_json["bookings"][0]["resource"] == "Studio Inès"
    assert as_json["bookings"][0]["starts_at"] == at(14, day=day(-5)).isoformat()
    assert as_json["loans"][0]["tag"] == "TAB-1"
    assert as_json["visits"][0]["purpose"] == "help"
    assert as_json["skills"][0]["skill"] == "email_send"
    assert as_json["badges"][0]["public_id"] == "badge-1"
    assert "Inscription : Atelier Inès" in {row["subject"] for row in as_json["mails"]}
    actions = {row["action"] for row in as_json["audit"]}
    assert {"pin.set", "consent.given"} <= actions
    assert as_csv["profile"][0]["first_name"] == "Inès"
    summary = html.unescape(files["index.html"].decode())
    assert summary.startswith("<!doctype html>") and "Données de Inès" in summary
    assert "Atelier Inès" in summary
    # The summary names its columns in words; the files keep the codes.
    assert '<th scope="col">Date de naissance</th>' in summary
    assert '<th scope="col">birth_date</th>' not in summary


async def test_the_export_of_one_visitor_holds_nothing_of_another_nor_any_secret(client, cast, two):
    ines, malik = two
    await login(client, cast.email("julien"))
    body = (await client.get(f"/visitors/{ines.visitor.id}/data.zip")).content
    text = "\n".join(content.decode("utf-8-sig") for content in files_of(body).values())
    for trace in ("Malik", "malik@example.org", "TAB-2", "badge-2", malik.short_code):
        assert trace not in text, trace
    hashes = [row["token_hash"] for row in await Pass.select(Pass.token_hash)]
    for secret in (ines.token, token_hash(ines.token), *hashes, "argon2", "eyJ.signed.jwt"):
        assert secret not in text


async def test_the_summary_is_a_page_of_the_app_too(client, cast, two):
    ines, _malik = two
    await login(client, cast.email("julien"))
    page = await client.get(f"/visitors/{ines.visitor.id}/data")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Toutes les données de Inès" in text and "Studio Inès" in text
    assert "Malik" not in text


@pytest.mark.parametrize(
    ("who", "status"), [("awa", 403), ("pieter", 403), ("sofia", 403), ("nadia", 200)]
)
async def test_only_managers_of_the_visitors_site_download_it(client, cast, two, who, status):
    ines, _malik = two
    await login(client, cast.email(who))
    for path in ("data.zip", "data"):
        response = await client.get(f"/visitors/{ines.visitor.id}/{path}")
        assert response.status_code == status, (who, path)
        if status != 200:
            assert "Inès" not in response.text


async def test_a_visitor_downloads_their_own_data_only_from_their_phone(client, cast, two):
    ines, malik = two
    await sign_in(client, ines)
    response = await client.get("/me/my-data.zip")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    as_json, _as_csv = parsed(files_of(response.content))
    assert as_json["profile"][0]["id"] == ines.visitor.id
    assert "Malik" not in json.dumps(as_json, ensure_ascii=False)
    page = await client.get("/me/my-data")
    assert page.status_code == 200
    assert "Studio Inès" in html.unescape(page.text) and "Malik" not in page.text
    # The staff address of someone else's data is not the phone's to open.
    assert (await client.get(f"/visitors/{malik.visitor.id}/data.zip")).status_code in (
        303,
        401,
        403,
    )


async def test_the_phone_without_a_session_gets_nothing(client, cast, two):
    for path in ("/me/my-data.zip", "/me/my-data", "/me/consents"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/me/start"


async def test_each_export_is_audited_without_its_content(client, cast, two):
    ines, _malik = two
    julien = await cast.principal("julien")
    made = await export.export_for(julien, ines.visitor.id)
    assert [section.code for section in made.sections] == CATEGORIES
    again = await export.export_for(julien, ines.visitor.id)
    audit = next(section for section in again.sections if section.code == "audit")
    exported = [row for row in audit.rows if row["action"] == "visitor.exported"]
    assert len(exported) == 1 and exported[0]["data"] == {}


def test_a_cell_a_spreadsheet_would_run_is_written_as_text():
    section = export.Section("profile", "Fiche", [{"a": "=HYPERLINK(1)", "b": {"x": 1}, "c": None}])
    rows = list(csv.reader(io.StringIO(export.section_csv(section).decode("utf-8-sig"))))
    assert rows == [["a", "b", "c"], ["'=HYPERLINK(1)", '{"x": 1}', ""]]
