"""Conditional GETs: ETag and Last-Modified on a response, 304 when the client's copy holds.

Through a small app of its own, since no route of the lab gives a Last-Modified today; the
lab's routes are tested with their own data (tests/bookings/test_cached_calendars.py and
tests/me/test_pass_qr.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from litestar import Litestar, Request, Response, get, route
from litestar.testing import AsyncTestClient

from lab.core import conditional
from lab.core.conditional import Validators, etag_matches, etag_of, unmodified_since

CHANGED = dt.datetime(2026, 11, 30, 9, 15, 42, 123456, tzinfo=dt.UTC)
CHANGED_HTTP = "Mon, 30 Nov 2026 09:15:42 GMT"
made: list[str] = []


@route("/thing", http_method=["GET", "POST"])
async def thing(request: Request) -> Response:
    validators = Validators(etag_of(b"thing"), last_modified=CHANGED, vary="Cookie")

    def make() -> Response:
        made.append("thing")
        return Response(b"thing", media_type="text/plain", status_code=200)

    return conditional.respond(request, validators, make)


@get("/calendar.ics")
async def calendar(request: Request) -> Response:
    return conditional.file(
        request, b"BEGIN:VCALENDAR\r\n", "text/calendar", "lab.ics", cache_control="no-store"
    )


@pytest.fixture
async def http():
    made.clear()
    async with AsyncTestClient(Litestar([thing, calendar])) as client:
        yield client


def test_an_etag_is_strong_quoted_and_tells_parts_apart():
    tag = etag_of("ab", "c")
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert tag == etag_of("ab", "c") == etag_of(b"ab", b"c")
    assert tag != etag_of("a", "bc") and tag != etag_of("abc")


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        ('"x"', True),
        ('W/"x"', True),
        ('"y", "x"', True),
        ('"y",W/"x"', True),
        ("*", True),
        ('"y"', False),
        ('"xx"', False),
        ("x", False),
        ("", False),
    ],
    ids=[
        "same",
        "weak",
        "among-others",
        "weak-among-others",
        "star",
        "other",
        "longer",
        "bare",
        "empty",
    ],
)
def test_if_none_match_uses_the_weak_comparison(header, matches):
    assert etag_matches(header, '"x"') is matches


@pytest.mark.parametrize(
    ("header", "unchanged"),
    [
        (CHANGED_HTTP, True),  # the same second: the microseconds are not sent
        ("Mon, 30 Nov 2026 10:00:00 GMT", True),
        ("Mon, 30 Nov 2026 09:15:41 GMT", False),
        ("yesterday", False),
        ("Mon, 30 Nov 2026 09:15:42", False),  # no zone: not an HTTP date
    ],
    ids=["same-second", "later", "earlier", "garbage", "no-zone"],
)
def test_if_modified_since_compares_whole_seconds_and_ignores_what_it_cannot_read(
    header, unchanged
):
    assert unmodified_since(header, CHANGED) is unchanged


async def test_a_full_response_carries_its_validators(http):
    response = await http.get("/thing")
    assert response.status_code == 200 and response.content == b"thing"
    assert response.headers["etag"] == etag_of(b"thing")
    assert response.headers["last-modified"] == CHANGED_HTTP
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["vary"] == "Cookie"


async def test_a_matching_etag_is_a_304_with_no_body_and_nothing_made(http):
    response = await http.get("/thing", headers={"If-None-Match": etag_of(b"thing")})
    assert response.status_code == 304 and response.content == b""
    assert made == []
    # The 304 says what the full response would have said about caching.
    assert response.headers["etag"] == etag_of(b"thing")
    assert response.headers["cache-control"] == "private, no-cache"
    assert response.headers["last-modified"] == CHANGED_HTTP
    assert response.headers["vary"] == "Cookie"


async def test_if_modified_since_is_a_304_until_the_thing_changes(http):
    same = await http.get("/thing", headers={"If-Modified-Since": CHANGED_HTTP})
    assert same.status_code == 304 and same.content == b""
    older = await http.get("/thing", headers={"If-Modified-Since": "Mon, 30 Nov 2026 09:00:00 GMT"})
    assert older.status_code == 200 and older.content == b"thing"


async def test_if_none_match_comes_first(http):
    # An old ETag with a date after the change: the ETag decides, and it no longer matches.
    response = await http.get(
        "/thing",
        headers={"If-None-Match": etag_of(b"before"), "If-Modified-Since": CHANGED_HTTP},
    )
    assert response.status_code == 200 and made == ["thing"]


async def test_without_a_last_modified_if_modified_since_is_never_a_304(http):
    response = await http.get("/calendar.ics", headers={"If-Modified-Since": CHANGED_HTTP})
    assert response.status_code == 200 and "last-modified" not in response.headers


async def test_a_file_is_validated_by_a_digest_of_its_bytes(http):
    response = await http.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["etag"] == etag_of(b"BEGIN:VCALENDAR\r\n")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"] == 'inline; filename="lab.ics"'
    again = await http.get("/calendar.ics", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


async def test_only_a_read_is_answered_not_modified(http):
    response = await http.post("/thing", headers={"If-None-Match": etag_of(b"thing")})
    assert response.status_code == 200 and made == ["thing"]
