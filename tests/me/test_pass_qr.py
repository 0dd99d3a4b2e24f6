"""The pass's QR on the phone: an image of its own, drawn once, revalidated with its ETag."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.accounts import visitors
from lab.accounts.queries import pass_url
from lab.core import qr
from tests.bookings.factories import TUESDAY, at, freeze
from tests.conftest import BASE_URL
from tests.me.factories import Holder, sign_in, visitor_with_pass


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def test_the_pass_qr_is_a_private_image_that_answers_304_until_the_pass_changes(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder)
    first = await client.get("/me/pass/qr.svg")
    assert first.status_code == 200
    assert first.headers["content-type"] == "image/svg+xml"
    assert first.content == qr.qr_svg_file(pass_url(BASE_URL, holder.token))
    etag = first.headers["etag"]
    assert etag == qr.qr_etag(pass_url(BASE_URL, holder.token), "svg")
    # Personal: only the phone keeps it, and it asks again each time.
    assert first.headers["cache-control"] == "private, no-cache"
    assert first.headers["vary"] == "Cookie"

    qr._svg.cache_clear()
    again = await client.get("/me/pass/qr.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["cache-control"] == "private, no-cache"
    assert qr._svg.cache_info().currsize == 0  # confirmed without drawing anything

    # A new card: a new token, so the phone's copy no longer matches.
    issued, token = await visitors.reissue_pass(await cast.principal("awa"), holder.visitor.id)
    await sign_in(client, Holder(holder.visitor, token, issued.short_code))
    changed = await client.get("/me/pass/qr.svg", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.content == qr.qr_svg_file(pass_url(BASE_URL, token))


async def test_the_pass_qr_is_drawn_once_for_every_time_it_is_shown(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder)
    qr._svg.cache_clear()
    bodies = [(await client.get("/me/pass/qr.svg")).content for _ in range(3)]
    assert bodies[0] == bodies[1] == bodies[2]
    info = qr._svg.cache_info()
    assert (info.misses, info.hits) == (1, 2)


async def test_after_a_short_code_sign_in_there_is_no_qr_to_fetch(client, cast):
    holder = await visitor_with_pass(cast.saint_denis, "Inès")
    await sign_in(client, holder, by="short_code")
    assert (await client.get("/me/pass/qr.svg")).status_code == 404


async def test_the_pass_qr_needs_a_signed_in_phone(client, cast):
    response = await client.get("/me/pass/qr.svg")
    assert response.status_code == 303 and response.headers["location"] == "/me/start"
