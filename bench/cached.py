"""Cached responses: a pass's QR and calendar feeds, full (200) and revalidated (304).

Starts lab itself on a fresh database with the demo loaded (bench/harness.py), then seeds what
the requests need straight in the tables: a pass with a PIN for the demo visitor with the most
bookings in a feed's window, a feed of that visitor, and a feed of the busiest resource. The
phone signs in over HTTP like a real one. Each URL is then asked by wrk from its own process,
one connection, one request after another: first without a validator (the full response,
drawn or written once and then served from the in-process cache), then with the ETag of the
first answer (the 304). The bare Litestar endpoint is measured the same way for scale.

Ends with ``CACHED median: QR N ms, iCal N ms, iCal 304 N ms`` (the slower feed of the two).

Usage:
  .venv/bin/python bench/cached.py [--engine sqlite|postgresql|both] [--seconds 5]
PostgreSQL runs need LAB_BENCH_DATABASE_URL (a database this benchmark wipes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

import harness
import httpx

PIN = "2580"


async def seed() -> dict:
    """A pass and PIN for the demo visitor with the most bookings a feed shows, a feed of that
    visitor and one of the busiest resource. Straight inserts: the benchmark is wiring."""
    from lab.accounts import passes, pins
    from lab.accounts.tables import Visitor
    from lab.bookings.feeds import AHEAD, PAST
    from lab.bookings.tables import Booking, CalendarFeed
    from lab.core import clock
    from lab.core.audit import SYSTEM
    from lab.core.db import write_transaction
    from lab.core.security import new_token, token_hash

    now = clock.now()
    window = (Booking.ends_at > now - PAST) & (Booking.starts_at < now + AHEAD)

    async def busiest(column) -> int:
        rows = await Booking.select(column.as_alias("id")).where(window & column.is_not_null())
        counts: dict[int, int] = {}
        for row in rows:
            counts[row["id"]] = counts.get(row["id"], 0) + 1
        return max(counts, key=lambda key: counts[key])

    visitor_id = await busiest(Booking.visitor)
    resource_id = await busiest(Booking.resource)
    visitor = await Visitor.objects().get(Visitor.id == visitor_id)
    async with write_transaction(Visitor._meta.db):
        _issued, pass_token = await passes.issue_in_transaction(
            SYSTEM, visitor.id, visitor.created_site
        )
        await pins.set_pin_in_transaction(SYSTEM, visitor.id, PIN)
    feed_tokens = {}
    for kind, subject in (("visitor", visitor.id), ("resource", resource_id)):
        token = new_token()
        await CalendarFeed.insert(
            CalendarFeed(
                kind=kind, subject_id=subject, token_hash=token_hash(token), created_at=now
            )
        )
        feed_tokens[kind] = token
    return {"pass_token": pass_token, "feeds": feed_tokens}


def seed_command() -> None:
    print(json.dumps(harness.run_bound(seed)))


def phone_cookies(base_url: str, pass_token: str) -> dict[str, str]:
    """Sign in as the phone does after scanning its pass: the PIN page, then the PIN."""
    with httpx.Client(base_url=base_url, follow_redirects=False) as client:
        client.get("/me/start")
        csrf = client.cookies["lab_csrf"]
        answer = client.post(
            "/me/sign-in",
            data={"from": "pass", "code": pass_token, "pin": PIN},
            headers={"x-csrftoken": csrf},
        )
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in refused: {answer.status_code}")
        return dict(client.cookies)


def first_answer(url: str, headers: dict[str, str]) -> httpx.Response:
    answer = httpx.get(url, headers=headers)
    if answer.status_code != 200 or "etag" not in answer.headers:
        raise RuntimeError(f"{url}: {answer.status_code}, no ETag")
    return answer


def measure(engine: str, seconds: float) -> dict[str, float]:
    rows: list[tuple[harness.Record, harness.Record | None]] = []
    with harness.bare_server(1) as bare_server:
        bare = harness.wrk(
            "bare JSON", bare_server.base_url + "/json", "get.lua", connections=1, seconds=seconds
        )
    with harness.Lab(engine) as lab:
        lab.prepare()
        seeded = json.loads(lab.script(Path(__file__), "seed"))
        server = lab.serve()
        base = server.base_url
        cookies = phone_cookies(base, seeded["pass_token"])
        cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
        urls = [
            ("pass QR", base + "/me/pass/qr.svg", {"Cookie": cookie}),
            ("visitor feed", f"{base}/feeds/{seeded['feeds']['visitor']}.ics", {}),
            ("resource feed", f"{base}/feeds/{seeded['feeds']['resource']}.ics", {}),
        ]
        rows.append((bare, None))
        medians: dict[str, float] = {}
        for label, url, headers in urls:
            answer = first_answer(url, headers)
            as_headers = [f"{name}: {value}" for name, value in headers.items()]
            full = harness.wrk(
                f"{label} 200 ({len(answer.content) // 1024} KiB)",
                url,
                "get.lua",
                connections=1,
                seconds=seconds,
                headers=as_headers,
            )
            revalidated = harness.wrk(
                f"{label} 304",
                url,
                "get.lua",
                connections=1,
                seconds=seconds,
                headers=[*as_headers, f"If-None-Match: {answer.headers['etag']}"],
            )
            for record, status in ((full, "200"), (revalidated, "304")):
                if set(record.statuses) != {status}:
                    raise RuntimeError(f"{record.label}: answers {record.statuses}")
                rows.append((record, bare))
            medians[f"{label} 200"] = full.p50
            medians[f"{label} 304"] = revalidated.p50
        errors = server.error_lines()
    title = f"{harness.engine_label(engine)}, 1 worker, 1 connection, sequential requests:"
    print(harness.table(rows, title))
    if errors:
        print(f"server errors: {len(errors)}, first: {errors[0]}")
    print()
    return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="sqlite", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--seconds", type=float, default=5)
    options = parser.parse_args()
    started = dt.datetime.now()
    summary = {}
    for engine in harness.engines_from(options.engine):
        summary[engine] = measure(engine, options.seconds)
    # The summary reads the slowest engine and the slower feed: the promise holds for all.
    medians = list(summary.values())
    qr = max(m["pass QR 200"] for m in medians)
    ical = max(max(m["visitor feed 200"], m["resource feed 200"]) for m in medians)
    ical_304 = max(max(m["visitor feed 304"], m["resource feed 304"]) for m in medians)
    print(f"({(dt.datetime.now() - started).seconds} s in all)")
    print(f"CACHED median: QR {qr:.1f} ms, iCal {ical:.1f} ms, iCal 304 {ical_304:.1f} ms")


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        seed_command()
    else:
        main()
