"""The database itself refuses an overlapping booking, whatever code writes it."""

from __future__ import annotations

import pytest

from tests.bookings.factories import make_resource

INSERT = (
    "INSERT INTO booking (resource, starts_at, ends_at, blocked_until, units, exclusive, status,"
    " source, note, uid, sequence, created_at, updated_at) VALUES ({resource},"
    " '{start}', '{end}', '{end}', 1, TRUE, '{status}', 'staff', '', '{uid}', 0,"
    " '2026-11-01 10:00:00+00:00', '2026-11-01 10:00:00+00:00')"
)


def insert(resource, start, end, uid, status="confirmed"):
    return INSERT.format(resource=int(resource.id), start=start, end=end, uid=uid, status=status)


async def test_an_overlapping_booking_inserted_with_raw_sql_is_refused(cast, engine):
    studio = await make_resource(cast.saint_denis)
    run = engine._run_in_new_connection
    await run(insert(studio, "2026-12-01 09:00:00+00:00", "2026-12-01 10:00:00+00:00", "a"))
    with pytest.raises(Exception, match=r"(?i)booking_overlap|conflicting key|exclusion"):
        await run(insert(studio, "2026-12-01 09:30:00+00:00", "2026-12-01 10:30:00+00:00", "b"))
    # Back to back is fine, and so is an overlap with a cancelled booking.
    await run(insert(studio, "2026-12-01 10:00:00+00:00", "2026-12-01 11:00:00+00:00", "c"))
    await run(
        insert(studio, "2026-12-01 09:15:00+00:00", "2026-12-01 09:45:00+00:00", "d", "cancelled")
    )


async def test_moving_a_booking_onto_another_with_raw_sql_is_refused(cast, engine):
    studio = await make_resource(cast.saint_denis)
    run = engine._run_in_new_connection
    await run(insert(studio, "2026-12-01 09:00:00+00:00", "2026-12-01 10:00:00+00:00", "a"))
    await run(insert(studio, "2026-12-01 11:00:00+00:00", "2026-12-01 12:00:00+00:00", "b"))
    with pytest.raises(Exception, match=r"(?i)booking_overlap|conflicting key|exclusion"):
        await run("UPDATE booking SET starts_at = '2026-12-01 09:30:00+00:00' WHERE uid = 'b'")


async def test_a_booking_that_ends_before_it_starts_is_refused(cast, engine):
    studio = await make_resource(cast.saint_denis)
    with pytest.raises(Exception, match=r"(?i)booking_invalid|booking_sane|check"):
        await engine._run_in_new_connection(
            insert(studio, "2026-12-01 10:00:00+00:00", "2026-12-01 09:00:00+00:00", "x")
        )
