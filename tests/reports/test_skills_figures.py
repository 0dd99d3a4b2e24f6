"""Digital skills in the reports, worked out by hand on the hand-made dataset's two sites.

Evidence (November 2025 unless said):
- Amira, Saint-Denis: a self-assessment of « mail » (with help, no session); observed « mail »
  on her own at S1, twice (one validation).
- Bilal, Saint-Denis: « cv_doc » on his own by completing Atelier CV. Anderlecht: observed
  « mail » with help at S3 (no validation).
- Dana, Anderlecht: observed « search » on her own at S3.
- Chris, Saint-Denis: a self-assessment in October (outside the period).
Badges: Amira « mail » (Saint-Denis, issued 10 Nov, revoked 20 Nov, for her S1 evidence);
Dana « search » (Anderlecht, issued 20 Nov); Bilal « cv_doc » (Saint-Denis, issued 30 Oct,
revoked 2 Nov, for his completion).
Alignments: mail 2.1 (area 2), cv_doc 3.1 (area 3), search 1.1 and 1.2 (area 1, once); the
DigComp 2.2 areas and competences are the ones the migrations load.

Both sites: self 1, observed 4, completed 1; people 3; validations 3, validated people 3;
badges issued 2, revoked 2; per area 1/1/1; Atelier CV 3 evidence 2 validations, Info
collective 2 evidence 1 validation. Saint-Denis: 1/2/1, people 2, validations 2, issued 1,
revoked 2. Atelier CV only: 0/2/1, people 2, validations 2, issued 1, revoked 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets

import msgspec
import openpyxl
import pytest

from lab.reports import present, queries, skills
from lab.reports.figures import Dashboard
from lab.reports.filters import Filters, Period
from lab.reports.tables import ClosedPeriod
from lab.skills.tables import Badge, FrameworkEntry, PracticalSkill, SkillEvidence
from lab.workshops.tables import Session
from tests.helpers import login
from tests.reports import handmade

pytestmark = pytest.mark.asyncio

UTC = dt.UTC


def _at(day: str, hour: int = 12) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def _filters(cast, *sites, **narrowing) -> Filters:
    sites = sites or (cast.saint_denis.id, cast.brussels.id)
    zones = {
        zone: tuple(site for site in sites if site == wanted)
        for zone, wanted in (
            ("Europe/Brussels", cast.brussels.id),
            ("Europe/Paris", cast.saint_denis.id),
        )
    }
    return Filters(
        period=Period(handmade.FIRST, handmade.LAST),
        site_ids=tuple(sites),
        zones={zone: found for zone, found in zones.items() if found},
        **narrowing,
    )


@pytest.fixture
async def skill_data(cast, data):
    for code, codes in (("mail", ["2.1"]), ("cv_doc", ["3.1"]), ("search", ["1.1", "1.2"])):
        await PracticalSkill(
            code=code,
            name_fr=code,
            name_en=code,
            name_nl=code,
            sentence_fr=code,
            sentence_en=code,
            sentence_nl=code,
            alignments=[
                {"framework": "digcomp", "version": "2.2", "code": c, "level": 2} for c in codes
            ],
        ).save()
    people, s = data.people, data.sessions
    modules = {
        row["id"]: row["module"]
        for row in await Session.select(Session.id, Session.module).where(
            Session.id.is_in(list(s.values()))
        )
    }
    cv, info = modules[s["S1"]], modules[s["S3"]]
    sd, bx = cast.saint_denis.id, cast.brussels.id

    async def evidence(who, skill, level, source, site, at, session=None, module=None):
        row = SkillEvidence(
            visitor=people[who],
            skill=skill,
            level=level,
            source=source,
            site=site,
            session=session,
            module=module,
            at=at,
        )
        await row.save()
        return row.id

    await evidence("Amira", "mail", "with_help", "self", sd, _at("2025-11-05"))
    observed = await evidence(
        "Amira", "mail", "on_my_own", "facilitator", sd, _at("2025-11-10"), session=s["S1"]
    )
    await evidence(
        "Amira", "mail", "on_my_own", "facilitator", sd, _at("2025-11-10", 13), session=s["S1"]
    )
    completion = await evidence(
        "Bilal", "cv_doc", "on_my_own", "completion", sd, _at("2025-11-12"), module=cv
    )
    await evidence(
        "Bilal", "mail", "with_help", "facilitator", bx, _at("2025-11-20"), session=s["S3"]
    )
    dana = await evidence(
        "Dana", "search", "on_my_own", "facilitator", bx, _at("2025-11-20"), session=s["S3"]
    )
    await evidence("Chris", "mail", "with_help", "self", sd, _at("2025-10-20"))
    for index, (who, skill, site, source, issued, revoked) in enumerate(
        (
            ("Amira", "mail", sd, observed, "2025-11-10", "2025-11-20"),
            ("Dana", "search", bx, dana, "2025-11-20", None),
            ("Bilal", "cv_doc", sd, completion, "2025-10-30", "2025-11-02"),
        )
    ):
        await Badge(
            public_id=secrets.token_hex(16),
            visitor=people[who],
            skill=skill,
            evidence=source,
            site=site,
            issued_at=_at(issued),
            key_id="test-key",
            status_index=index,
            credential="-",
            revoked_at=_at(revoked) if revoked else None,
        ).save()
    return {"cv": cv, "info": info, "people": people}


def _counts(s) -> tuple:
    return (
        s.self_assessed,
        s.observed,
        s.completed,
        s.people,
        s.validations,
        s.validated_people,
        s.badges_issued,
        s.badges_revoked,
    )


async def test_both_sites_give_the_hand_worked_figures(cast, skill_data) -> None:
    s = await skills.skill_figures(_filters(cast))
    assert _counts(s) == (1, 4, 1, 3, 3, 3, 2, 2)
    assert s.evidence == 6
    areas = await FrameworkEntry.select(FrameworkEntry.code, FrameworkEntry.label_en).where(
        (FrameworkEntry.framework == "digcomp") & (FrameworkEntry.kind == "area")
    )
    assert [(a.code, a.labels["en"], a.validations) for a in s.areas] == [
        (row["code"], row["label_en"], 1 if row["code"] in ("1", "2", "3") else 0)
        for row in sorted(areas, key=lambda row: row["code"])
    ]
    assert [(m.module_id, m.title, m.evidence, m.validations) for m in s.modules] == [
        (skill_data["cv"], "Atelier CV", 3, 2),
        (skill_data["info"], "Info collective", 2, 1),
    ]
    assert not s.linked_only
    d = await queries.dashboard(_filters(cast))
    assert d.skills == s


async def test_one_site_counts_its_own_evidence_and_badges(cast, skill_data) -> None:
    s = await skills.skill_figures(_filters(cast, cast.saint_denis.id))
    assert _counts(s) == (1, 2, 1, 2, 2, 2, 1, 2)
    b = await skills.skill_figures(_filters(cast, cast.brussels.id))
    assert _counts(b) == (0, 2, 0, 2, 1, 1, 1, 0)


async def test_a_module_filter_keeps_its_evidence_only_and_says_so(cast, skill_data) -> None:
    f = _filters(cast, module_id=skill_data["cv"])
    s = await skills.skill_figures(f)
    assert _counts(s) == (0, 2, 1, 2, 2, 2, 1, 2)
    assert s.linked_only
    tables = {table.key: table for table in present.skill_tables(await queries.dashboard(f), 1)}
    assert "auto-évaluations faites hors atelier" in tables["skills_evidence"].note


async def test_the_funder_view_withholds_small_cells(cast, skill_data) -> None:
    d = await queries.dashboard(_filters(cast))
    tables = {table.key: table for table in present.skill_tables(d, 3)}
    summary = tables["skills"]
    assert [row[1] for row in summary.rows] == [3, 3, 3, None, None]
    assert summary.mark(3, 1) == "primary"
    evidence = tables["skills_evidence"]
    # 1 and 1 hidden; they would add up to 2 = as many as they are, so 4 is hidden too.
    assert [row[1] for row in evidence.rows] == [None, None, None, 6]
    assert [evidence.mark(i, 1) for i in range(3)] == ["primary", "secondary", "primary"]
    assert [row[1] for row in tables["skills_areas"].rows] == [None, None, None, 0, 0]
    full = {table.key: table for table in present.skill_tables(d, 1)}
    assert not full["skills"].suppressed and full["skills_evidence"].rows[0][1] == 1


async def test_a_month_frozen_before_skills_still_reads(cast, skill_data) -> None:
    d = await queries.dashboard(_filters(cast))
    raw = msgspec.json.decode(msgspec.json.encode(d))
    del raw["skills"]
    old = msgspec.json.decode(msgspec.json.encode(raw), type=Dashboard)
    assert old.skills is None
    keys = [table.key for table in present.dashboard_tables(old, 1)]
    assert not any(key.startswith("skills") for key in keys)
    assert "skills_areas" in [table.key for table in present.dashboard_tables(d, 1)]


async def test_a_site_manager_reads_their_sites_skills_in_the_page_and_files(
    client, cast, skill_data, every_count
) -> None:
    await login(client, cast.email("julien"))
    page = (await client.get("/reports", params=handmade.QUERY)).text
    assert "Compétences numériques" in page
    assert "chart-skills-areas" in page
    raw = (await client.get("/reports/files/dashboard/csv", params=handmade.QUERY)).content
    lines = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    values = {row[0]: row[1] for row in lines if len(row) == 2}
    assert values["Observations des animateurs"] == "2"  # Saint-Denis only (4 in all)
    assert values["Badges révoqués"] == "2"
    book = openpyxl.load_workbook(
        io.BytesIO(
            (await client.get("/reports/files/dashboard/xlsx", params=handmade.QUERY)).content
        )
    )
    cells = {
        str(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    }
    assert "Compétences validées par domaine DigComp" in cells or any(
        re.match("Compétences", title) for title in book.sheetnames
    )
    assert "Info collective" not in cells  # Anderlecht's module


async def test_a_closed_month_freezes_its_skills_and_an_older_snapshot_still_renders(
    client, cast, skill_data, every_count
) -> None:
    await login(client, cast.email("julien"))
    query = {"period": "month", "day": "2025-11-01", "site": str(cast.saint_denis.id)}
    assert (await client.post("/reports/close", params=query)).status_code == 303
    row = await ClosedPeriod.objects().first()
    frozen = msgspec.json.decode(bytes(row.snapshot))["dashboard"]["skills"]
    assert (frozen["observed"], frozen["validations"], frozen["badges_revoked"]) == (2, 2, 2)
    before = (await client.get("/reports/files/dashboard/csv", params=query)).content
    # Evidence recorded after the closing changes the live figures, never the closed file.
    await SkillEvidence(
        visitor=skill_data["people"]["Eve"],
        skill="mail",
        level="on_my_own",
        source="facilitator",
        site=cast.saint_denis.id,
        at=_at("2025-11-25"),
    ).save()
    assert (await client.get("/reports/files/dashboard/csv", params=query)).content == before

    # A month closed before skills were counted: its snapshot has no skills at all.
    raw = msgspec.json.decode(bytes(row.snapshot))
    del raw["dashboard"]["skills"]
    await ClosedPeriod.update({ClosedPeriod.snapshot: msgspec.json.encode(raw)}).where(
        ClosedPeriod.id == row.id
    )
    page = await client.get("/reports", params=query)
    assert page.status_code == 200
    assert 'id="report-frozen"' in page.text and "chart-skills-areas" not in page.text
    old = (await client.get("/reports/files/dashboard/csv", params=query)).content
    assert "Observations des animateurs" not in old.decode("utf-8-sig")
