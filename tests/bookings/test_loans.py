"""Lending items at the desk: scan a pass, scan a tag; return; overdue; tags that scan back."""

from __future__ import annotations

import datetime as dt
import io
import json

import pypdf
import pytest
import zxingcpp
from PIL import Image

from lab.accounts import passes
from lab.bookings import assets, loans
from lab.bookings.assets import AssetInput
from lab.bookings.loans import LendInput, ReturnInput
from lab.bookings.tables import Loan
from lab.core.audit import SYSTEM
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.tables import AuditLog
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.helpers import login
from tests.personas import make_visitor

BASE_URL = "http://testserver.local"
HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10))


async def pass_of(visitor) -> tuple[str, str]:
    """(the URL a pass's QR carries, its short code as printed)."""
    issued, token = await passes.issue_in_transaction(SYSTEM, visitor.id, visitor.created_site)
    return passes.pass_url(BASE_URL, token), passes.display_short_code(issued.short_code)


async def tablets_with_tags(cast, site=None, count: int = 3):
    """A tablet pool and its tagged tablets, created by the site's manager."""
    site = site or cast.saint_denis
    pool = await make_resource(site, "Tablettes", units=count, kind="tablet_pool")
    manager = await cast.principal("julien" if site.id == cast.saint_denis.id else "pieter")
    created = await assets.create_assets(manager, pool.id, AssetInput(count=count))
    return pool, created


def decode_all(image: Image.Image) -> list[str]:
    return sorted(
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    )


# -- Lend and return -------------------------------------------------------------------------


async def test_a_facilitator_lends_a_tablet_and_gets_it_back(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast)
    yanis = await make_visitor(cast.saint_denis)
    url, _code = await pass_of(yanis)
    loan = await loans.lend(awa, LendInput(code=url, tag=tablets[1].tag, condition="Coque fendue"))
    assert loan.asset == tablets[1].id and loan.visitor == yanis.id
    assert loan.due_at == at(20)  # the site closes at 20:00 on Tuesdays
    assert loan.condition_out == "Coque fendue" and loan.lent_by == awa.user_id
    freeze(at(11, 30))
    back = await loans.return_asset(
        awa, ReturnInput(return_tag=f"LAB-ASSET:{tablets[1].tag}", return_condition="RAS")
    )
    assert back.id == loan.id and back.returned_at == at(11, 30)
    assert back.condition_in == "RAS" and back.returned_by == awa.user_id
    # Lent again, to someone else, once it is back.
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await loans.lend(awa, LendInput(code=(await pass_of(lea))[0], tag=tablets[1].tag))
    entries = await AuditLog.select(AuditLog.action, AuditLog.data).where(
        AuditLog.action.like("loan.%")
    )
    assert [row["action"] for row in entries] == ["loan.created", "loan.returned", "loan.created"]
    for row in entries:  # ids only
        assert "Yanis" not in str(row["data"]) and "Martin" not in str(row["data"])


async def test_a_short_code_and_a_typed_tag_work_too(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast)
    yanis = await make_visitor(cast.saint_denis)
    _url, code = await pass_of(yanis)
    loan = await loans.lend(awa, LendInput(code=code.lower(), tag="tab 2"))
    assert loan.asset == tablets[1].id


async def test_lending_an_asset_already_out_is_refused(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast)
    yanis = await make_visitor(cast.saint_denis)
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await loans.lend(awa, LendInput(code=(await pass_of(yanis))[0], tag=tablets[0].tag))
    with pytest.raises(Conflict) as refused:
        await loans.lend(awa, LendInput(code=(await pass_of(lea))[0], tag=tablets[0].tag))
    assert refused.value.code == "asset_out"
    assert "déjà prêté à Yanis" in refused.value.message
    assert await Loan.count() == 1
    refusal = await AuditLog.select(AuditLog.data).where(AuditLog.action == "loan.refused").first()
    data = refusal["data"] if isinstance(refusal["data"], dict) else json.loads(refusal["data"])
    assert data == {"reason": "asset_out", "asset_id": tablets[0].id, "visitor_id": lea.id}


async def test_the_database_refuses_a_second_open_loan_inserted_with_raw_sql(cast, engine):
    _pool, tablets = await tablets_with_tags(cast, count=1)
    yanis = await make_visitor(cast.saint_denis)
    insert = (
        "INSERT INTO loan (asset, visitor, out_at, due_at, returned_at, condition_out,"
        f" condition_in) VALUES ({int(tablets[0].id)}, {int(yanis.id)},"
        " '2026-12-01 09:00:00+00:00', '2026-12-01 19:00:00+00:00', {returned}, '', '')"
    )
    run = engine._run_in_new_connection
    await run(insert.format(returned="NULL"))
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        await run(insert.format(returned="NULL"))
    # Returned loans do not count: the item's history keeps them all.
    await run("UPDATE loan SET returned_at = '2026-12-01 10:00:00+00:00'")
    await run(insert.format(returned="NULL"))
    await run(insert.format(returned="'2026-12-01 11:00:00+00:00'"))
    assert await Loan.count() == 3


async def test_a_retired_asset_is_not_lent(cast):
    julien = await cast.principal("julien")
    _pool, tablets = await tablets_with_tags(cast, count=1)
    await assets.set_active(julien, tablets[0].id, False)
    yanis = await make_visitor(cast.saint_denis)
    with pytest.raises(Conflict) as refused:
        await loans.lend(julien, LendInput(code=(await pass_of(yanis))[0], tag=tablets[0].tag))
    assert refused.value.code == "asset_inactive"


async def test_another_sites_asset_or_visitor_is_refused(cast):
    _pool, tablets = await tablets_with_tags(cast, count=1)
    _brussels_pool, brussels_tablets = await tablets_with_tags(cast, cast.brussels, count=1)
    yanis = await make_visitor(cast.saint_denis)
    lotte = await make_visitor(cast.brussels, "Lotte", "Peeters")
    yanis_pass, lotte_pass = (await pass_of(yanis))[0], (await pass_of(lotte))[0]
    awa, sofia = await cast.principal("awa"), await cast.principal("sofia")
    nadia = await cast.principal("nadia")  # every site
    with pytest.raises(Forbidden) as refused:  # Awa cannot reach a Brussels visitor
        await loans.lend(awa, LendInput(code=lotte_pass, tag=tablets[0].tag))
    assert refused.value.code == "other_site"
    with pytest.raises(Forbidden) as refused:  # nor a Brussels tablet
        await loans.lend(awa, LendInput(code=yanis_pass, tag=brussels_tablets[0].tag))
    assert refused.value.code == "other_site"
    with pytest.raises(Forbidden) as refused:  # Nadia reaches both, but they are not one site's
        await loans.lend(nadia, LendInput(code=lotte_pass, tag=tablets[0].tag))
    assert refused.value.code == "other_site"
    with pytest.raises(Forbidden):
        await loans.return_asset(sofia, ReturnInput(return_tag=tablets[0].tag))
    assert await Loan.count() == 0


async def test_wrong_scans_say_what_went_wrong(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast, count=1)
    yanis = await make_visitor(cast.saint_denis)
    url, _code = await pass_of(yanis)
    with pytest.raises(Invalid) as refused:  # the tag scanned into the pass field
        await loans.lend(awa, LendInput(code=f"LAB-ASSET:{tablets[0].tag}", tag=url))
    assert refused.value.code == "wrong_scan" and "code" in refused.value.field_errors
    with pytest.raises(Invalid) as refused:  # the pass scanned into the tag field
        await loans.lend(awa, LendInput(code=url, tag=url))
    assert refused.value.code == "wrong_scan" and "tag" in refused.value.field_errors
    with pytest.raises(NotFound) as refused:
        await loans.lend(awa, LendInput(code="ZZZZ-ZZZZ", tag=tablets[0].tag))
    assert refused.value.code == "unknown_pass"
    with pytest.raises(NotFound) as refused:
        await loans.lend(awa, LendInput(code=url, tag="TAB-99"))
    assert refused.value.code == "unknown_asset"
    with pytest.raises(Conflict) as refused:
        await loans.return_asset(awa, ReturnInput(return_tag=tablets[0].tag))
    assert refused.value.code == "not_out"


async def test_the_due_time_is_closing_time_or_two_hours_or_what_staff_chose(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast, count=3)
    yanis = await make_visitor(cast.saint_denis)
    url, _code = await pass_of(yanis)
    chosen = await loans.lend(awa, LendInput(code=url, tag=tablets[0].tag, due_time=dt.time(12)))
    assert chosen.due_at == at(12)
    with pytest.raises(Invalid) as refused:
        await loans.lend(awa, LendInput(code=url, tag=tablets[1].tag, due_time=dt.time(9)))
    assert "due_time" in refused.value.field_errors
    freeze(at(19, 50))  # closing in ten minutes: two hours instead
    late = await loans.lend(awa, LendInput(code=url, tag=tablets[1].tag))
    assert late.due_at == at(21, 50)
    tomorrow = await loans.lend(
        awa,
        LendInput(
            code=url,
            tag=tablets[2].tag,
            due_day=TUESDAY + dt.timedelta(days=1),
            due_time=dt.time(10),
        ),
    )
    assert tomorrow.due_at == at(10, day=TUESDAY + dt.timedelta(days=1))


async def test_the_overdue_list_shows_what_is_late_with_who_has_it(cast):
    awa = await cast.principal("awa")
    _pool, tablets = await tablets_with_tags(cast, count=3)
    yanis = await make_visitor(cast.saint_denis)
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    yanis_pass, lea_pass = (await pass_of(yanis))[0], (await pass_of(lea))[0]
    await loans.lend(awa, LendInput(code=yanis_pass, tag=tablets[0].tag, due_time=dt.time(11)))
    await loans.lend(awa, LendInput(code=lea_pass, tag=tablets[1].tag, due_time=dt.time(11)))
    await loans.lend(awa, LendInput(code=lea_pass, tag=tablets[2].tag))  # until 20:00
    await loans.return_asset(awa, ReturnInput(return_tag=tablets[1].tag))
    freeze(at(12))
    view = await loans.overdue(awa, cast.saint_denis.id)
    assert [(row["tag"], row["first_name"], row["last_name"]) for row in view.loans] == [
        (tablets[0].tag, "Yanis", "Martin")
    ]
    assert (await loans.overdue(await cast.principal("pieter"), cast.brussels.id)).loans == []
    with pytest.raises(Forbidden):
        await loans.overdue(awa, cast.brussels.id)
    current = await loans.visitor_loans(awa, lea.id)
    assert [row["tag"] for row in current.current] == [tablets[2].tag]
    assert [row["tag"] for row in current.returned] == [tablets[1].tag]


# -- Items and tags --------------------------------------------------------------------------


async def test_tags_are_numbered_per_kind_across_sites(cast):
    julien, pieter = await cast.principal("julien"), await cast.principal("pieter")
    pool = await make_resource(cast.saint_denis, "Tablettes", units=5)
    pcs = await make_resource(cast.saint_denis, "Ordinateurs", units=2, kind="computer")
    brussels_pool = await make_resource(cast.brussels, "Tablets", units=5)
    first = await assets.create_assets(julien, pool.id, AssetInput(count=2, label="iPad"))
    second = await assets.create_assets(pieter, brussels_pool.id, AssetInput())
    computers = await assets.create_assets(julien, pcs.id, AssetInput())
    assert [a.tag for a in first + second + computers] == ["TAB-01", "TAB-02", "TAB-03", "PC-01"]
    assert first[0].label == "iPad"
    assert assets.normalise_tag("LAB-ASSET:tab-3") == "TAB-03"
    assert assets.normalise_tag("https://lab.example/p/abc") is None


async def test_only_the_sites_managers_manage_its_items(cast):
    pool = await make_resource(cast.saint_denis, "Tablettes", units=5)
    with pytest.raises(Forbidden):
        await assets.create_assets(await cast.principal("awa"), pool.id, AssetInput())
    with pytest.raises(Forbidden) as refused:
        await assets.create_assets(await cast.principal("pieter"), pool.id, AssetInput())
    assert refused.value.code == "other_site"
    created = await assets.create_assets(await cast.principal("nadia"), pool.id, AssetInput())
    assert len(created) == 1


async def test_a_tag_png_and_the_pdf_sheet_decode_to_the_tags(cast):
    julien = await cast.principal("julien")
    pool, tablets = await tablets_with_tags(cast, count=4)
    tag, png = await assets.tag_png(julien, tablets[0].id, "Lab Saint-Denis")
    assert tag == "TAB-01"
    assert decode_all(Image.open(io.BytesIO(png))) == ["LAB-ASSET:TAB-01"]
    await assets.set_active(julien, tablets[3].id, False)  # retired: not printed
    pdf = pypdf.PdfReader(io.BytesIO(await assets.tags_pdf(julien, pool.id, "Lab")))
    assert len(pdf.pages) == 1
    found = decode_all(pdf.pages[0].images[0].image)
    assert found == ["LAB-ASSET:TAB-01", "LAB-ASSET:TAB-02", "LAB-ASSET:TAB-03"]


async def test_a_long_sheet_goes_on_several_pages(cast):
    julien = await cast.principal("julien")
    pool = await make_resource(cast.saint_denis, "Tablettes", units=30)
    await assets.create_assets(julien, pool.id, AssetInput(count=30))
    pdf = pypdf.PdfReader(io.BytesIO(await assets.tags_pdf(julien, pool.id, "Lab")))
    assert len(pdf.pages) == 2


# -- Routes ----------------------------------------------------------------------------------


async def test_the_desk_lends_and_takes_back_through_htmx(cast, client):
    _pool, tablets = await tablets_with_tags(cast, count=2)
    yanis = await make_visitor(cast.saint_denis)
    url, _code = await pass_of(yanis)
    await login(client, cast.email("awa"))
    page = await client.get("/loans")
    assert page.status_code == 200
    assert 'id="lend-form"' in page.text and 'id="return-form"' in page.text
    lent = await client.post(
        "/loans", data={"code": url, "tag": tablets[0].tag, "site": "1"}, headers=HTMX
    )
    assert lent.status_code == 200
    assert lent.text.lstrip().startswith('<section id="desk"')  # the block, not the page
    assert "TAB-01 est prêté à Yanis" in lent.text
    again = await client.post("/loans", data={"code": url, "tag": tablets[0].tag}, headers=HTMX)
    assert again.status_code == 409
    assert "déjà prêté à Yanis" in again.text
    back = await client.post("/loans/return", data={"return_tag": "LAB-ASSET:TAB-01"}, headers=HTMX)
    assert back.status_code == 200 and "TAB-01 est rendu" in back.text
    bad = await client.post("/loans/return", data={"return_tag": "n'importe quoi"}, headers=HTMX)
    assert bad.status_code == 422 and 'id="e-return_tag"' in bad.text


async def test_the_desk_without_javascript_renders_the_whole_page(cast, client):
    _pool, tablets = await tablets_with_tags(cast, count=1)
    yanis = await make_visitor(cast.saint_denis)
    url, _code = await pass_of(yanis)
    await login(client, cast.email("awa"))
    lent = await client.post("/loans", data={"code": url, "tag": tablets[0].tag})
    assert lent.status_code == 200 and "<!doctype html>" in lent.text
    assert "TAB-01" in lent.text and "Martin" in lent.text  # the staff list shows full names


async def test_overdue_and_a_visitors_loans_are_staff_pages_of_their_site(cast, client):
    _pool, tablets = await tablets_with_tags(cast, count=1)
    yanis = await make_visitor(cast.saint_denis)
    awa = await cast.principal("awa")
    await loans.lend(
        awa,
        LendInput(code=(await pass_of(yanis))[0], tag=tablets[0].tag, due_time=dt.time(11)),
    )
    freeze(at(12))
    await login(client, cast.email("awa"))
    overdue = await client.get("/loans/overdue")
    assert overdue.status_code == 200 and "Yanis Martin" in overdue.text
    mine = await client.get(f"/visitors/{yanis.id}/loans")
    assert mine.status_code == 200 and "TAB-01" in mine.text and "en retard" in mine.text
    await login(client, cast.email("sofia"))
    assert (await client.get(f"/visitors/{yanis.id}/loans")).status_code == 403
    assert (await client.get(f"/loans/overdue?site={cast.saint_denis.id}")).status_code == 403
    assert "Yanis" not in (await client.get("/loans/overdue")).text


async def test_item_pages_are_for_managers(cast, client):
    pool = await make_resource(cast.saint_denis, "Tablettes", units=5)
    await login(client, cast.email("awa"))
    assert (await client.get("/assets")).status_code == 403
    assert (await client.get(f"/resources/{pool.id}/assets")).status_code == 403
    await login(client, cast.email("julien"))
    assert "Tablettes" in (await client.get("/assets")).text
    created = await client.post(f"/resources/{pool.id}/assets", data={"count": "2"})
    assert created.status_code == 303
    listing = await client.get(f"/resources/{pool.id}/assets")
    assert "TAB-01" in listing.text and "TAB-02" in listing.text
    refused = await client.post(f"/resources/{pool.id}/assets", data={"count": "500"}, headers=HTMX)
    assert refused.status_code == 422 and 'id="e-count"' in refused.text
    asset_id = (await assets.list_assets(await cast.principal("julien"), pool.id)).assets[0]["id"]
    png = await client.get(f"/assets/{asset_id}/tag.png")
    assert png.headers["content-type"] == "image/png"
    assert decode_all(Image.open(io.BytesIO(png.content))) == ["LAB-ASSET:TAB-01"]
    pdf = await client.get(f"/resources/{pool.id}/assets/tags.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert (await client.post(f"/assets/{asset_id}/deactivate")).status_code == 303
    assert "Retiré du prêt" in (await client.get(f"/resources/{pool.id}/assets")).text
    await login(client, cast.email("pieter"))
    assert (await client.get(f"/assets/{asset_id}/tag.png")).status_code == 403
