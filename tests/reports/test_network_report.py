"""The network report on a hand-worked month: its figures, worked out below by hand from the
rows, equal those of the query layer, the page, the CSV and the XLSX (read back with openpyxl,
an independent reader); small cells of referrals are withheld; a site manager's report covers
their own site only.

November 2026 at Saint-Denis (Paris) and Anderlecht (Brussels). Partners: Mission emploi (SD),
Centre de formation (SD), Foyer jeunes (SD), Actiris antenne (BXL).

Meetings (held unless said):
- M1 SD, zone "Plaine Commune", 5 Nov: Mission emploi present, Centre de formation present,
  Foyer jeunes absent.
- M2 SD, no zone, 20 Nov: Mission emploi present twice (two of its people), Foyer jeunes
  excused.
- M3 SD, 25 Nov, still planned: Centre de formation marked present (not held: not counted).
- M4 BXL, zone "Bruxelles-Sud", 10 Nov: Actiris antenne and Mission emploi present.
- M5 SD, 1 Dec at 00:30 in Paris (30 Nov 23:30 UTC): after the period in the site's time.
- M6 SD, 12 Nov, cancelled.
=> 3 meetings held (SD 2, BXL 1); partners present: Mission emploi, Centre de formation,
   Actiris antenne = 3 (SD 2, BXL 2); by zone: none 1 meeting 1 partner, Bruxelles-Sud 1 and 2,
   Plaine Commune 1 and 2.

Actions: A1 SD opened 5 Nov, done 18 Nov; A2 SD opened 6 Nov, under way; A3 SD opened 15 Oct,
done 2 Nov; A4 BXL opened 12 Nov, abandoned 20 Nov; A5 BXL opened 12 Nov, done 3 Dec.
=> opened 4 (SD 2, BXL 2), completed 2 (SD 2, BXL 0).

Referrals: R1 SD training sent 3 Nov; R2 SD training taken up; R3 SD job, outcome found a job;
R4 BXL housing not taken up; R5 BXL training, outcome entered training; R6 SD health, 30 Oct.
=> 5 (SD 3, BXL 2); by need training 3, job 1, housing 1; by standing sent 1, taken up 1,
   not taken up 1, found a job 1, entered training 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from lab.network.tables import (
    NetworkAction,
    NetworkContact,
    NetworkInvitation,
    NetworkMeeting,
    NetworkPartner,
    NetworkReferral,
)
from lab.reports import network
from lab.reports.filters import Filters, Period
from tests.helpers import login
from tests.personas import make_visitor

pytestmark = pytest.mark.asyncio

PARIS, BRUSSELS = ZoneInfo("Europe/Paris"), ZoneInfo("Europe/Brussels")
FIRST, LAST = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
QUERY = {"period": "custom", "first": FIRST.isoformat(), "last": LAST.isoformat()}

EXPECTED = {
    "Réunions de réseau tenues": 3,
    "Partenaires présents (organisations)": 3,
    "Actions ouvertes": 4,
    "Actions terminées": 2,
    "Orientations vers un partenaire": 5,
}
# Site lines: (meetings, partners present, actions opened, completed, referrals)
BY_SITE = {"Lab Saint-Denis": (2, 2, 2, 2, 3), "Lab Anderlecht": (1, 2, 2, 0, 2)}
BY_NEED = {"Formation": 3, "Emploi": 1, "Logement": 1, "Santé": 0, "Total": 5}
BY_STANDING = {
    "Envoyée": 1,
    "Suivie": 1,
    "Pas suivie": 1,
    "Emploi trouvé": 1,
    "Entrée en formation": 1,
    "Sans résultat": 0,
    "Total": 5,
}


def _at(zone: ZoneInfo, day: int, hour: int = 10, month: int = 11, minute: int = 0):
    return dt.datetime(2026, month, day, hour, minute, tzinfo=zone)


async def _partner(site, name: str) -> int:
    now = _at(PARIS, 1, month=10)
    row = NetworkPartner(
        site=site.id,
        name=name,
        search_name=name.lower(),
        kind="training",
        created_at=now,
        updated_at=now,
    )
    await row.save()
    return row.id


async def _contact(partner: int, first_name: str) -> int:
    now = _at(PARIS, 1, month=10)
    row = NetworkContact(
        partner=partner, first_name=first_name, last_name="Test", created_at=now, updated_at=now
    )
    await row.save()
    return row.id


async def _meeting(site, starts_at, status="held", zone="", present=(), other=()) -> None:
    meeting = NetworkMeeting(
        site=site.id,
        zone=zone,
        title="Réunion",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        status=status,
        uid=str(uuid.uuid4()),
        created_at=starts_at,
        updated_at=starts_at,
    )
    await meeting.save()
    for partner, contact, presence in [*((p, c, "present") for p, c in present), *other]:
        await NetworkInvitation(
            meeting=meeting.id,
            partner=partner,
            contact=contact,
            presence=presence,
            invited_at=starts_at,
        ).save()


async def _action(site, created_at, status="proposed", closed_at=None) -> None:
    await NetworkAction(
        site=site.id,
        title="Action",
        status=status,
        created_at=created_at,
        updated_at=closed_at or created_at,
        closed_at=closed_at,
    ).save()


async def _referral(site, partner, need, created_at, status="sent", outcome=None) -> None:
    visitor = await make_visitor(site, "Jeune", uuid.uuid4().hex[:8].replace("0", "a"))
    await NetworkReferral(
        visitor=visitor.id,
        site=site.id,
        partner=partner,
        need=need,
        consent_at=created_at,
        status=status,
        outcome=outcome,
        created_at=created_at,
        updated_at=created_at,
    ).save()


@pytest.fixture
async def month(cast):
    sd, bxl = cast.saint_denis, cast.brussels
    emploi = await _partner(sd, "Mission emploi")
    formation = await _partner(sd, "Centre de formation")
    foyer = await _partner(sd, "Foyer jeunes")
    actiris = await _partner(bxl, "Actiris antenne")
    anna, marc = await _contact(emploi, "Anna"), await _contact(emploi, "Marc")
    await _meeting(
        sd,
        _at(PARIS, 5),
        zone="Plaine Commune",
        present=[(emploi, anna), (formation, None)],
        other=[(foyer, None, "absent")],
    )
    await _meeting(
        sd,
        _at(PARIS, 20),
        present=[(emploi, anna), (emploi, marc)],
        other=[(foyer, None, "excused")],
    )
    await _meeting(sd, _at(PARIS, 25), status="planned", present=[(formation, None)])
    await _meeting(
        bxl, _at(BRUSSELS, 10), zone="Bruxelles-Sud", present=[(actiris, None), (emploi, marc)]
    )
    await _meeting(sd, _at(PARIS, 1, 0, month=12, minute=30), present=[(foyer, None)])
    await _meeting(sd, _at(PARIS, 12), status="cancelled", present=[(foyer, None)])
    await _action(sd, _at(PARIS, 5), "done", _at(PARIS, 18))
    await _action(sd, _at(PARIS, 6), "under_way")
    await _action(sd, _at(PARIS, 15, month=10), "done", _at(PARIS, 2))
    await _action(bxl, _at(BRUSSELS, 12), "abandoned", _at(BRUSSELS, 20))
    await _action(bxl, _at(BRUSSELS, 12), "done", _at(BRUSSELS, 3, month=12))
    await _referral(sd, emploi, "training", _at(PARIS, 3))
    await _referral(sd, formation, "training", _at(PARIS, 4), "taken_up")
    await _referral(sd, emploi, "job", _at(PARIS, 9), "outcome_known", "found_job")
    await _referral(bxl, actiris, "housing", _at(BRUSSELS, 9), "not_taken_up")
    await _referral(bxl, actiris, "training", _at(BRUSSELS, 16), "outcome_known", "found_training")
    await _referral(sd, foyer, "health", _at(PARIS, 30, month=10))


def _filters(cast) -> Filters:
    return Filters(
        period=Period(FIRST, LAST),
        site_ids=(cast.saint_denis.id, cast.brussels.id),
        zones={"Europe/Brussels": (cast.brussels.id,), "Europe/Paris": (cast.saint_denis.id,)},
    )


async def test_the_query_layer_gives_the_hand_worked_figures(cast, month) -> None:
    figures = await network.network_figures(_filters(cast))
    assert (
        figures.meetings_held,
        figures.partners_present,
        figures.actions_opened,
        figures.actions_completed,
        figures.referrals,
    ) == tuple(EXPECTED.values())
    lines = {
        line.site_id: (
            line.meetings,
            line.partners_present,
            line.actions_opened,
            line.actions_completed,
            line.referrals,
        )
        for line in figures.sites
    }
    assert lines == {
        cast.saint_denis.id: BY_SITE["Lab Saint-Denis"],
        cast.brussels.id: BY_SITE["Lab Anderlecht"],
    }
    assert figures.zones == (("", 1, 1), ("Bruxelles-Sud", 1, 2), ("Plaine Commune", 1, 2))
    assert figures.by_need == {"training": 3, "job": 1, "housing": 1}
    assert figures.by_standing == {
        "sent": 1,
        "taken_up": 1,
        "not_taken_up": 1,
        "outcome:found_job": 1,
        "outcome:found_training": 1,
    }


async def test_a_zone_keeps_its_meetings_only(cast, month) -> None:
    figures = await network.network_figures(_filters(cast), "Plaine Commune")
    assert (figures.meetings_held, figures.partners_present) == (1, 2)
    assert figures.referrals == 5  # referrals belong to sites, not to a meeting's zone


def _plain(rows) -> list[list]:
    """Rows with French typography's narrow no-break spaces read as plain spaces."""
    return [
        [
            cell.replace("\u202f", " ").replace("\xa0", " ") if isinstance(cell, str) else cell
            for cell in row
        ]
        for row in rows
    ]


def _site_lines(rows) -> dict[str, tuple]:
    return {row[0]: tuple(row[1:6]) for row in rows if row and row[0] in BY_SITE}


async def _get(client, path: str, **extra):
    response = await client.get(path, params={**QUERY, **extra})
    assert response.status_code == 200, response.text
    return response


async def test_the_page_the_csv_and_the_xlsx_show_the_same_figures(
    client, cast, month, every_count
) -> None:
    await login(client, cast.email("nadia"))
    html = (await _get(client, "/reports/network")).text
    for label, value in EXPECTED.items():
        assert f'data-value="{value}">' in html.split(label)[0].rsplit("<li", 1)[1], label
    assert 'id="table-network_sites"' in html
    assert 'id="table-referrals_by_need"' in html

    raw = (await _get(client, "/reports/network/files/csv")).content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _plain(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    pairs = {row[0]: row[1] for row in rows if len(row) == 2}
    for label, value in EXPECTED.items():
        assert int(pairs[label]) == value, label
    assert {name: tuple(map(int, line)) for name, line in _site_lines(rows).items()} == BY_SITE
    for label, value in [*BY_NEED.items(), *BY_STANDING.items()]:
        assert any(row[:2] == [label, str(value)] for row in rows), label

    book = openpyxl.load_workbook(
        io.BytesIO((await _get(client, "/reports/network/files/xlsx")).content)
    )
    cells = [
        tuple(row)
        for row in _plain(
            row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        )
    ]
    pairs = {row[0]: row[1] for row in cells if row and isinstance(row[0], str) and len(row) > 1}
    for label, value in EXPECTED.items():
        assert pairs[label] == value, label
        assert isinstance(pairs[label], int)  # numbers as numbers
    assert _site_lines(cells) == BY_SITE
    for label, value in [*BY_NEED.items(), *BY_STANDING.items()]:
        assert any(row[:2] == (label, value) for row in cells), label


async def test_the_files_withhold_small_counts_of_referrals(client, cast, month) -> None:
    await login(client, cast.email("nadia"))
    raw = (await _get(client, "/reports/network/files/csv")).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))
    need = {row[0]: row[1] for row in rows if len(row) == 2 and row[0] in BY_NEED}
    assert need["Formation"] == "< 11"
    assert need["Santé"] == "0"  # a zero gives nobody away
    pairs = {row[0]: row[1] for row in rows if len(row) == 2}
    assert pairs["Réunions de réseau tenues"] == "3"  # meetings are not people


async def test_a_site_manager_reports_on_their_own_site_only(client, cast, month, every_count):
    await login(client, cast.email("julien"))
    html = (await _get(client, "/reports/network")).text
    assert "Lab Anderlecht" not in html
    raw = (await _get(client, "/reports/network/files/csv")).content.decode("utf-8-sig")
    pairs = {row[0]: row[1] for row in csv.reader(io.StringIO(raw), delimiter=";") if len(row) == 2}
    assert pairs["Orientations vers un partenaire"] == "3"  # Saint-Denis's referrals only
    refused = await client.get("/reports/network", params={**QUERY, "site": cast.brussels.id})
    assert refused.status_code == 403


async def test_a_facilitator_has_no_network_report(client, cast, month) -> None:
    await login(client, cast.email("awa"))
    response = await client.get("/reports/network", params=QUERY)
    assert response.status_code == 403


async def test_an_unknown_zone_is_refused_in_the_readers_words(client, cast, month) -> None:
    await login(client, cast.email("nadia"))
    response = await client.get("/reports/network", params={**QUERY, "zone": "Nulle part"})
    assert response.status_code == 422
    assert "Cette zone n&#39;a aucune réunion dans vos sites." in response.text
