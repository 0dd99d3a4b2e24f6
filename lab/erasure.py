"""Forgetting a person across every domain: what ``lab.accounts.erasure`` calls, joined here.

Wiring, at the top of the package like ``lab.retention``: accounts pseudonymises its own
rows and core's, then asks this module (registered by ``lab.wiring.wire``) to have every
higher domain forget its part, each through its own service, in the same transaction.

The legal hold is decided here because it needs two domains: attendance knows the sheets a
person signed, reports knows which periods were closed (reported to a funder). A signature on
a session whose day falls in a closed period of its site (or of the whole network) is that
period's proof: it stays, with the signer's name, until ``LAB_RETAIN_SIGNED_SHEETS_YEARS``
after it was signed, when the retention job deletes it like every other.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts.erasure import Forgetting, HeldSheet
from lab.attendance import services as attendance
from lab.attendance.forgetting import SignedSheet, years_before
from lab.bookings import services as bookings
from lab.kiosk import services as kiosk
from lab.network import services as network
from lab.reports import queries as reports
from lab.skills import services as skills
from lab.workshops import services as workshops

_years = [10]


def configure(signed_sheets_years: int) -> None:
    _years[0] = signed_sheets_years


def kept_until(signed_at: dt.datetime, years: int) -> dt.date:
    """The last day a signature is kept: ``years`` after it was signed."""
    return years_before(signed_at, -years).date()


async def _held(visitor_id: int, now: dt.datetime) -> list[tuple[SignedSheet, dict]]:
    periods = await reports.closed_periods()
    held = []
    for sheet in await attendance.signed_sheets(visitor_id):
        if kept_until(sheet.signed_at, _years[0]) < now.date():
            continue  # past the audit period: retention deletes it anyway
        for period in periods:
            mine = period["site"] is None or period["site"] == sheet.site_id
            if mine and period["first_day"] <= sheet.day <= period["last_day"]:
                held.append((sheet, period))
                break
    return held


async def legal_hold(visitor_id: int, site_id: int, now: dt.datetime) -> list[HeldSheet]:
    """The person's signed sheets that an erasure keeps: those of a closed period."""
    return [
        HeldSheet(
            session_id=sheet.session_id,
            title=sheet.title,
            day=sheet.day,
            period_first=period["first_day"],
            period_last=period["last_day"],
            kept_until=kept_until(sheet.signed_at, _years[0]),
        )
        for sheet, period in await _held(visitor_id, now)
    ]


async def forget_elsewhere(facts: Forgetting) -> dict[str, int]:
    """Every domain above accounts forgets the person (inside the erasure's transaction)."""
    if facts.why == "retention":
        # Anonymised after the last contact: every sheet still within the audit period stays.
        held = {
            sheet.signature_id
            for sheet in await attendance.signed_sheets(facts.visitor_id)
            if kept_until(sheet.signed_at, _years[0]) >= facts.now.date()
        }
    else:
        held = {sheet.signature_id for sheet, _ in await _held(facts.visitor_id, facts.now)}
    counts: dict[str, int] = {}
    counts.update(await bookings.forget_visitor(facts.visitor_id, facts.now))
    counts.update(await workshops.forget_visitor(facts.actor, facts.visitor_id, facts.now))
    counts.update(
        await attendance.forget_visitor(facts.visitor_id, facts.name, facts.pass_hashes, held)
    )
    counts.update(await skills.forget_visitor(facts.visitor_id, facts.now))
    counts.update(await kiosk.forget_visitor(facts.visitor_id))
    counts.update(await network.forget_visitor(facts.visitor_id))
    return counts
