"""Drop-in visits through the one check-in entry point, at a tablet: the purposes to choose
from, a visit opened for one, a visit already open, leaving, and the refusals (coded, in the
visitor's words, journaled and audited, never a 500). And the queue's endpoint."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from lab.accounts import visitors
from lab.attendance.tables import Attendance, ScanEvent
from lab.core import i18n
from lab.core.tables import AuditLog
from lab.kiosk.services import KioskScanRefused, check_in_at_kiosk
from lab.visits.tables import Visit
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import at, freeze
from tests.kiosk.helpers import pair_client, paired_device
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session

API = "/kiosk/api/checkins"
SUNDAY = dt.date(2026, 12, 6)  # the sites are closed on Sundays


@pytest.fixture
async def tablet(cast):
    return await paired_device(cast)


@pytest.fixture
async def lab(cast):
    """Nour of Saint-Denis, with a pass, and nothing scheduled for her; it is 15:00."""
    awa = await cast.principal("awa")
    nour = await make_visitor(cast.saint_denis, "Nour", "Benali")
    card, token = await visitors.reissue_pass(awa, nour.id)
    freeze(at(15))
    return {"awa": awa, "nour": nour, "token": token, "short_code": card.short_code}


async def scan(tablet, code: str, *, when: dt.datetime | None = None, **extra):
    when = when or at(15)
    extra.setdefault("sent_at", when)
    extra.setdefault("visits", True)
    return await check_in_at_kiosk(
        tablet,
        code=code,
        nonce=extra.pop("nonce", None) or str(uuid.uuid4()),
        client_at=when,
        **extra,
    )


async def refused(tablet, code: str, **extra) -> KioskScanRefused:
    with pytest.raises(KioskScanRefused) as error:
        await scan(tablet, code, **extra)
    return error.value


async def test_with_nothing_scheduled_the_visitor_chooses_a_purpose_and_nothing_is_recorded(
    tablet, lab
):
    answer = await scan(tablet, lab["token"])
    assert (answer.outcome, answer.first_name, answer.kind) == ("purpose", "Nour", "visit")
    codes = [purpose.code for purpose in answer.purposes]
    assert "computer" in codes and "other" in codes
    assert await Visit.count() == 0 and await ScanEvent.count() == 0


async def test_a_purpose_opens_the_visit_named_by_first_name_and_journaled(tablet, lab):
    answer = await scan(tablet, lab["token"], purpose="computer")
    assert (answer.outcome, answer.kind, answer.first_name) == ("accepted", "visit", "Nour")
    assert answer.title == "Utiliser une tablette ou un ordinateur"
    visit = await Visit.objects().first()
    assert (visit.visitor, visit.purpose) == (lab["nour"].id, "computer")
    assert visit.site == tablet.site_id
    assert visit.device_id == tablet.device_id and visit.arrived_at == at(15)
    event = await ScanEvent.objects().first()
    assert (event.outcome, event.visit, event.visitor) == ("accepted", visit.id, lab["nour"].id)


async def test_a_scan_during_the_visit_says_so_and_leaving_ends_it(tablet, lab):
    await scan(tablet, lab["token"], purpose="wifi")
    freeze(at(16, 30))
    again = await scan(tablet, lab["token"], when=at(16, 30))
    assert (again.outcome, again.since, again.first_name) == ("visit_open", at(15), "Nour")
    # Even with a purpose: one open visit per person and site.
    again = await scan(tablet, lab["token"], when=at(16, 30), purpose="computer")
    assert again.outcome == "visit_open" and await Visit.count() == 1
    left = await scan(tablet, lab["token"], when=at(16, 30), leaving=True)
    assert (left.outcome, left.kind, left.since) == ("left", "visit", at(15))
    visit = await Visit.objects().first()
    assert (visit.left_at, visit.ended_by) == (at(16, 30), "kiosk")
    outcomes = [e.outcome for e in await ScanEvent.objects().order_by(ScanEvent.id)]
    assert outcomes == ["accepted", "visit_open", "visit_open", "left"]


async def test_leaving_without_an_open_visit_is_refused_in_the_visitors_words(tablet, lab):
    error = await refused(tablet, lab["token"], leaving=True)
    assert error.code == "no_open_visit" and error.visitor_id == lab["nour"].id
    assert error.message == "Vous n'étiez pas pointé·e ici. Bonne journée\u00a0!"
    i18n.set_language("en")
    try:
        english = await refused(tablet, lab["token"], leaving=True)
    finally:
        i18n.set_language("fr")
    assert english.message == "You were not checked in here. Have a good day!"
    events = await ScanEvent.objects().where(ScanEvent.outcome == "refused")
    assert [e.reason for e in events] == ["no_open_visit", "no_open_visit"]
    audits = await AuditLog.objects().where(AuditLog.action == "kiosk.checkin_refused")
    assert len(audits) == 2


async def test_a_closed_site_refuses_the_visit_with_a_journal_row(tablet, lab):
    sunday = at(15, day=SUNDAY)
    freeze(sunday)
    error = await refused(tablet, lab["token"], when=sunday, purpose="computer")
    assert error.code == "site_closed"
    assert error.message == "Le lab est fermé maintenant. Revenez aux heures d'ouverture."
    assert await Visit.count() == 0
    event = await ScanEvent.objects().first()
    assert (event.outcome, event.reason) == ("refused", "site_closed")


async def test_a_revoked_pass_and_an_unknown_purpose_are_coded_refusals(tablet, lab):
    await visitors.reissue_pass(lab["awa"], lab["nour"].id)  # the old pass is revoked
    assert (await refused(tablet, lab["token"], purpose="computer")).code == "unknown_pass"
    _card, token = await visitors.reissue_pass(lab["awa"], lab["nour"].id)
    assert (await refused(tablet, token, purpose="skydiving")).code == "unknown_purpose"
    reasons = [e.reason for e in await ScanEvent.objects().order_by(ScanEvent.id)]
    assert reasons == ["unknown_pass", "unknown_purpose"] and await Visit.count() == 0


async def test_the_same_nonce_opens_one_visit_and_repeats_the_answer(tablet, lab):
    nonce = str(uuid.uuid4())
    first = await scan(tablet, lab["token"], purpose="print", nonce=nonce)
    again = await scan(tablet, lab["token"], purpose="print", nonce=nonce)
    assert (first.outcome, again.outcome) == ("accepted", "duplicate")
    assert again.kind == "visit" and again.title == first.title
    assert await Visit.count() == 1


async def test_a_session_check_in_during_an_open_visit_keeps_both(tablet, lab, cast):
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, at(16))
    await enrolment.enrol(lab["awa"], module.id, EnrolInput(visitor_id=lab["nour"].id))
    await scan(tablet, lab["token"], purpose="job_search")
    freeze(at(16, 5))
    answer = await scan(tablet, lab["token"], when=at(16, 5))
    assert (answer.outcome, answer.kind) == ("accepted", "session")
    attendance = await Attendance.objects().first()
    assert attendance.session == session.id
    visit = await Visit.objects().first()
    assert visit.left_at is None  # a check-in into a session ends nothing


async def test_a_tablet_that_shows_no_purposes_still_hears_nothing_now(tablet, lab):
    error = await refused(tablet, lab["token"], visits=False)
    assert error.code == "nothing_now" and await Visit.count() == 0


async def test_the_queue_endpoint_takes_purpose_and_leaving(client, cast, lab):
    await pair_client(client, cast)
    now = at(15).isoformat()

    def body(**extra) -> dict:
        sent = {"nonce": str(uuid.uuid4()), "code": lab["token"], "client_at": now}
        return {**sent, "sent_at": now, "visits": True, **extra}

    choose = await client.post(API, json=body())
    assert choose.status_code == 200
    assert choose.json()["outcome"] == "purpose"
    assert {"code": "wifi", "label": "Le wifi", "icon": "wifi"} in choose.json()["purposes"]
    opened = await client.post(API, json=body(purpose="wifi", offline=True))
    assert opened.status_code == 201
    assert opened.json() == {
        "outcome": "accepted",
        "first_name": "Nour",
        "title": "Le wifi",
        "kind": "visit",
        "since": "15:00",
    }
    visit = await Visit.objects().first()
    assert visit.offline and visit.client_at == at(15)
    still = await client.post(API, json=body())
    assert still.json()["outcome"] == "visit_open" and still.json()["since"] == "15:00"
    left = await client.post(API, json=body(leaving=True))
    assert left.status_code == 200 and left.json()["outcome"] == "left"
    again = await client.post(API, json=body(leaving=True))
    assert again.status_code == 409 and again.json()["code"] == "no_open_visit"
    bad = await client.post(API, json=body(purpose="Not a code!"))
    assert bad.status_code == 400


async def test_without_javascript_the_purposes_are_forms_and_the_welcome_names_first_name_only(
    client, cast, lab
):
    await pair_client(client, cast)
    page = await client.get("/kiosk/checkin")
    assert 'data-purpose="computer"' in page.text  # in the page before anyone scans
    form = {"_csrf_token": client.cookies["lab_csrf"], "code": lab["token"], "visits": "true"}
    choose = await client.post("/kiosk/checkin", data={**form, "nonce": str(uuid.uuid4())})
    assert choose.status_code == 200
    assert 'name="purpose" value="wifi"' in choose.text and "Benali" not in choose.text
    done = await client.post(
        "/kiosk/checkin", data={**form, "nonce": str(uuid.uuid4()), "purpose": "wifi"}
    )
    assert "Bienvenue, Nour\u00a0! Bonne visite." in done.text and "Benali" not in done.text
    still = await client.post("/kiosk/checkin", data={**form, "nonce": str(uuid.uuid4())})
    assert 'name="leaving" value="true"' in still.text
    leave = await client.post(
        "/kiosk/checkin", data={**form, "nonce": str(uuid.uuid4()), "leaving": "true"}
    )
    assert "Au revoir, Nour\u00a0!" in leave.text
    assert (await Visit.objects().first()).ended_by == "kiosk"
    leaving_page = await client.get("/kiosk/checkin?leaving=1")
    assert 'name="leaving" value="true"' in leaving_page.text


async def test_count_me_without_a_card_opens_an_anonymous_visit_once(client, cast, lab):
    await pair_client(client, cast)
    page = await client.get("/kiosk/visits/anonymous")
    assert page.status_code == 200 and 'name="purpose" value="games"' in page.text
    form = {"_csrf_token": client.cookies["lab_csrf"], "nonce": str(uuid.uuid4())}
    sent = {**form, "purpose": "games", "age_band": "16_17"}
    done = await client.post("/kiosk/visits/anonymous", data=sent)
    again = await client.post("/kiosk/visits/anonymous", data=sent)
    assert done.status_code == again.status_code == 200
    assert "Merci, votre visite est comptée." in done.text
    (visit,) = await Visit.objects()
    assert (visit.visitor, visit.purpose, visit.age_band) == (None, "games", "16_17")
    bad = await client.post(
        "/kiosk/visits/anonymous", data={**form, "nonce": str(uuid.uuid4()), "age_band": "old"}
    )
    assert bad.status_code == 422
    wrong_band = {**form, "nonce": str(uuid.uuid4()), "purpose": "games", "age_band": "old"}
    refused = await client.post("/kiosk/visits/anonymous", data=wrong_band)
    assert refused.status_code == 422 and await Visit.count() == 1


async def test_a_closed_site_offers_no_purposes_and_the_usual_reason_stands(tablet, lab):
    sunday = at(15, day=SUNDAY)
    freeze(sunday)
    error = await refused(tablet, lab["token"], when=sunday)
    assert error.code == "nothing_now" and await Visit.count() == 0
