"""No name, e-mail, pass token, short code or PIN reaches the application's logs.

A full flow runs through the real app (staff signs in, creates a visitor through the form (once
refused, once accepted), corrects the record, looks the visitor up, books the studio for them and
subscribes to their calendar; a tablet checks the visitor in by scan and by short code; the
visitor signs in on /me, reads their pages, downloads a calendar entry and their data) while
every log record of every logger is captured at DEBUG; then the captured text is searched for
each marker.
"""

from __future__ import annotations

import logging
import uuid

from lab.accounts import passes
from lab.bookings import feeds
from lab.workshops import enrolment
from lab.workshops.forms import EnrolInput
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.forms import NEW_VISITOR
from tests.helpers import login
from tests.kiosk.helpers import pair_client
from tests.me.factories import PIN, sign_in, visitor_with_pass
from tests.workshops.factories import make_module, make_session

FIRST = "Zorbaxquil"
LAST = "Quenthrowe"
EMAIL = "zorbax.quenthrowe.marker@example.org"


def _body(code: str) -> dict:
    now = at(10, 5).isoformat()
    return {"nonce": str(uuid.uuid4()), "code": code, "client_at": now, "sent_at": now}


async def test_a_full_flow_logs_no_personal_data_and_no_token(client, cast, caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("litestar", "uvicorn", "uvicorn.access", "piccolo", "asyncpg", "lab"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    awa = await cast.principal("awa")
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    await make_session(module, at(10))
    holder = await visitor_with_pass(cast.saint_denis, FIRST, last_name=LAST, email=EMAIL)
    await enrolment.enrol(awa, module.id, EnrolInput(visitor_id=holder.visitor.id))
    freeze(at(10, 5))

    # Staff: signs in, creates a visitor through the form (a refused attempt first: the error
    # path must not log what was typed), corrects the record, books the studio for the pass
    # holder and subscribes to their calendar.
    await login(client, cast.email("awa"))
    typed = {**NEW_VISITOR, "first_name": FIRST, "last_name": LAST, "email": EMAIL}
    refused = await client.post("/visitors", data={**typed, "birth_date": "not a date"})
    assert refused.status_code == 422, refused.status_code
    created = await client.post("/visitors", data={**typed, "confirm_not_duplicate": "on"})
    assert created.status_code == 303, created.text[:300]
    new_id = created.headers["location"].split("/")[2]
    edited = await client.post(f"/visitors/{new_id}", data={**typed, "postcode": "93210"})
    assert edited.status_code in (200, 303), edited.status_code
    studio = await make_resource(cast.saint_denis)
    booked = await client.post(
        "/bookings",
        data={
            "resource_id": str(studio.id),
            "day": TUESDAY.isoformat(),
            "start": "14:00",
            "end": "15:00",
            "visitor_id": str(holder.visitor.id),
            "units": "1",
        },
    )
    assert booked.status_code == 303, booked.text[:300]
    feed = await feeds.create_feed(awa, "visitor", holder.visitor.id)
    assert (await client.get(f"/feeds/{feed}.ics")).status_code == 200

    # Staff: searches by name, opens the visitor's pages.
    await client.get("/visitors", params={"q": LAST})
    await client.get(f"/api/visitors?q={FIRST}")
    for suffix in ("", "/timeline", "/skills", "/loans"):
        await client.get(f"/visitors/{holder.visitor.id}{suffix}")
    await client.post("/logout")
    client.cookies.clear()
    client.headers.pop("x-csrftoken", None)

    # Kiosk: pairs, checks in by scan (token in the body) and by short code.
    await pair_client(client, cast)
    scanned = await client.post(
        "/kiosk/api/checkins", json=_body(f"https://lab.example/p/{holder.token}")
    )
    assert scanned.status_code in (200, 201), scanned.text
    by_code = await client.post(
        "/kiosk/api/checkins", json=_body(passes.display_short_code(holder.short_code))
    )
    assert by_code.status_code in (200, 201), by_code.text
    client.cookies.clear()
    client.headers.pop("x-csrftoken", None)

    # /me: opens the pass link (token in the path), signs in with the PIN, reads its pages.
    await client.get(holder.pass_path)
    await sign_in(client, holder)
    for path in ("/me", "/me/pass", "/me/pass/qr.svg", "/me/data.json"):
        await client.get(path)
    await client.get("/me/enrolments/1/calendar.ics")
    await client.get("/me/no-such-page?token=" + holder.token)

    captured = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))  # the test's own client
    )
    assert caplog.records, "nothing was captured"
    markers = {
        "first name": FIRST,
        "last name": LAST,
        "e-mail": EMAIL,
        "pass token": holder.token,
        "short code": holder.short_code,
        "calendar feed token": feed,
        "PIN": f"pin={PIN}",
    }
    found = {what: text for what, text in markers.items() if text.lower() in captured.lower()}
    assert not found, f"found in the logs: {sorted(found)}"
