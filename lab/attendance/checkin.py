"""Checking in: one entry point, whatever reads the pass.

A tablet (its camera, a scanner or a typed short code, now or later from its offline queue),
a staff member at a session's roster (a scanned pass or a tap on a name) and a visitor's
phone at the session's screen each describe what they read as a ``Scan`` and call
``check_in``; they only translate its answer. In one transaction it decides:

- **Once.** The nonce, made by the scanner for this scan, is locked for the transaction. A
  nonce seen before gets the first answer again (a retry whose answer was lost), journaled as
  a repeat: nothing is recorded twice, even when copies race.
- **When.** The scanner's clock corrected by its error, measured on this very request
  (``sent_at`` against the server's clock), never in the future. A scan older than 7 days is
  refused (``too_old``); a skew over 2 minutes is journaled for staff.
- **Who.** The pass's holder (``unknown_pass`` for a pass nobody holds), or the person staff
  tapped.
- **Where to.** The session the scan names (a roster, the phone's screen), or, at a tablet's
  site, a session open for check-in then (from 30 minutes before its start to its end) that
  takes the visitor: several, and the visitor chooses (nothing is recorded yet), or an
  offline scan takes the one starting nearest; none, and their booking whose check-in window
  holds that time; none, and a scanner that offers drop-in visits (``Scan.visits``, a
  purpose or ``leaving``): the visitor's open visit there (``visit_open``), or the site's
  purposes to choose from (``purpose``, nothing recorded yet), or a visit opened for the
  purpose given (``lab.visits.services.open_visit``, in this transaction). ``leaving`` ends
  the visitor's open visit at the site instead (``left``). A check-in into a session or a
  booking ends no visit. Otherwise, the most useful reason.
- **Record.** The attendance (under the session's lock, late or present), the booking's
  check-in, or the visit opened or ended; and for every scan, accepted or refused, one
  ``ScanEvent`` in the append-only journal (naming the visit). Refusals are audited.

Refusal codes are ``lab.attendance.refusals``'s: ``ScanRefused.message`` is the staff
wording, and a surface that speaks to the visitor shows ``refusals.for_visitor(code)``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
import re

from lab.accounts import queries as accounts
from lab.attendance import hooks, refusals, rules
from lab.attendance.tables import Attendance, ScanEvent
from lab.bookings import queries as booking_queries
from lab.bookings import services as bookings
from lab.core import audit, clock, events
from lab.core.batching import Batcher
from lab.core.db import (
    fetch,
    insert_row,
    insert_rows,
    lock_key,
    lock_keys,
    row_of,
    write_transaction,
)
from lab.core.errors import Conflict, Invalid, LabError
from lab.core.i18n import _
from lab.core.principals import Principal
from lab.visits import queries as visit_queries
from lab.visits import services as visits
from lab.workshops import queries as workshop_queries
from lab.workshops import services as workshops

# An offline scan older than this is not recorded: the session's sheet is long signed.
MAX_AGE = dt.timedelta(days=7)
# A scanner's clock off by more than this is flagged in the journal for staff.
SKEW_FLAG_SECONDS = 120
# When no session at a tablet's site would take the visitor, the reason to give: the most
# useful first (then the session starting nearest to the scan).
REASON_ORDER = ("session_closed", "not_enrolled", "other_site", "too_early", "session_over")
_NONCE = re.compile(r"^[A-Za-z0-9-]{8,64}$")
# The most scans checked in together in one transaction (see "Together" below).
TOGETHER_AT_MOST = 64

log = logging.getLogger(__name__)


class ScanRefused(Conflict):
    """A refused scan: ``code`` is the reason journaled with it; ``visitor_id`` whose pass it
    was (None for a pass nobody holds), so that a tablet can tell them their next appointment
    (the id stays on the server)."""

    default_code = "scan_refused"

    def __init__(self, message: str, *, code: str, visitor_id: int | None = None) -> None:
        super().__init__(message, code=code)
        self.visitor_id = visitor_id


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One check-in as its surface read it: who scans, what, when, its nonce, and where."""

    by: Principal  # who scans: a tablet, a staff member, the visitor's phone
    nonce: str  # made by the scanner for this scan: a repeat is the same scan
    method: str  # how: kiosk_scan, kiosk_code, staff_scan, staff (a tap), self_phone
    code: str | None = None  # what: the pass read or typed (URL, token or short code)…
    visitor_id: int | None = None  # …or the person tapped on a roster (staff)
    session_id: int | None = None  # where: the session whose roster or screen this is…
    site_id: int | None = None  # …or the tablet's site, where the service finds the session
    chosen_session_id: int | None = None  # the session the visitor picked after ``choose``
    client_at: dt.datetime | None = None  # when, on the scanner's clock (None: now)
    sent_at: dt.datetime | None = None  # the scanner's clock when it sent this request
    offline: bool = False  # sent from a queue after the visitor left: nobody to choose
    # Drop-in visits (at a tablet's site or the desk): the scanner can show the site's
    # purposes, so a scan with nothing scheduled may open a visit (older tablets cannot)…
    visits: bool = False
    purpose: str | None = None  # …for this purpose (a code of ``visits.queries.purposes_for``)
    leaving: bool = False  # the visitor is leaving: end their open visit at the site

    @property
    def device_id(self) -> int | None:
        """The tablet that scanned, if a tablet did (the journal and the attendance say so)."""
        return self.by.actor_id if self.by.actor_kind == "kiosk" else None

    @property
    def staff_id(self) -> int | None:
        """The staff member who scanned or tapped, if one did."""
        return self.by.actor_id if self.by.actor_kind == "staff" else None


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    session_id: int
    title: str
    starts_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class CheckIn:
    """The answer: ``accepted``, ``duplicate`` (already checked in: this nonce, or this person
    into this session) or ``choose`` (``choices``, to show in the site's ``timezone``); for a
    drop-in visit, ``purpose`` (``purposes`` to choose from, nothing recorded), ``visit_open``
    (a visit open ``since``) or ``left`` (the visit open ``since`` has ended). It names the
    visitor by first name only, and what they came for."""

    outcome: str  # accepted | duplicate | choose | purpose | visit_open | left
    first_name: str
    kind: str = ""  # session | booking | visit
    title: str = ""
    starts_at: dt.datetime | None = None
    attendance: Attendance | None = None  # a session's check-in: its row…
    module_id: int | None = None  # …and the session's module
    choices: tuple[Choice, ...] = ()
    timezone: str = "UTC"
    purposes: tuple = ()  # visits.queries' purposes (code, label, icon)
    since: dt.datetime | None = None  # when the visit began
    visit_id: int | None = None

    @property
    def repeated(self) -> bool:
        return self.outcome == "duplicate"


def valid_nonce(nonce: str) -> str:
    if not _NONCE.match(nonce or ""):
        raise Invalid(_("Identifiant de pointage invalide."), code="bad_nonce")
    return nonce


def scan_time(
    client_at: dt.datetime | None, sent_at: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, int | None]:
    """When the scan happened on the server's clock, and the scanner's skew if it is flagged.

    The skew is how far ahead the scanner's clock is (``sent_at`` is its clock when it sent
    this request, so the request's own travel time is the error); the scan's time is corrected
    by it and never later than now."""
    if client_at is None:
        return now, None
    skew = (sent_at - now).total_seconds() if sent_at is not None else 0.0
    at = min(client_at - dt.timedelta(seconds=skew), now)
    return at, (round(skew) if abs(skew) > SKEW_FLAG_SECONDS else None)


async def check_in(scan: Scan) -> CheckIn:
    """Check in whoever the scan names (see the module's docstring).

    Errors: ScanRefused (journaled, audited) with the codes of ``lab.attendance.refusals``:
    unknown_pass, too_old, nothing_now, session_closed, not_enrolled, other_site, too_early,
    session_over, not_confirmed, outside_window, and for visits no_open_visit (leaving without
    one), visit_open, site_closed, unknown_purpose; a repeated nonce repeats the first answer.
    Before anything is journaled: bad_nonce (Invalid); for a named session, not_found or
    forbidden (another site's, for staff) as ``workshops.get_session_for`` says."""
    valid_nonce(scan.nonce)
    now = clock.now()
    at, skew = scan_time(scan.client_at, scan.sent_at, now)
    if _may_go_together(scan, at, now):
        together = await _TOGETHER.submit(_Journal(scan, scan.site_id, None, at, skew))
        if together is not None:
            _announce(together.attendance)
            return together
    named = None
    if scan.session_id is not None:
        named = await workshops.get_session_for(scan.by, scan.session_id)
    if scan.code is not None:
        visitor, token_hash = await accounts.visitor_for_code(scan.code)
    else:
        visitor, token_hash = await accounts.get_visitor(scan.visitor_id), None
    site_id = named[1].site if named is not None else scan.site_id
    journal = _Journal(scan, site_id, token_hash, at, skew)
    async with write_transaction(ScanEvent._meta.db):
        await lock_key(ScanEvent._meta.db, f"scan:{scan.nonce}")
        # A nonce has one entry, or a few for a retried scan: read them by the nonce's index
        # and take the first here (ORDER BY id … LIMIT 1 tempts PostgreSQL into walking the
        # whole journal by id when its statistics are stale).
        seen = await fetch(ScanEvent, "SELECT * FROM scan_event WHERE nonce = {}", scan.nonce)
        first = row_of(ScanEvent, min(seen, key=lambda row: row["id"])) if seen else None
        if first is not None:
            answer = await _repeat(journal, first)
        elif at < now - MAX_AGE:
            answer = await journal.refuse("too_old", visitor)
        elif visitor is None:
            answer = await journal.refuse("unknown_pass", None)
        elif named is not None:
            answer = await _into_session(
                journal, visitor, *named, await _expected(visitor, [named])
            )
        elif scan.leaving:
            answer = await _leave(journal, visitor)
        else:
            answer = await _decide(journal, visitor)
        if isinstance(answer, _Refusal) and not answer.repeated:
            # With the journal's entry, in its transaction: a refusal is journaled and audited
            # together or not at all (a repeat, answered from the journal, is not audited).
            await _audit_refusal(journal, answer)
    if isinstance(answer, _Refusal):
        raise ScanRefused(
            refusals.for_staff(answer.code), code=answer.code, visitor_id=answer.visitor_id
        )
    if (answer.choices or answer.since) and journal.site_id is not None:
        # Its times are shown in the site's time zone, read once the locks are released.
        answer = dataclasses.replace(answer, timezone=await accounts.site_timezone(journal.site_id))
    if answer.kind == "session" and answer.outcome == "accepted":
        _announce(answer.attendance)
        await hooks.came(answer.module_id, answer.attendance.session, [answer.attendance.visitor])
    return answer


def _announce(attendance: Attendance) -> None:
    events.publish(f"session:{attendance.session}", _event(attendance))


def _sort_out(
    found: list, visitor: accounts.Visitor, expected: set[int], at: dt.datetime
) -> tuple[list, list]:
    """The sessions ``found`` (with their modules) that take the visitor at ``at``, and those
    that refuse them, as (reason, session, module): reason is None for the first."""
    acceptable, refused = [], []
    for session, module in found:
        seat = _seat(session, module, visitor, session.id in expected)
        reason = rules.reason_for_visitor(rules.refusals(seat, at))
        (refused if reason else acceptable).append((reason, session, module))
    return acceptable, refused


def _offers_visits(scan: Scan) -> bool:
    return scan.site_id is not None and (scan.visits or scan.purpose is not None)


@dataclasses.dataclass(frozen=True, slots=True)
class _Refusal:
    code: str
    visitor_id: int | None
    session_id: int | None = None
    booking_id: int | None = None
    repeated: bool = False  # a repeated nonce's: audited the first time only


@dataclasses.dataclass(frozen=True, slots=True)
class _Journal:
    """What the journal keeps of one scan, whatever its outcome."""

    scan: Scan
    site_id: int | None  # where it was made: the named session's site, or the tablet's
    token_hash: str | None
    at: dt.datetime
    skew: int | None

    async def write(self, **fields: object) -> None:
        await insert_row(ScanEvent, **self.entry(**fields))

    def entry(self, **fields: object) -> dict[str, object]:
        """The journal's row for this scan, with what its outcome adds (``fields``)."""
        return {
            "nonce": self.scan.nonce,
            "method": self.scan.method,
            "token_hash": self.token_hash,
            "client_at": self.at if self.scan.client_at is not None else None,
            "received_at": clock.now(),
            "offline": self.scan.offline,
            "clock_skew_seconds": self.skew,
            "device_id": self.scan.device_id,
            "staff_user": self.scan.staff_id,
            **fields,
        }

    async def refuse(
        self,
        code: str,
        visitor: accounts.Visitor | None,
        *,
        session_id: int | None = None,
        booking_id: int | None = None,
        visit_id: int | None = None,
    ) -> _Refusal:
        """Journal a refusal (of the named session when there is one)."""
        visitor_id = visitor.id if visitor else None
        session_id = session_id if session_id is not None else self.scan.session_id
        await self.write(
            visitor=visitor_id,
            session=session_id,
            booking=booking_id,
            visit=visit_id,
            outcome="refused",
            reason=code,
        )
        return _Refusal(code, visitor_id, session_id, booking_id)


async def _decide(journal: _Journal, visitor: accounts.Visitor) -> CheckIn | _Refusal:
    """At a tablet's site: the session to go to, a choice, the booking, or why not."""
    scan, at = journal.scan, journal.at
    chosen = scan.chosen_session_id
    found = await workshop_queries.sessions_open_at(
        scan.site_id, at, at + rules.OPENS_BEFORE, session_id=chosen, held=True
    )
    if chosen is not None and not found:
        return await journal.refuse("nothing_now", visitor)
    expected = await _expected(visitor, found)
    acceptable, refused = _sort_out(found, visitor, expected, at)
    if len(acceptable) > 1 and not scan.offline and chosen is None:
        return CheckIn(
            "choose",
            visitor.first_name,
            choices=tuple(
                Choice(session.id, module.title, session.starts_at)
                for _reason, session, module in sorted(acceptable, key=lambda r: r[1].starts_at)
            ),
        )
    if acceptable:
        _none, session, module = min(acceptable, key=lambda r: _nearest(r[1], at))
        return await _into_session(
            journal, visitor, session, module, session.id in expected, held=True
        )
    if chosen is None:
        booking = await booking_queries.open_booking_at(visitor.id, scan.site_id, at)
        if booking is not None:
            return await _into_booking(journal, visitor, *booking)
        if _offers_visits(scan) and (
            scan.purpose is not None or await visit_queries.site_is_open(scan.site_id, at)
        ):
            # Visits are offered while the site is open; a purpose given when it is closed
            # hears site_closed, and without one the usual reason stands.
            return await _visit(journal, visitor)
    if refused:
        reason, session, module = min(
            refused, key=lambda r: (REASON_ORDER.index(r[0]), _nearest(r[1], at))
        )
        return await journal.refuse(reason, visitor, session_id=session.id)
    return await journal.refuse("nothing_now", visitor)


async def _visit(journal: _Journal, visitor: accounts.Visitor) -> CheckIn | _Refusal:
    """Nothing scheduled takes the visitor at the site: their open visit there, the purposes
    to choose from, or a visit opened for the purpose given."""
    scan = journal.scan
    site_id = scan.site_id
    open_visit = await visit_queries.open_visit_of(visitor.id, site_id)
    if open_visit is not None:
        await journal.write(visitor=visitor.id, visit=open_visit.id, outcome="visit_open")
        return CheckIn(
            "visit_open",
            visitor.first_name,
            "visit",
            await _purpose_label(site_id, open_visit.purpose),
            since=open_visit.arrived_at,
            visit_id=open_visit.id,
        )
    if scan.purpose is None:
        return CheckIn(
            "purpose",
            visitor.first_name,
            "visit",
            purposes=tuple(await visit_queries.purposes_for(site_id)),
        )
    try:
        visit = await visits.open_visit(
            scan.by,
            site_id=site_id,
            purpose=scan.purpose,
            nonce=scan.nonce,
            at=journal.at,
            visitor_id=visitor.id,
            offline=scan.offline,
            client_at=journal.at if scan.client_at is not None else None,
            device_id=scan.device_id,
        )
    except LabError as refused:
        return await journal.refuse(refused.code, visitor)
    await journal.write(visitor=visitor.id, visit=visit.id, outcome="accepted")
    return CheckIn(
        "accepted",
        visitor.first_name,
        "visit",
        await _purpose_label(site_id, visit.purpose),
        visit.arrived_at,
        since=visit.arrived_at,
        visit_id=visit.id,
    )


async def _leave(journal: _Journal, visitor: accounts.Visitor) -> CheckIn | _Refusal:
    """The visitor says they are leaving: end their open visit at the site."""
    scan = journal.scan
    if scan.site_id is None:
        return await journal.refuse("no_open_visit", visitor)
    how = "kiosk" if scan.device_id is not None else "desk"
    try:
        visit = await visits.end_open_visit_of(
            scan.by, visitor_id=visitor.id, site_id=scan.site_id, at=journal.at, how=how
        )
    except LabError as refused:
        return await journal.refuse(refused.code, visitor)
    await journal.write(visitor=visitor.id, visit=visit.id, outcome="left")
    return CheckIn(
        "left",
        visitor.first_name,
        "visit",
        await _purpose_label(scan.site_id, visit.purpose),
        since=visit.arrived_at,
        visit_id=visit.id,
    )


async def _purpose_label(site_id: int, code: str) -> str:
    """A purpose's words in the current language (its code when the site no longer has it)."""
    for purpose in await visit_queries.purposes_for(site_id):
        if purpose.code == code:
            return purpose.label
    return code


def _nearest(session: workshop_queries.Session, at: dt.datetime) -> tuple[float, int]:
    return abs((session.starts_at - at).total_seconds()), session.id


async def _expected(visitor: accounts.Visitor, sessions: list) -> set[int]:
    """The sessions among ``sessions`` (with their modules) where ``visitor`` holds a place,
    in one query (anyone may walk into a drop-in session: those need none)."""
    series = _series(sessions)
    return await workshop_queries.expected_among(visitor.id, series) if series else set()


def _series(sessions: list) -> list:
    """Those of ``sessions`` (with their modules) that need a place to be expected at."""
    return [(session, module) for session, module in sessions if module.enrolment != "drop_in"]


def _seat(session, module, visitor: accounts.Visitor, expected: bool) -> rules.Seat:
    drop_in = module.enrolment == "drop_in"
    return rules.Seat(
        session_status=session.status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        module_site=module.site,
        drop_in=drop_in,
        visitor_site=visitor.created_site,
        expected=drop_in or expected,
    )


async def _into_session(
    journal: _Journal,
    visitor: accounts.Visitor,
    session,
    module,
    expected: bool,
    *,
    held: bool = False,
) -> CheckIn | _Refusal:
    """Record the visitor's arrival at ``session`` unless a rule refuses it. The session is
    read under a shared lock in this transaction (``held``: it was already), since it may
    have been closed meanwhile, and closing waits for this check-in; their place, read just
    before, is not: it does not change under a scan."""
    if not held:
        session = await workshops.hold_session(session.id)
    reasons = rules.refusals(_seat(session, module, visitor, expected), journal.at)
    if reasons:
        return await journal.refuse(reasons[0], visitor, session_id=session.id)
    attendance, repeated = await _record(journal, session, module, visitor)
    outcome = "duplicate" if repeated else "accepted"
    await journal.write(visitor=visitor.id, session=session.id, outcome=outcome)
    return _at_session(outcome, visitor, session, module, attendance)


def _at_session(outcome: str, visitor, session, module, attendance: Attendance) -> CheckIn:
    """The answer of a check-in into a session (``accepted`` or ``duplicate``)."""
    return CheckIn(
        outcome,
        visitor.first_name,
        "session",
        module.title,
        session.starts_at,
        attendance=attendance,
        module_id=module.id,
    )


async def _record(
    journal: _Journal, session, module, visitor: accounts.Visitor
) -> tuple[Attendance, bool]:
    """The visitor's attendance, now present or late; True if they were already there.

    One statement: the row is inserted, or a row marked absent or excused before they came
    is updated; the unique (visitor, session) index makes two scans racing into one session
    record one arrival. (Plain SQL: every check-in runs it, see lab.core.db, "hot paths".)"""
    arrival = _arrival(journal, session, module, visitor)
    written = await fetch(Attendance, _arrivals_sql(1), *arrival.values())
    if not written:  # already there: the row as it stands
        existing = await Attendance.objects().get(
            (Attendance.session == session.id) & (Attendance.visitor == visitor.id)
        )
        return existing, True
    # Inserted, or an absence turned into an arrival (that row keeps its nonce and creation).
    attendance = row_of(Attendance, {**arrival, "id": written[0]["id"]})
    await audit.record_all([_arrival_entry(journal, module, attendance)])
    return attendance, False


_ARRIVAL_COLUMNS = (
    "visitor",
    "session",
    "status",
    "checked_in_at",
    "method",
    "device_id",
    "nonce",
    "updated_by",
    "created_at",
    "updated_at",
)


def _arrival(journal: _Journal, session, module, visitor: accounts.Visitor) -> dict:
    """The attendance row of the visitor's arrival at ``session`` (present, or late)."""
    scan, now = journal.scan, clock.now()
    late = rules.is_late(journal.at, session.starts_at, module.late_after_minutes)
    return dict(
        zip(
            _ARRIVAL_COLUMNS,
            (
                visitor.id,
                session.id,
                "late" if late else "present",
                journal.at,
                scan.method,
                scan.device_id,
                scan.nonce,
                scan.staff_id,
                now,
                now,
            ),
            strict=True,
        )
    )


@functools.lru_cache(maxsize=128)
def _arrivals_sql(rows: int) -> str:
    """Insert ``rows`` arrivals, each unless its visitor is already marked there: a row
    marked absent or excused before they came becomes their arrival (keeping its nonce and
    creation). The rows written are returned, named by visitor and session."""
    one = "(" + ", ".join("{}" for _ in _ARRIVAL_COLUMNS) + ")"
    return (
        f"INSERT INTO attendance ({', '.join(_ARRIVAL_COLUMNS)}) "  # noqa: S608 (placeholders only)
        f"VALUES {', '.join(one for _ in range(rows))} "
        "ON CONFLICT (visitor, session) DO UPDATE SET status = excluded.status, "
        "checked_in_at = excluded.checked_in_at, method = excluded.method, "
        "device_id = excluded.device_id, updated_by = excluded.updated_by, "
        "updated_at = excluded.updated_at "
        "WHERE attendance.status NOT IN ('present', 'late') RETURNING id, visitor, session"
    )


def _arrival_entry(journal: _Journal, module, attendance: Attendance) -> dict[str, object]:
    """The audit entry of an arrival."""
    return audit.entry(
        journal.scan.by,
        "attendance.checked_in",
        f"session:{attendance.session}",
        site_id=module.site,
        visitor_id=attendance.visitor,
        status=attendance.status,
        method=journal.scan.method,
    )


async def _into_booking(
    journal: _Journal, visitor: accounts.Visitor, booking, resource
) -> CheckIn | _Refusal:
    already = booking.status == "checked_in"
    try:
        await bookings.check_in_at(journal.scan.by, booking, resource, journal.at)
    except Conflict as refused:
        return await journal.refuse(refused.code, visitor, booking_id=booking.id)
    outcome = "duplicate" if already else "accepted"
    await journal.write(visitor=visitor.id, booking=booking.id, outcome=outcome)
    return CheckIn(outcome, visitor.first_name, "booking", resource.name, booking.starts_at)


async def _repeat(journal: _Journal, first: ScanEvent) -> CheckIn | _Refusal:
    """The same nonce again: journal it, and answer what the first scan got."""
    await journal.write(
        visitor=first.visitor,
        session=first.session,
        booking=first.booking,
        visit=first.visit,
        outcome="duplicate",
        reason="repeated_nonce",
    )
    if first.outcome == "refused":
        return _Refusal(first.reason, first.visitor, first.session, first.booking, repeated=True)
    visitor = await accounts.get_visitor(first.visitor)
    first_name = visitor.first_name if visitor else ""
    if first.visit is not None:
        return await _repeat_visit(journal, first, first_name)
    if first.booking is not None:
        found = await booking_queries.booking_summary(first.booking) or {}
        return CheckIn(
            "duplicate", first_name, "booking", found.get("title", ""), found.get("starts_at")
        )
    found = await workshop_queries.session_summary(first.session) or {}
    attendance = (
        await Attendance.objects()
        .where((Attendance.session == first.session) & (Attendance.visitor == first.visitor))
        .first()
    )
    return CheckIn(
        "duplicate",
        first_name,
        "session",
        found.get("title", ""),
        found.get("starts_at"),
        attendance=attendance,
    )


async def _repeat_visit(journal: _Journal, first: ScanEvent, first_name: str) -> CheckIn:
    site_id = journal.site_id
    try:
        visit = await visits.get_visit_for(journal.scan.by, first.visit)
    except LabError:
        visit = None  # since deleted, or not this scanner's to read: the answer stays
    outcome = first.outcome if first.outcome in ("left", "visit_open") else "duplicate"
    return CheckIn(
        outcome,
        first_name,
        "visit",
        await _purpose_label(site_id, visit.purpose) if visit else "",
        visit.arrived_at if visit else None,
        since=visit.arrived_at if visit else None,
        visit_id=first.visit,
    )


async def _audit_refusal(journal: _Journal, refusal: _Refusal) -> None:
    """A tablet's refusals are audited as the kiosk's (staff resolve them on the scans
    page); a roster's or a phone's as the session's."""
    scan = journal.scan
    if scan.device_id is not None:
        await audit.record(
            scan.by,
            "kiosk.checkin_refused",
            f"kiosk:{scan.by.actor_id}",
            site_id=journal.site_id,
            reason=refusal.code,
            visitor_id=refusal.visitor_id,
            session_id=refusal.session_id,
            booking_id=refusal.booking_id,
            offline=scan.offline,
        )
    else:
        await audit.record(
            scan.by,
            "attendance.refused",
            f"session:{scan.session_id}",
            site_id=journal.site_id,
            reason=refusal.code,
        )


def _event(attendance: Attendance) -> dict:
    return {
        "type": "attendance",
        "visitor_id": attendance.visitor,
        "status": attendance.status,
        "checked_in_at": attendance.checked_in_at.isoformat() if attendance.checked_in_at else None,
    }


# ---- Together -------------------------------------------------------------------------------
#
# On a busy morning dozens of tablets scan at once, and each check-in alone is a transaction
# of half a dozen statements. Scans that arrive while one transaction runs are checked in
# together in the next (``lab.core.batching``): one read of their passes, one lock statement
# for their nonces, one read of the journal, of each site's sessions and of the visitors'
# places, one insert each of the arrivals, their audit entries and their journal entries,
# whatever their number. A scan alone is a batch of one, at once, with the statements it
# would have run alone.
#
# A batch records only the plain case, decided by the same rules: a tablet's scan of a pass
# whose holder one session at the tablet's site takes then (or several, offline: the
# nearest). Any other scan (a pass nobody holds, a repeated nonce, a choice to make, a
# booking, a visit, a refusal, someone already there) is left to ``check_in``'s own
# transaction afterwards, as if it had come alone; so is every scan of a batch that fails,
# which is rolled back whole.


def _may_go_together(scan: Scan, at: dt.datetime, now: dt.datetime) -> bool:
    return (
        scan.code is not None
        and scan.session_id is None
        and scan.site_id is not None
        and scan.chosen_session_id is None
        and not scan.leaving
        and scan.purpose is None
        and at >= now - MAX_AGE
        # Inside a caller's transaction, the scan belongs to it: not to another task's.
        and ScanEvent._meta.db.current_transaction.get() is None
    )


async def _check_in_together(items: list[_Journal]) -> list[CheckIn | None]:
    """The answers of scans checked in together (None: check it in on its own)."""
    try:
        return await _together(items)
    except Exception as error:
        if len(items) == 1:
            raise  # as the scan alone would have failed
        # Ids and error types only: no personal data in the logs.
        log.warning(
            "check-in: a batch of %d scans failed (%s); each is checked in on its own",
            len(items),
            type(error).__name__,
        )
        return [None] * len(items)


async def _together(scans: list[_Journal]) -> list[CheckIn | None]:
    engine = ScanEvent._meta.db
    answers: list[CheckIn | None] = [None] * len(scans)
    nonces = sorted({journal.scan.nonce for journal in scans})
    holders = await accounts.visitors_for_codes([journal.scan.code for journal in scans])
    # A pass nobody holds is refused on its own.
    items = [
        (dataclasses.replace(journal, token_hash=token_hash), visitor)
        for journal, (visitor, token_hash) in zip(scans, holders, strict=True)
    ]
    recorded = []
    async with write_transaction(engine):
        await lock_keys(engine, [f"scan:{nonce}" for nonce in nonces])
        (found,) = await fetch(ScanEvent, _seen_sql(len(nonces)), *nonces)
        seen = {nonce for nonce, there in zip(nonces, found.values(), strict=True) if there}
        found_at = await _sessions_at_sites(items)
        everywhere = [pair for found in found_at.values() for pair in found]
        expected = await workshop_queries.expected_of_visitors(
            {visitor.id for _journal, visitor in items if visitor is not None}, _series(everywhere)
        )
        arrivals, taken, seats = [], set(), set()
        for index, (journal, visitor) in enumerate(items):
            at, nonce = journal.at, journal.scan.nonce
            if visitor is None or nonce in seen or nonce in taken:
                continue  # a repeat: answered from the journal, on its own
            found = [
                (session, module)
                for session, module in found_at[journal.scan.site_id]
                if workshop_queries.under_way(session, at, at + rules.OPENS_BEFORE)
            ]
            acceptable, _refused = _sort_out(found, visitor, expected.get(visitor.id, set()), at)
            if not acceptable or (len(acceptable) > 1 and not journal.scan.offline):
                continue  # a choice, a booking, a visit or a refusal: on its own
            _none, session, module = min(acceptable, key=lambda r: _nearest(r[1], at))
            if (visitor.id, session.id) in seats:
                continue  # the same person twice at once: the second hears "already there"
            taken.add(nonce)
            seats.add((visitor.id, session.id))
            arrivals.append((index, journal, visitor, session, module))
        if not arrivals:
            return answers
        rows = [
            _arrival(journal, session, module, visitor)
            for _i, journal, visitor, session, module in arrivals
        ]
        written = await fetch(
            Attendance,
            _arrivals_sql(len(rows)),
            *(value for row in rows for value in row.values()),
        )
        ids = {(row["visitor"], row["session"]): row["id"] for row in written}
        for arrival, row in zip(arrivals, rows, strict=True):
            attendance_id = ids.get((row["visitor"], row["session"]))
            if attendance_id is not None:  # else already there: on its own, as a duplicate
                recorded.append((*arrival, row_of(Attendance, {**row, "id": attendance_id})))
        if recorded:
            await audit.record_all(
                [
                    _arrival_entry(journal, module, attendance)
                    for _i, journal, _v, _s, module, attendance in recorded
                ]
            )
            await insert_rows(
                ScanEvent,
                [
                    journal.entry(visitor=visitor.id, session=session.id, outcome="accepted")
                    for _i, journal, visitor, session, _m, _a in recorded
                ],
            )
    came: dict[tuple[int, int], list[int]] = {}
    for index, _journal, visitor, session, module, attendance in recorded:
        answers[index] = _at_session("accepted", visitor, session, module, attendance)
        came.setdefault((module.id, session.id), []).append(visitor.id)
    for (module_id, session_id), visitor_ids in came.items():
        await hooks.came(module_id, session_id, visitor_ids)
    return answers


@functools.lru_cache(maxsize=TOGETHER_AT_MOST)
def _seen_sql(count: int) -> str:
    """One row saying, for each of ``count`` nonces, whether the journal has it. One probe of
    the nonce's index each (``nonce = … LIMIT 1``): a list (``nonce IN (…)``) tempts
    PostgreSQL into reading the whole journal when its statistics are stale."""
    probe = "(SELECT 1 FROM scan_event WHERE nonce = {} LIMIT 1) AS seen"
    return "SELECT " + ", ".join(f"{probe}{number}" for number in range(count))


async def _sessions_at_sites(items: list[tuple[_Journal, object]]) -> dict[int, list]:
    """Each site's sessions under way at some moment a scan there may go to, held under a
    shared lock until the transaction ends: one read per site, over its scans' span."""
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for journal, _visitor in items:
        site_id, at = journal.scan.site_id, journal.at
        start, end = spans.get(site_id, (at, at))
        spans[site_id] = (min(start, at), max(end, at))
    return {
        site_id: await workshop_queries.sessions_open_at(
            site_id, start, end + rules.OPENS_BEFORE, held=True
        )
        for site_id, (start, end) in spans.items()
    }


_TOGETHER: Batcher[_Journal, CheckIn | None] = Batcher(_check_in_together, most=TOGETHER_AT_MOST)
