"""Staff pages about tablets: /kiosks (managers) and /kiosks/sync (every staff member)."""

from __future__ import annotations

import re
import uuid

import pytest

from lab.attendance.tables import Attendance, ScanEvent
from lab.core import clock
from lab.kiosk import devices
from lab.kiosk.tables import KioskDevice, ScanReview
from tests.bookings.factories import at, freeze
from tests.forms import new_tablet
from tests.helpers import login
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

HTMX = {"HX-Request": "true"}
CODE = re.compile(r'id="pairing-code">([2-9A-Z]{4}-[2-9A-Z]{4})<')


async def _tablet(cast, name: str = "Tablette accueil", site: str = "saint_denis"):
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    device, code = await devices.create_device(manager, getattr(cast, site).id, name)
    _, credential = await devices.pair(code)
    return device, credential


@pytest.fixture
async def refused(cast):
    """A scan the Saint-Denis tablet refused: Léa is not enrolled in the 10:00 workshop."""
    module = await make_module(cast.saint_denis, title="Atelier CV")
    session = await make_session(module, at(10))
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    device, _ = await _tablet(cast)
    scan = ScanEvent(
        nonce=str(uuid.uuid4()),
        method="kiosk_scan",
        device_id=device.id,
        session=session.id,
        visitor=lea.id,
        client_at=at(9, 50),
        received_at=at(10, 20),
        offline=True,
        clock_skew_seconds=-300,
        outcome="refused",
        reason="not_enrolled",
    )
    await scan.save()
    return {"scan": scan, "session": session, "lea": lea, "device": device}


# --- tablets -------------------------------------------------------------------------------


async def test_a_manager_creates_a_tablet_and_sees_its_pairing_code_and_qr(client, cast):
    freeze(at(9))
    await login(client, cast.email("julien"))
    form = await client.get("/kiosks/new")
    assert form.status_code == 200 and 'name="allowed_actions"' in form.text
    response = await client.post("/kiosks", data=new_tablet(cast.saint_denis.id))
    assert response.status_code == 303
    device = await KioskDevice.objects().first()
    assert response.headers["location"] == f"/kiosks/{device.id}/pairing?done=tablet_added"
    assert device.allowed_actions == "checkin,book"
    page = await client.get(f"/kiosks/{device.id}/pairing")
    assert page.status_code == 200 and "<svg" in page.text
    assert "09:15" in page.text  # valid 15 minutes, shown in Paris time
    code = CODE.search(page.text).group(1)
    _, credential = await devices.pair(code)
    assert await devices.device_for(credential) is not None
    again = await client.get(f"/kiosks/{device.id}/pairing")
    assert CODE.search(again.text) is None  # used: nothing left to show
    listing = await client.get(f"/kiosks?site={cast.saint_denis.id}")
    assert "Tablette accueil" in listing.text and "En service" in listing.text


def test_the_pairing_qr_keeps_the_code_out_of_server_logs():
    assert devices.pair_url("https://lab.example", "ABCD2345") == (
        "https://lab.example/kiosk/pair#code=ABCD2345"
    )


async def test_a_pairing_code_is_shown_only_to_whoever_asked_for_it(client, cast):
    await login(client, cast.email("julien"))
    await client.post(
        "/kiosks",
        data={"site_id": str(cast.saint_denis.id), "name": "Borne", "allowed_actions": "checkin"},
    )
    device = await KioskDevice.objects().first()
    client.cookies.clear()  # another staff member, in another browser
    del client.headers["x-csrftoken"]
    await login(client, cast.email("camille"))
    page = await client.get(f"/kiosks/{device.id}/pairing")
    assert page.status_code == 200 and CODE.search(page.text) is None


async def test_a_manager_renames_repairs_and_revokes_a_tablet(client, cast):
    device, credential = await _tablet(cast)
    await login(client, cast.email("julien"))
    edit = await client.get(f"/kiosks/{device.id}/edit")
    assert edit.status_code == 200 and 'value="Tablette accueil"' in edit.text
    saved = await client.post(
        f"/kiosks/{device.id}", data={"name": "Borne salle 2", "allowed_actions": ["checkin"]}
    )
    assert saved.status_code == 303
    assert (await devices.device_for(credential)).allowed_actions == frozenset({"checkin"})
    repaired = await client.post(f"/kiosks/{device.id}/pairing")
    assert repaired.headers["location"] == f"/kiosks/{device.id}/pairing"
    assert await devices.device_for(credential) is None
    page = await client.get(f"/kiosks/{device.id}/pairing")
    _, credential = await devices.pair(CODE.search(page.text).group(1))
    confirm = await client.get(f"/kiosks/{device.id}/revoke")
    assert confirm.status_code == 200 and "Désactiver la tablette" in confirm.text
    revoked = await client.post(f"/kiosks/{device.id}/revoke")
    assert revoked.status_code == 303 and "revoked=" in revoked.headers["location"]
    assert await devices.device_for(credential) is None


async def test_a_form_with_no_action_comes_back_as_a_fragment_with_its_errors(client, cast):
    await login(client, cast.email("julien"))
    response = await client.post(
        "/kiosks", data={"site_id": str(cast.saint_denis.id), "name": "Borne"}, headers=HTMX
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form method="post" id="kiosk-form"')
    assert 'id="e-allowed_actions"' in response.text
    assert await KioskDevice.count() == 0


async def test_a_facilitator_may_not_manage_tablets_but_sees_sync_problems(client, cast):
    device, _ = await _tablet(cast)
    await login(client, cast.email("awa"))
    for path in ("/kiosks", "/kiosks/new", f"/kiosks/{device.id}/edit"):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.post(f"/kiosks/{device.id}/revoke")).status_code == 403
    page = await client.get("/kiosks/sync")
    assert page.status_code == 200 and 'href="/kiosks/sync"' in page.text  # the nav link


async def test_another_sites_manager_gets_403(client, cast, refused):
    device = refused["device"]
    await login(client, cast.email("pieter"))
    for path in (f"/kiosks?site={cast.saint_denis.id}", f"/kiosks/{device.id}/pairing"):
        assert (await client.get(path)).status_code == 403, path
    assert (await client.post(f"/kiosks/{device.id}/pairing")).status_code == 403
    assert (await client.get(f"/kiosks/sync?site={cast.saint_denis.id}")).status_code == 403
    resolve = await client.post(
        f"/kiosks/sync/{refused['scan'].id}", data={"resolution": "dismissed", "note": "Non"}
    )
    assert resolve.status_code == 403
    assert await ScanReview.count() == 0


# --- sync problems -------------------------------------------------------------------------


async def test_the_sync_page_lists_refused_and_late_scans_and_wrong_clocks(client, cast, refused):
    freeze(at(10, 30))
    await login(client, cast.email("awa"))
    page = await client.get("/kiosks/sync")
    assert page.status_code == 200
    refused_table = page.text.split('id="late-syncs"')[0]
    assert f'id="scan-{refused["scan"].id}"' in refused_table
    assert "Léa Petit" in refused_table and "Atelier CV" in refused_table
    assert "pas inscrite" in refused_table
    late_table, clock_table = page.text.split('id="late-syncs"')[1].split('id="clock-problems"')
    assert "30 min" in late_table  # received half an hour late
    assert "5 min de retard" in clock_table  # the tablet's clock is 5 minutes behind


async def test_resolving_a_scan_over_htmx_swaps_its_row(client, cast, refused):
    await login(client, cast.email("awa"))
    scan = refused["scan"]
    response = await client.post(
        f"/kiosks/sync/{scan.id}", data={"resolution": "checked_in", "note": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="scan-{scan.id}">')
    assert "Marqué·e présent·e" in response.text and "<html" not in response.text
    presence = await Attendance.objects().first()
    assert (presence.visitor, presence.status) == (refused["lea"].id, "present")
    again = await client.post(
        f"/kiosks/sync/{scan.id}", data={"resolution": "dismissed", "note": "X"}, headers=HTMX
    )
    assert again.status_code == 409 and "déjà traité" in again.text


async def test_resolving_without_javascript_comes_back_to_the_page(client, cast, refused):
    await login(client, cast.email("julien"))
    scan = refused["scan"]
    missing_note = await client.post(f"/kiosks/sync/{scan.id}", data={"resolution": "dismissed"})
    assert missing_note.status_code == 422
    assert "<html" in missing_note.text and f'id="e-note-{scan.id}"' in missing_note.text
    done = await client.post(
        f"/kiosks/sync/{scan.id}", data={"resolution": "dismissed", "note": "Erreur de carte"}
    )
    assert done.status_code == 303
    assert done.headers["location"] == (
        f"/kiosks/sync?site={cast.saint_denis.id}&resolved={scan.id}"
    )
    review = await ScanReview.objects().first()
    assert (review.resolution, review.note) == ("dismissed", "Erreur de carte")
    assert clock.now() >= review.resolved_at
