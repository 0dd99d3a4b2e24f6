"""The plans PostgreSQL chooses for the statements every check-in and booking runs, with
statistics stale and fresh.

A fresh database gets the demo, then what a large network's years make (20,000 visitors
with passes and places in one module, 10,000 sessions, 50,000 scan journal entries,
20,000 bookings) with the tables'
automatic ANALYZE switched off, so that the planner's statistics describe the tables before
the load ("stale"); the plans are printed, then again after ANALYZE ("fresh"). A plan that
reads a table of more than ``SMALL_PAGES`` pages without an index is flagged (below that, a
sequential scan is what an index would cost). The statements are the ones lab sends
(lab.core.db, "hot paths").

Usage:
  LAB_BENCH_DATABASE_URL=postgres://… .venv/bin/python bench/plans.py
(that database is wiped).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import asyncpg
import harness

NOW = dt.datetime.now(dt.UTC)
SMALL_PAGES = 8
BATCH = 64  # the most scans checked in together: the statements of a full batch


def _in(first: int, count: int = BATCH) -> str:
    """``$first, …``: a full batch's placeholders."""
    return ", ".join(f"${n}" for n in range(first, first + count))


# (name, statement, values): the text lab sends, with PostgreSQL's placeholders.
HOT = [
    (
        "tablets' devices (the requests arriving together)",
        "SELECT id, credential_hash, site, allowed_actions, revoked_at, last_seen_at "
        f"FROM kiosk_device WHERE credential_hash IN ({_in(1)})",
        [f"{n:064x}" for n in range(BATCH)],
    ),
    (
        "passes' holders (a batch of check-ins)",
        "SELECT v.*, p.token_hash, p.short_code, p.revoked_at FROM visitor v "
        "JOIN visitor_pass p ON p.visitor = v.id "
        f"WHERE p.token_hash IN ({_in(1)}) OR p.short_code IN (${BATCH + 1})",
        [*(f"{n:064x}" for n in range(BATCH)), "B0000001"],
    ),
    (
        "a pass's holder",
        "SELECT v.* FROM visitor v JOIN visitor_pass p ON p.visitor = v.id "
        "WHERE p.token_hash = $1 AND p.revoked_at IS NULL",
        ["0" * 64],
    ),
    ("a scan's nonce", "SELECT * FROM scan_event WHERE nonce = $1", ["bench-nonce-1"]),
    (
        "scans' nonces (a batch)",
        "SELECT "
        + ", ".join(
            f"(SELECT 1 FROM scan_event WHERE nonce = ${n} LIMIT 1) AS seen{n}"
            for n in range(1, BATCH + 1)
        ),
        [f"bench-nonce-{n}" for n in range(BATCH)],
    ),
    (
        "sessions open now",
        "SELECT s.*, m.* FROM workshop_session s JOIN workshop_module m ON m.id = s.module "
        "WHERE m.site = $1 AND s.starts_at <= $2 AND s.starts_at > $3 AND s.ends_at > $4 "
        "ORDER BY s.starts_at, s.id",
        [1, NOW, NOW - dt.timedelta(hours=25), NOW],
    ),
    (
        "places held (a batch's visitors)",
        "SELECT visitor, module, session, status FROM enrolment "
        f"WHERE visitor IN ({_in(1)}) AND module IN (${BATCH + 1}, ${BATCH + 2})",
        [*range(1, BATCH + 1), 1, 2],
    ),
    ("session held", "SELECT * FROM workshop_session WHERE id = $1 FOR SHARE", [1]),
    (
        "arrival upsert",
        "INSERT INTO attendance (visitor, session, status, checked_in_at, method, device_id, "
        "nonce, updated_by, created_at, updated_at) VALUES ($1, $2, 'present', $3, "
        "'kiosk_scan', NULL, $4, NULL, $3, $3) ON CONFLICT (visitor, session) DO UPDATE SET "
        "status = excluded.status WHERE attendance.status NOT IN ('present', 'late') "
        "RETURNING id, visitor, session",
        [1, 1, NOW, "bench-plan-nonce"],
    ),
    (
        "completion's skills",
        "SELECT skill FROM skill_module WHERE module = $1 AND on_completion = $2",
        [1, True],
    ),
    (
        "bookings due for release",
        "SELECT b.id, b.status, r.release_after_minutes, r.site FROM booking b "
        "JOIN resource r ON r.id = b.resource WHERE b.status IN ('confirmed', 'checked_in', "
        "'pending') AND b.starts_at <= $1 AND b.resource IN ($2)",
        [NOW, 1],
    ),
    (
        "a resource's bookings over a day",
        "SELECT starts_at, ends_at, blocked_until, units FROM booking WHERE resource = $1 "
        "AND status IN ('pending', 'confirmed', 'checked_in') AND starts_at < $2 "
        "AND blocked_until > $3",
        [1, NOW + dt.timedelta(days=1), NOW],
    ),
    (
        "the grid's bookings of a day",
        "SELECT b.id, b.resource, b.starts_at, b.ends_at, b.units, b.status, b.visitor, "
        "v.first_name, b.blocked_until FROM booking b LEFT JOIN visitor v ON v.id = b.visitor "
        "WHERE b.resource IN ($1, $2) AND b.status IN ('checked_in', 'completed', 'confirmed', "
        "'pending') AND b.starts_at < $3 AND b.blocked_until > $4 ORDER BY b.starts_at",
        [1, 2, NOW + dt.timedelta(days=1), NOW],
    ),
]

LOAD = [
    "ALTER TABLE scan_event SET (autovacuum_enabled = false)",
    "ALTER TABLE booking SET (autovacuum_enabled = false)",
    "ALTER TABLE visitor SET (autovacuum_enabled = false)",
    "ALTER TABLE visitor_pass SET (autovacuum_enabled = false)",
    "ALTER TABLE workshop_session SET (autovacuum_enabled = false)",
    "ALTER TABLE enrolment SET (autovacuum_enabled = false)",
    "ANALYZE",  # the statistics as they were before the load
    """INSERT INTO visitor (first_name, last_name, birth_date, postcode, status, search_name,
                           created_site, created_at, updated_at)
       SELECT 'Bench', 'Visitor ' || n, DATE '2006-01-01', '93200', 'job_seeker',
              'bench visitor ' || n, (SELECT min(id) FROM site), now(), now()
       FROM generate_series(1, 20000) AS n""",
    """INSERT INTO visitor_pass (visitor, token_hash, short_code, issued_at)
       SELECT id, md5('bench' || id) || md5('pass' || id), 'B' || lpad(id::text, 7, '0'), now()
       FROM visitor WHERE first_name = 'Bench'""",
    """INSERT INTO enrolment (visitor, module, status, position, source, created_at, updated_at)
       SELECT id, (SELECT min(id) FROM workshop_module), 'enrolled', 0, 'staff', now(), now()
       FROM visitor WHERE first_name = 'Bench'""",
    """INSERT INTO workshop_session (module, starts_at, ends_at, status, checkin_secret, uid,
                                    sequence, created_at, updated_at)
       SELECT (SELECT min(id) FROM workshop_module), now() - n * interval '1 day',
              now() - n * interval '1 day' + interval '2 hours', 'closed', md5('s' || n),
              'bench-session-' || n || '@lab', 0, now(), now()
       FROM generate_series(1, 10000) AS n""",
    """INSERT INTO scan_event (nonce, method, received_at, outcome, reason, offline)
       SELECT 'bench-' || n, 'kiosk_scan', now() - n * interval '1 minute', 'refused',
              'unknown_pass', false
       FROM generate_series(1, 50000) AS n""",
    """INSERT INTO booking (resource, starts_at, ends_at, blocked_until, units, exclusive,
                           status, source, series_id, note, uid, sequence, created_at,
                           updated_at)
       SELECT (SELECT min(id) FROM resource), now() - n * interval '1 hour',
              now() - n * interval '1 hour' + interval '30 minutes',
              now() - n * interval '1 hour' + interval '30 minutes', 1, false, 'completed',
              'staff', NULL, '', 'bench-' || n || '@lab', 0, now(), now()
       FROM generate_series(1, 20000) AS n""",
]


async def _reads_without_index(connection: asyncpg.Connection, plan: str) -> bool:
    """Whether the plan reads a table of more than ``SMALL_PAGES`` pages sequentially."""
    for line in plan.splitlines():
        if "Seq Scan on" in line:
            table = line.split("Seq Scan on")[1].split()[0]
            pages = await connection.fetchval(
                "SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int",
                table,
            )
            if pages > SMALL_PAGES:
                return True
    return False


def main() -> None:
    url = harness.bench_database_url()
    if not url:
        raise SystemExit("Set LAB_BENCH_DATABASE_URL to a database this benchmark may wipe.")
    with harness.Lab("postgresql") as lab:
        lab.prepare()
        found = []
        for moment in ("stale", "fresh"):
            found += asyncio.run(_one(url, moment))
    flagged = [(moment, name) for moment, name, _plan, bad in found if bad]
    for moment, name, plan, bad in found:
        print(
            f"--- {name} ({moment} statistics){'  ← reads a table without an index' if bad else ''}"
        )
        print(plan)
    print()
    print(
        f"PLANS {len(found) - len(flagged)} of {len(found)} hot statements read by index "
        f"(stale and fresh statistics)" + (f"; without: {flagged}" if flagged else "")
    )


async def _one(url: str, moment: str) -> list[tuple[str, str, str, bool]]:
    connection = await asyncpg.connect(url)
    try:
        if moment == "stale":
            for statement in LOAD:
                await connection.execute(statement)
        else:
            await connection.execute("ANALYZE")
        found = []
        for name, sql, values in HOT:
            transaction = connection.transaction()
            await transaction.start()
            try:
                rows = await connection.fetch("EXPLAIN " + sql, *values)
                plan = "\n".join(row[0] for row in rows)
                found.append((moment, name, plan, await _reads_without_index(connection, plan)))
            finally:
                await transaction.rollback()
        return found
    finally:
        await connection.close()


if __name__ == "__main__":
    main()
