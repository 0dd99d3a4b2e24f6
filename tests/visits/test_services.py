"""The visits domain's services on both engines: once per nonce, one open visit per person,
no visit at a closed site, and visits a closing site left open counted with the cap."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from lab.core.errors import Conflict, Forbidden, Invalid
from lab.visits import queries, services
from lab.visits.tables import Visit
from tests.bookings.factories import TUESDAY, at, freeze
from tests.personas import make_visitor


@pytest.fixture(autouse=True)
def tuesday_morning():
    freeze(at(10))


async def test_the_same_nonce_ten_times_at_once_records_one_visit(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    visits = await asyncio.gather(
        *(
            services.open_visit(
                awa,
                site_id=cast.saint_denis.id,
                purpose="wifi",
                nonce="same-nonce-0001",
                at=at(10),
                visitor_id=yanis.id,
            )
            for _ in range(10)
        )
    )
    assert len({visit.id for visit in visits}) == 1
    assert await Visit.count() == 1


async def test_ten_different_nonces_for_one_person_at_once_open_one_visit(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)

    async def attempt(n: int):
        try:
            return await services.open_visit(
                awa,
                site_id=cast.saint_denis.id,
                purpose="wifi",
                nonce=f"nonce-storm-{n:04d}",
                at=at(10),
                visitor_id=yanis.id,
            )
        except services.VisitOpen as error:
            return error

    results = await asyncio.gather(*(attempt(n) for n in range(10)))
    opened = [r for r in results if isinstance(r, Visit)]
    refused = [r for r in results if isinstance(r, services.VisitOpen)]
    assert len(opened) == 1 and len(refused) == 9
    assert {error.visit.id for error in refused} == {opened[0].id}


async def test_a_second_open_visit_is_refused_with_the_open_one(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    first = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="games",
        nonce="first-visit-1",
        at=at(10),
        visitor_id=yanis.id,
    )
    with pytest.raises(services.VisitOpen) as refused:
        await services.open_visit(
            awa,
            site_id=cast.saint_denis.id,
            purpose="wifi",
            nonce="second-visit-1",
            at=at(10, 5),
            visitor_id=yanis.id,
        )
    assert refused.value.code == "visit_open"
    assert refused.value.visit.id == first.id
    # The same person may be in at another site's… only with a principal of that site.
    assert (await queries.open_visit_of(yanis.id, cast.saint_denis.id)).id == first.id


async def test_check_out_without_a_visit_is_refused(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    with pytest.raises(Conflict) as refused:
        await services.end_open_visit_of(
            awa, visitor_id=yanis.id, site_id=cast.saint_denis.id, at=at(11), how="desk"
        )
    assert refused.value.code == "no_open_visit"
    visit = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="print",
        nonce="print-visit-1",
        at=at(10),
        visitor_id=yanis.id,
    )
    ended = await services.end_visit(awa, visit.id, at=at(10, 40), how="desk")
    assert ended.ended_by == "desk"
    assert queries.counted_minutes(ended) == 40
    with pytest.raises(Conflict) as again:
        await services.end_visit(awa, visit.id, at=at(11), how="desk")
    assert again.value.code == "no_open_visit"


async def test_a_visit_at_a_closed_site_is_refused(cast):
    awa = await cast.principal("awa")
    sunday = TUESDAY - dt.timedelta(days=2)
    with pytest.raises(Conflict) as refused:
        await services.open_visit(
            awa,
            site_id=cast.saint_denis.id,
            purpose="wifi",
            nonce="sunday-visit",
            at=at(11, day=sunday),
        )
    assert refused.value.code == "site_closed"
    with pytest.raises(Conflict) as late:
        await services.open_visit(
            awa, site_id=cast.saint_denis.id, purpose="wifi", nonce="late-visit-1", at=at(21)
        )
    assert late.value.code == "site_closed"
    assert await Visit.count() == 0


async def test_bad_input_is_refused_by_code(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    base = {"site_id": cast.saint_denis.id, "at": at(10)}
    with pytest.raises(Invalid) as unknown:
        await services.open_visit(awa, purpose="karaoke", nonce="unknown-purp", **base)
    assert unknown.value.code == "unknown_purpose"
    with pytest.raises(Invalid) as band:
        await services.open_visit(awa, purpose="wifi", nonce="bad-band-01", age_band="12", **base)
    assert band.value.code == "bad_age_band"
    with pytest.raises(Invalid) as named_band:
        await services.open_visit(
            awa, purpose="wifi", nonce="named-band-1", age_band="18_21", visitor_id=yanis.id, **base
        )
    assert named_band.value.code == "bad_age_band"
    sofia = await cast.principal("sofia")
    with pytest.raises(Forbidden):
        await services.open_visit(sofia, purpose="wifi", nonce="other-site-1", **base)


async def test_visits_left_open_end_at_closing_time_with_the_capped_duration(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    early = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="wifi",
        nonce="early-visit-1",
        at=at(8, 30),
        visitor_id=yanis.id,
    )
    late = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="studio",
        nonce="late-visit-22",
        at=at(19),
        age_band="18_21",
    )
    # Before closing: nothing ends.
    assert await services.close_at_closing_time(at(19, 59)) == 0
    assert await services.close_at_closing_time(at(20, 30)) == 2
    early = await Visit.objects().get(Visit.id == early.id)
    late = await Visit.objects().get(Visit.id == late.id)
    assert early.left_at == at(20) and early.ended_by == "closing"
    assert queries.counted_minutes(early) == 240  # 11 h 30 left open, counted as the cap
    assert queries.counted_minutes(late) == 60
    # Idempotent: a second round ends nothing and changes nothing.
    assert await services.close_at_closing_time(at(21)) == 0
    assert (await Visit.objects().get(Visit.id == early.id)).left_at == at(20)
    # The person may come back the next day.
    freeze(at(9, day=TUESDAY + dt.timedelta(days=1)))
    again = await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="wifi",
        nonce="next-day-visit",
        at=at(9, day=TUESDAY + dt.timedelta(days=1)),
        visitor_id=yanis.id,
    )
    assert again.left_at is None


async def test_in_lab_now_counts_per_purpose_and_names_for_staff(cast):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    await services.open_visit(
        awa,
        site_id=cast.saint_denis.id,
        purpose="wifi",
        nonce="in-lab-named",
        at=at(9),
        visitor_id=yanis.id,
    )
    await services.open_visit(
        awa, site_id=cast.saint_denis.id, purpose="wifi", nonce="in-lab-anon1", at=at(9, 30)
    )
    now = await queries.in_lab_now(awa, cast.saint_denis.id)
    assert now.total == 2 and now.anonymous == 1
    assert dict((p.code, n) for p, n in now.counts)["wifi"] == 2
    assert [p["last_name"] for p in now.people] == ["Martin"]
    assert await queries.in_lab_counts([cast.saint_denis.id]) == {cast.saint_denis.id: 2}
    between = await queries.visits_between([cast.saint_denis.id], at(0), at(23))
    assert len(between) == 2
    assert len(await queries.visits_of(yanis.id, [cast.saint_denis.id])) == 1


async def test_open_visit_joins_the_callers_transaction(cast):
    from lab.core.db import write_transaction

    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    with pytest.raises(RuntimeError):
        async with write_transaction(Visit._meta.db):
            await services.open_visit(
                awa,
                site_id=cast.saint_denis.id,
                purpose="wifi",
                nonce="joined-visit",
                at=at(10),
                visitor_id=yanis.id,
            )
            raise RuntimeError("the caller's change failed")
    assert await Visit.count() == 0
    async with write_transaction(Visit._meta.db):
        await services.open_visit(
            awa,
            site_id=cast.saint_denis.id,
            purpose="wifi",
            nonce="joined-visit",
            at=at(10),
            visitor_id=yanis.id,
        )
        await services.end_open_visit_of(
            awa, visitor_id=yanis.id, site_id=cast.saint_denis.id, at=at(11), how="kiosk"
        )
    assert (await Visit.objects().first()).ended_by == "kiosk"


async def test_each_change_is_published_on_the_sites_channel(cast):
    from lab.core import events

    heard: list[tuple[str, str]] = []
    events.plug(lambda channel, data: heard.append((channel, data)))
    try:
        awa = await cast.principal("awa")
        visit = await services.open_visit(
            awa, site_id=cast.saint_denis.id, purpose="wifi", nonce="published-1", at=at(10)
        )
        await services.end_visit(awa, visit.id, at=at(10, 30), how="desk")
    finally:
        events.plug(None)
    channel = services.channel(cast.saint_denis.id)
    assert [name for name, _data in heard] == [channel, channel]
    assert '"opened"' in heard[0][1] and '"ended"' in heard[1][1]
