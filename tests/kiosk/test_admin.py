"""Staff managing tablets, and resolving what the tablets' scans left behind."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import re
import subprocess
import sys
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance import services as attendance
from lab.attendance.services import ScanRefused
from lab.attendance.tables import Attendance, ScanEvent
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.tables import AuditLog
from lab.kiosk import admin, devices, syncs
from lab.kiosk.tables import KioskDevice, ScanReview
from lab.settings import PROJECT_ROOT
from lab.system import operator
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.conftest import SECRET
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

NOW = at(9, 55)


async def _paired(cast, name: str = "Tablette accueil", site: str = "saint_denis"):
    manager = await cast.principal("julien" if site == "saint_denis" else "pieter")
    _device, code = await devices.create_device(manager, getattr(cast, site).id, name)
    _, credential = await devices.pair(code)
    return await devices.device_for(credential), credential


@pytest.fixture
async def lab(cast):
    """A workshop at 10:00 in Saint-Denis with Yanis enrolled, a paired tablet, and 09:55."""
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, title="Atelier CV", capacity=5)
    session = await make_session(module, at(10))
    yanis = await make_visitor(cast.saint_denis, "Yanis", "Martin")
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=yanis.id))
    freeze(NOW)
    tablet, _ = await _paired(cast)
    return {"awa": awa, "session": session, "yanis": yanis, "tablet": tablet}


async def _refused_scan(lab, visitor, expected: str) -> ScanEvent:
    """A visitor scans their pass on the tablet and is refused (the kiosk's own call)."""
    _, token = await visitors.reissue_pass(lab["awa"], visitor.id)
    nonce = str(uuid.uuid4())
    with pytest.raises(ScanRefused) as refused:
        await attendance.check_in(
            attendance.Scan(
                by=lab["tablet"],
                session_id=lab["session"].id,
                nonce=nonce,
                method="kiosk_scan",
                code=token,
                client_at=NOW - dt.timedelta(minutes=1),
            )
        )
    assert refused.value.code == expected
    return await ScanEvent.objects().where(ScanEvent.nonce == nonce).first()


async def _journal(device_id: int, received_at: dt.datetime, **fields) -> ScanEvent:
    """A journal row as the kiosk's offline sync writes it."""
    scan = ScanEvent(
        nonce=str(uuid.uuid4()),
        method="kiosk_scan",
        device_id=device_id,
        received_at=received_at,
        outcome=fields.pop("outcome", "accepted"),
        **fields,
    )
    await scan.save()
    return scan


# --- tablets -------------------------------------------------------------------------------


async def test_a_manager_renames_a_tablet_and_limits_what_it_does(cast):
    julien = await cast.principal("julien")
    tablet, credential = await _paired(cast)
    row = await admin.update_device(julien, tablet.device_id, " Borne   salle 2 ", ["checkin"])
    assert (row.name, row.actions, row.state) == ("Borne salle 2", ("checkin",), "paired")
    principal = await devices.device_for(credential)
    assert principal.may("checkin") and not principal.may("book")
    entry = await AuditLog.objects().where(AuditLog.action == "kiosk.updated").first()
    assert json.loads(entry.data)["before"]["name"] == "Tablette accueil"


async def test_a_tablet_needs_a_name_and_at_least_one_action(cast):
    julien = await cast.principal("julien")
    tablet, _ = await _paired(cast)
    with pytest.raises(Invalid) as no_action:
        await admin.update_device(julien, tablet.device_id, "Borne", [])
    assert "allowed_actions" in no_action.value.field_errors
    with pytest.raises(Invalid) as no_name:
        await admin.update_device(julien, tablet.device_id, "  ", ["checkin"])
    assert "name" in no_name.value.field_errors


async def test_a_new_pairing_code_retires_the_old_credential_at_once(cast):
    julien = await cast.principal("julien")
    tablet, old_credential = await _paired(cast)
    row, code = await admin.new_pairing_code(julien, tablet.device_id)
    assert row.state == "waiting"
    assert await devices.device_for(old_credential) is None
    _, new_credential = await devices.pair(code)
    assert (await devices.device_for(new_credential)).device_id == tablet.device_id
    assert (await admin.get_device_row(julien, tablet.device_id)).state == "paired"


async def test_only_the_latest_unused_code_is_shown_again(cast):
    julien = await cast.principal("julien")
    freeze(NOW)
    device, first = await devices.create_device(julien, cast.saint_denis.id, "Tablette")
    assert await admin.live_pairing_code(julien, device.id, first) == first
    _, second = await admin.new_pairing_code(julien, device.id)
    assert await admin.live_pairing_code(julien, device.id, first) is None
    freeze(NOW + dt.timedelta(minutes=16))
    assert await admin.live_pairing_code(julien, device.id, second) is None


async def test_a_revoked_tablet_stays_revoked(cast):
    julien = await cast.principal("julien")
    tablet, _ = await _paired(cast)
    await devices.revoke(julien, tablet.device_id)
    for change in (
        admin.new_pairing_code(julien, tablet.device_id),
        admin.update_device(julien, tablet.device_id, "Encore", ["checkin"]),
    ):
        with pytest.raises(Conflict) as refused:
            await change
        assert refused.value.code == "revoked"


async def test_the_list_shows_each_tablets_state_in_service_first(cast):
    julien = await cast.principal("julien")
    freeze(NOW)
    await devices.create_device(julien, cast.saint_denis.id, "Expirée")
    freeze(NOW + dt.timedelta(minutes=20))
    await devices.create_device(julien, cast.saint_denis.id, "En attente")
    gone, _ = await _paired(cast, "Perdue")
    await devices.revoke(julien, gone.device_id)
    await _paired(cast, "Accueil")
    await _paired(cast, "Bruxelles", site="brussels")
    rows = await admin.device_rows(julien, cast.saint_denis.id)
    assert [(row.name, row.state) for row in rows] == [
        ("Accueil", "paired"),
        ("En attente", "waiting"),
        ("Expirée", "unpaired"),
        ("Perdue", "revoked"),
    ]
    assert rows[1].pairing_expires_at == NOW + dt.timedelta(minutes=35)


async def test_facilitators_and_other_sites_do_not_manage_tablets(cast):
    tablet, _ = await _paired(cast)
    for who in ("awa", "pieter", "sofia"):
        actor = await cast.principal(who)
        with pytest.raises(Forbidden):
            await admin.update_device(actor, tablet.device_id, "X", ["checkin"])
        with pytest.raises(Forbidden):
            await admin.new_pairing_code(actor, tablet.device_id)
        with pytest.raises(Forbidden):
            await admin.device_rows(actor, cast.saint_denis.id)


async def test_the_command_line_creates_tablets_as_the_system(cast):
    device, code = await devices.create_device(await operator(), cast.brussels.id, "Borne")
    assert device.created_by is None and len(code) == 8
    entry = await AuditLog.objects().where(AuditLog.action == "kiosk.created").first()
    assert (entry.actor_kind, entry.actor_id) == ("system", None)


async def test_the_kiosk_code_command_adds_a_tablet_and_re_pairs_it(tmp_path, database_url, cast):
    env = {
        **os.environ,
        "LAB_DATABASE_URL": database_url,
        "LAB_DATA_DIR": str(tmp_path),
        "LAB_SECRET_KEY": SECRET,
    }

    async def kiosk_code(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "lab.cli", "kiosk-code", *options]
        return await asyncio.to_thread(
            subprocess.run, command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
        )

    def code_in(output: str) -> str:
        return re.search(r"Pairing code: ([2-9A-Z]{4}-[2-9A-Z]{4})", output).group(1)

    made = await kiosk_code("--site", "saint-denis", "--name", "Borne", "--actions", "checkin")
    assert made.returncode == 0, made.stderr
    device = await KioskDevice.objects().first()
    assert (device.name, device.allowed_actions, device.created_by) == ("Borne", "checkin", None)
    _, first = await devices.pair(code_in(made.stdout))
    again = await kiosk_code("--device", str(device.id))
    assert again.returncode == 0, again.stderr
    assert "Valid once, until" in again.stdout
    assert await devices.device_for(first) is None  # re-pairing retires the old credential
    _, second = await devices.pair(code_in(again.stdout))
    assert (await devices.device_for(second)).device_id == device.id
    wrong = await kiosk_code("--site", "saint-denis")
    assert wrong.returncode != 0 and "--site SLUG --name NAME" in wrong.stderr


# --- refused scans ---------------------------------------------------------------------------


async def test_a_refused_tablet_scan_waits_for_staff_with_its_reason(lab, cast):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    scan = await _refused_scan(lab, lea, "not_enrolled")
    [row] = await syncs.refused_scans(lab["awa"], cast.saint_denis.id)
    assert row.id == scan.id and row.device_name == "Tablette accueil"
    assert (row.session_title, row.session_starts_at) == ("Atelier CV", at(10))
    assert row.visitor_name == "Léa Petit"
    assert row.reason_label == attendance.REFUSALS["not_enrolled"]
    assert row.client_at == NOW - dt.timedelta(minutes=1) and row.received_at == NOW
    assert row.can_check_in


async def test_a_visitor_of_another_site_stays_anonymous(lab, cast):
    pieter = await cast.principal("pieter")
    lars = await make_visitor(cast.brussels, "Lars", "Peeters")
    _, token = await visitors.reissue_pass(pieter, lars.id)
    with pytest.raises(ScanRefused):
        await attendance.check_in(
            attendance.Scan(
                by=lab["tablet"],
                session_id=lab["session"].id,
                nonce=str(uuid.uuid4()),
                method="kiosk_scan",
                code=token,
            )
        )
    [row] = await syncs.refused_scans(lab["awa"], cast.saint_denis.id)
    assert row.reason == "other_site"
    assert row.visitor_name is None and row.visitor_id is None and not row.can_check_in


async def test_checking_in_anyway_marks_present_reviews_and_audits_together(lab, cast):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    scan = await _refused_scan(lab, lea, "not_enrolled")
    review = await syncs.resolve(lab["awa"], scan.id, "checked_in")
    assert (review.resolution, review.resolved_by) == ("checked_in", lab["awa"].user_id)
    presence = await Attendance.objects().where(Attendance.visitor == lea.id).first()
    assert (presence.status, presence.session) == ("present", lab["session"].id)
    entry = await AuditLog.objects().where(AuditLog.action == "kiosk.scan_reviewed").first()
    assert json.loads(entry.data)["client_at"].startswith("2026-12-01 08:54")
    assert await syncs.refused_scans(lab["awa"], cast.saint_denis.id) == []
    again = await syncs.scan_row(lab["awa"], scan.id)
    assert again.review.resolution == "checked_in" and again.review.by_name == "Awa"


async def test_a_scan_is_reviewed_once_even_by_two_people_at_the_same_time(lab, cast):
    julien = await cast.principal("julien")
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    scan = await _refused_scan(lab, lea, "not_enrolled")
    results = await asyncio.gather(
        syncs.resolve(lab["awa"], scan.id, "checked_in"),
        syncs.resolve(julien, scan.id, "dismissed", "Doublon"),
        return_exceptions=True,
    )
    refused = [result for result in results if isinstance(result, Exception)]
    assert len(refused) == 1 and refused[0].code == "already_reviewed"
    assert await ScanReview.count() == 1


async def test_dismissing_needs_a_note(lab, cast):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    scan = await _refused_scan(lab, lea, "not_enrolled")
    with pytest.raises(Invalid) as refused:
        await syncs.resolve(lab["awa"], scan.id, "dismissed", "   ")
    assert "note" in refused.value.field_errors
    review = await syncs.resolve(lab["awa"], scan.id, "dismissed", "Venue pour un autre atelier")
    assert review.note == "Venue pour un autre atelier"
    assert await Attendance.count() == 0


async def test_an_unknown_pass_can_only_be_filed(lab, cast):
    scan = await _journal(
        lab["tablet"].device_id,
        NOW,
        session=lab["session"].id,
        outcome="refused",
        reason="unknown_pass",
    )
    [row] = await syncs.refused_scans(lab["awa"], cast.saint_denis.id)
    assert row.visitor_name is None and not row.can_check_in
    with pytest.raises(Conflict) as refused:
        await syncs.resolve(lab["awa"], scan.id, "checked_in")
    assert refused.value.code == "cannot_check_in"
    assert await ScanReview.count() == 0


async def test_a_refused_check_in_leaves_no_review_behind(lab, cast):
    """mark() refuses a visitor of another site: the review is rolled back with it."""
    lars = await make_visitor(cast.brussels, "Lars", "Peeters")
    scan = await _journal(
        lab["tablet"].device_id,
        NOW,
        session=lab["session"].id,
        visitor=lars.id,
        outcome="refused",
        reason="other_site",
    )
    with pytest.raises(Forbidden) as refused:
        await syncs.resolve(lab["awa"], scan.id, "checked_in")
    assert refused.value.code == "other_site"
    assert await ScanReview.count() == 0 and await Attendance.count() == 0


async def test_another_sites_staff_neither_see_nor_resolve_the_scans(lab, cast):
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    scan = await _refused_scan(lab, lea, "not_enrolled")
    for who in ("pieter", "sofia"):
        actor = await cast.principal(who)
        with pytest.raises(Forbidden):
            await syncs.refused_scans(actor, cast.saint_denis.id)
        with pytest.raises(Forbidden):
            await syncs.resolve(actor, scan.id, "dismissed", "Pas chez nous")
    assert await syncs.refused_scans(await cast.principal("pieter"), cast.brussels.id) == []


async def test_accepted_and_staff_scans_are_not_to_resolve(lab, cast):
    await _journal(lab["tablet"].device_id, NOW, session=lab["session"].id)
    staff_scan = ScanEvent(
        nonce=str(uuid.uuid4()),
        method="staff_scan",
        staff_user=lab["awa"].user_id,
        received_at=NOW,
        outcome="refused",
        reason="not_enrolled",
    )
    await staff_scan.save()
    assert await syncs.refused_scans(lab["awa"], cast.saint_denis.id) == []


# --- late syncs and clocks --------------------------------------------------------------------


async def test_late_syncs_are_offline_scans_received_over_five_minutes_later(lab, cast):
    tablet = lab["tablet"].device_id
    late = await _journal(tablet, NOW, offline=True, client_at=NOW - dt.timedelta(minutes=42))
    await _journal(tablet, NOW, offline=True, client_at=NOW - dt.timedelta(minutes=4))
    await _journal(tablet, NOW, offline=False, client_at=NOW - dt.timedelta(minutes=30))
    old = NOW - dt.timedelta(days=8)
    await _journal(tablet, old, offline=True, client_at=old - dt.timedelta(hours=1))
    other_tablet, _ = await _paired(cast, "Bruxelles", site="brussels")
    await _journal(other_tablet.device_id, NOW, offline=True, client_at=NOW - dt.timedelta(hours=2))
    [row] = await syncs.late_syncs(lab["awa"], cast.saint_denis.id)
    assert row.id == late.id and row.delay == dt.timedelta(minutes=42)


async def test_tablets_whose_clock_is_off_by_over_two_minutes_are_flagged(lab, cast):
    tablet = lab["tablet"].device_id
    for minutes, skew in ((30, 150), (20, -400), (10, 200), (5, 60)):
        await _journal(tablet, NOW - dt.timedelta(minutes=minutes), clock_skew_seconds=skew)
    on_time, _ = await _paired(cast, "À l'heure")
    await _journal(on_time.device_id, NOW, clock_skew_seconds=-90)
    [problem] = await syncs.clock_problems(lab["awa"], cast.saint_denis.id)
    assert (problem.device_name, problem.scans) == ("Tablette accueil", 3)
    assert (problem.worst_seconds, problem.last_seconds) == (-400, 200)
    assert problem.last_at == NOW - dt.timedelta(minutes=10)


async def test_the_device_of_a_scan_is_kept_even_once_revoked(lab, cast):
    julien = await cast.principal("julien")
    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    await _refused_scan(lab, lea, "not_enrolled")
    await devices.revoke(julien, lab["tablet"].device_id)
    [row] = await syncs.refused_scans(lab["awa"], cast.saint_denis.id)
    assert row.device_name == "Tablette accueil"
    assert await KioskDevice.count() == 1


async def test_an_offline_tablet_scan_shows_in_every_list_it_belongs_to(lab, cast):
    """The kiosk's own check-in journals what these lists read: a scan made at 10:05 on a
    tablet 3 minutes ahead, sent at 10:45 when the network came back, refused."""
    from lab.kiosk.services import check_in_at_kiosk

    lea = await make_visitor(cast.saint_denis, "Léa", "Petit")
    _, token = await visitors.reissue_pass(lab["awa"], lea.id)
    ahead = dt.timedelta(minutes=3)
    freeze(at(10, 45))
    with pytest.raises(ScanRefused):
        await check_in_at_kiosk(
            lab["tablet"],
            code=token,
            nonce=str(uuid.uuid4()),
            client_at=at(10, 5) + ahead,
            sent_at=at(10, 45) + ahead,
            offline=True,
        )
    site = cast.saint_denis.id
    [refused] = await syncs.refused_scans(lab["awa"], site)
    assert (refused.reason, refused.offline, refused.client_at) == ("not_enrolled", True, at(10, 5))
    assert refused.session_id == lab["session"].id and refused.can_check_in
    [late] = await syncs.late_syncs(lab["awa"], site)
    assert late.id == refused.id and late.delay == dt.timedelta(minutes=40)
    [clock_problem] = await syncs.clock_problems(lab["awa"], site)
    assert clock_problem.worst_seconds == 180  # positive: the tablet is ahead
    await syncs.resolve(lab["awa"], refused.id, "checked_in")
    assert await syncs.refused_scans(lab["awa"], site) == []
