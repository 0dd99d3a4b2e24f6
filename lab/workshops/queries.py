"""What other domains read of workshops: the public read surface.

The reads are written in workshops' own modules and offered here, so that a caller never
imports those nor reads workshops' tables: ``access`` (``get_module_for``, ``get_session_for``,
``get_enrolment_for``: the reads that check the actor's sites), ``queues`` (seats, waitlists,
who is expected), ``visitors`` (a visitor's own workshops) and ``programme`` (sessions, rooms,
teams and partners as other domains show them). ``__all__`` is the surface. Writes are in
``lab.workshops.services``.
"""

from __future__ import annotations

from lab.workshops.access import (
    can_manage,
    get_enrolment,
    get_enrolment_for,
    get_module,
    get_module_for,
    get_modules_for,
    get_session_for,
    queue_of_enrolment,
)
from lab.workshops.programme import (
    facilitator_names,
    module_session_ids,
    module_sessions,
    modules_facilitated_by,
    partner_name,
    public_session,
    self_enrol_modules,
    session_room,
    session_summaries,
    session_summary,
    sessions_near,
    sessions_of_modules,
    sessions_open_at,
    sessions_starting,
    sessions_starting_at_sites,
    sessions_to_come,
    under_way,
)
from lab.workshops.queues import (
    LIVE,
    capacity_of,
    drop_in_enrolments,
    drop_in_enrolments_in,
    enrolled_counts,
    enrolled_in_module,
    expected_among,
    expected_at,
    expected_count,
    expected_counts,
    expected_of_visitors,
    expected_visitors,
    is_expected,
    live_enrolment,
    place_in_line,
    queue_of,
    roster,
    session_of,
    waitlist_position,
)
from lab.workshops.tables import Enrolment, Module, Session
from lab.workshops.visitors import (
    NextSession,
    enrolment_calendar,
    enrolment_history,
    message_sites,
    next_session_of,
    upcoming_enrolment,
    upcoming_enrolments,
    visitor_enrolments_at,
)

# Row types (Enrolment, Module, Session) are here for annotations: read rows through the functions.
__all__ = [
    "LIVE",
    "Enrolment",
    "Module",
    "NextSession",
    "Session",
    "can_manage",
    "capacity_of",
    "drop_in_enrolments",
    "drop_in_enrolments_in",
    "enrolled_counts",
    "enrolled_in_module",
    "enrolment_calendar",
    "enrolment_history",
    "expected_among",
    "expected_at",
    "expected_count",
    "expected_counts",
    "expected_of_visitors",
    "expected_visitors",
    "facilitator_names",
    "get_enrolment",
    "get_enrolment_for",
    "get_module",
    "get_module_for",
    "get_modules_for",
    "get_session_for",
    "is_expected",
    "live_enrolment",
    "message_sites",
    "module_session_ids",
    "module_sessions",
    "modules_facilitated_by",
    "next_session_of",
    "partner_name",
    "place_in_line",
    "programme_counts",
    "public_session",
    "queue_of",
    "queue_of_enrolment",
    "roster",
    "self_enrol_modules",
    "session_of",
    "session_room",
    "session_summaries",
    "session_summary",
    "sessions_near",
    "sessions_of_modules",
    "sessions_open_at",
    "sessions_starting",
    "sessions_starting_at_sites",
    "sessions_to_come",
    "under_way",
    "upcoming_enrolment",
    "upcoming_enrolments",
    "visitor_enrolments_at",
    "waitlist_position",
]


async def programme_counts() -> dict[str, int]:
    """How many modules, sessions and enrolments (waitlists included) there are in all."""
    return {
        "modules": await Module.count(),
        "sessions": await Session.count(),
        "enrolments": await Enrolment.count(),
    }
