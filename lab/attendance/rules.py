"""When a visitor may be checked into a session: pure rules, no database.

``refusals`` lists every reason that holds, in the order staff hear them; the check-in
service answers with the first one, or, when it looks for a session on a visitor's behalf (a
tablet), with the most useful one (``reason_for_visitor``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

# Check-in opens this long before a session starts.
OPENS_BEFORE = dt.timedelta(minutes=30)


@dataclasses.dataclass(frozen=True, slots=True)
class Seat:
    """What the rules need to know of a session, its module and the visitor."""

    session_status: str  # scheduled | cancelled | closed
    starts_at: dt.datetime
    ends_at: dt.datetime
    module_site: int
    drop_in: bool  # anyone may walk in
    visitor_site: int  # the site following the visitor
    expected: bool  # the visitor holds a place at this session


def refusals(seat: Seat, at: dt.datetime) -> list[str]:
    """Every reason the visitor cannot be checked in at ``at``; empty when they can."""
    found = []
    if seat.visitor_site != seat.module_site:
        found.append("other_site")
    if seat.session_status != "scheduled":
        found.append("session_closed")
    if at < seat.starts_at - OPENS_BEFORE:
        found.append("too_early")
    if at >= seat.ends_at:
        found.append("session_over")
    if not seat.drop_in and not seat.expected:
        found.append("not_enrolled")
    return found


def reason_for_visitor(reasons: list[str]) -> str | None:
    """The reason to give a visitor the service chose this session for: a closed or cancelled
    session is the reason only for someone it would have taken; a stranger to it hears the
    reason that applies to them."""
    return next((reason for reason in reasons if reason != "session_closed"), None) or (
        reasons[0] if reasons else None
    )


def is_late(arrived: dt.datetime, starts_at: dt.datetime, late_after_minutes: int) -> bool:
    return arrived > starts_at + dt.timedelta(minutes=late_after_minutes)
