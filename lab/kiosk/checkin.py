"""Checking in at a kiosk: a visitor shows their pass to a paired tablet.

The tablet sends what it read (a pass URL or token from the camera or a scanner, or a typed
short code), a nonce it made for this scan, and the time of the scan on its own clock. The
server decides everything else:

- **When.** The scan's time is the tablet's ``client_at`` corrected by the tablet's clock
  error, measured on this very request (``sent_at`` against the server's clock). It is never
  in the future; a scan older than 7 days is refused (``too_old``). A skew over 2 minutes is
  kept in the journal for staff (the "sync problems" page).
- **Into what.** A session at the tablet's site, open for check-in at that time (from 30
  minutes before its start until its end), that the visitor may join (enrolled, or drop-in).
  Several: a visitor standing at the tablet chooses (nothing is recorded yet); an offline scan
  sent later takes the one starting nearest to the scan. None: the visitor's booking at this
  site whose check-in window holds that time. Nothing: a refusal with a reason code.
- **Once.** The nonce makes it idempotent on every path: a repeat gets the first answer.
  Scans of one tablet are looked at one at a time (a row lock on the device), so a retry that
  races its original cannot record a booking or a refusal twice; a session's check-in is
  recorded by ``attendance.check_in``, itself idempotent by nonce under the session's lock.

Every scan, accepted or refused, is journaled in ``ScanEvent`` with the device, the corrected
time, the offline flag and the skew; refusals are also audited.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts import passes
from lab.accounts.tables import Site, Visitor
from lab.attendance import refusals
from lab.attendance import services as attendance
from lab.attendance.services import ScanRefused, valid_nonce
from lab.attendance.tables import ScanEvent
from lab.bookings import checkin as bookings
from lab.bookings.tables import Booking, Resource
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict
from lab.kiosk.devices import DevicePrincipal
from lab.kiosk.tables import KioskDevice
from lab.workshops.tables import Module, Session

# An offline scan older than this is not recorded: the session's sheet is long signed.
MAX_AGE = dt.timedelta(days=7)
# A tablet clock off by more than this is flagged in the journal for staff.
SKEW_FLAG_SECONDS = 120

# What the visitor reads on the tablet: short, plain, and where to go next.
# When no session would take the visitor, the reason to give: the most useful one first.
_REASON_ORDER = ("session_closed", "not_enrolled", "other_site", "too_early", "session_over")


def refusal_message(code: str) -> str:
    return refusals.for_visitor(code)


class KioskScanRefused(ScanRefused):
    """A refused kiosk scan that knows whose pass it was (``visitor_id``; None for a pass
    nobody holds), so that the tablet can tell them their next appointment. The id stays on
    the server: the answer never carries it."""

    def __init__(self, message: str, *, code: str, visitor_id: int | None) -> None:
        super().__init__(message, code=code)
        self.visitor_id = visitor_id


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    session_id: int
    title: str
    starts_at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class KioskCheckIn:
    """The answer to show: ``accepted`` or ``duplicate`` (already checked in) name the visitor
    by first name only and what they came for; ``choose`` lists the sessions to pick from."""

    outcome: str  # accepted | duplicate | choose
    first_name: str
    title: str = ""
    kind: str = ""  # session | booking
    starts_at: dt.datetime | None = None
    choices: tuple[Choice, ...] = ()
    timezone: str = "UTC"  # the site's, to show the choices' times in


@dataclasses.dataclass(frozen=True, slots=True)
class _Refusal:
    code: str
    visitor_id: int | None


@dataclasses.dataclass(frozen=True, slots=True)
class _IntoSession:
    """The session decided on: attendance.check_in records it in its own transaction, which
    publishes the roster's live event once committed."""

    session: Session
    module: Module
    visitor_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class _Scan:
    """What the journal keeps of one scan, whatever its outcome."""

    device: DevicePrincipal
    nonce: str
    method: str
    token_hash: str | None
    at: dt.datetime
    offline: bool
    skew: int | None

    def journal(self, **fields: object) -> ScanEvent:
        return ScanEvent(
            nonce=self.nonce,
            device_id=self.device.device_id,
            method=self.method,
            token_hash=self.token_hash,
            client_at=self.at,
            received_at=clock.now(),
            offline=self.offline,
            clock_skew_seconds=self.skew,
            **fields,
        )


def scan_time(
    client_at: dt.datetime, sent_at: dt.datetime | None, now: dt.datetime
) -> tuple[dt.datetime, int | None]:
    """When the scan happened on the server's clock, and the tablet's skew if it is flagged.

    The skew is how far ahead the tablet's clock is (``sent_at`` is its clock when it sent
    this request, so the request's own travel time is the error); the scan's time is corrected
    by it and never later than now."""
    skew = (sent_at - now).total_seconds() if sent_at is not None else 0.0
    at = min(client_at - dt.timedelta(seconds=skew), now)
    return at, (round(skew) if abs(skew) > SKEW_FLAG_SECONDS else None)


async def check_in_at_kiosk(
    device: DevicePrincipal,
    *,
    code: str,
    nonce: str,
    client_at: dt.datetime,
    sent_at: dt.datetime | None = None,
    session_id: int | None = None,
    offline: bool = False,
) -> KioskCheckIn:
    """Check in whoever ``code`` names, at the tablet's site, at the time of the scan (see the
    module's docstring). ``session_id``: the session the visitor chose after a ``choose``
    answer. ``offline``: sent from the tablet's queue after the visitor left, so nobody is
    there to choose.

    Errors (ScanRefused, journaled with the code): bad_nonce (Invalid), unknown_pass,
    too_old, nothing_now, session_closed, not_enrolled, other_site, too_early, session_over,
    not_confirmed, outside_window. A repeated nonce returns the first answer (``duplicate``),
    or repeats its refusal. A refusal is a KioskScanRefused, naming the pass's holder."""
    valid_nonce(nonce)
    now = clock.now()
    at, skew = scan_time(client_at, sent_at, now)
    visitor, token_hash = await passes.visitor_for_code(code)
    method = "kiosk_scan" if passes.token_from_scan(code) else "kiosk_code"
    scan = _Scan(device, nonce, method, token_hash, at, offline, skew)
    async with write_transaction(ScanEvent._meta.db):
        # One scan of this tablet at a time: a retry cannot overtake its original.
        await lock_row(KioskDevice, device.device_id)
        first = (
            await ScanEvent.objects().where(ScanEvent.nonce == nonce).order_by(ScanEvent.id).first()
        )
        if first is not None:
            answer = await _repeat(scan, first)
        elif at < now - MAX_AGE:
            answer = await _refuse(scan, "too_old", visitor)
        elif visitor is None:
            answer = await _refuse(scan, "unknown_pass", None)
        else:
            answer = await _decide(scan, visitor, session_id)
    if isinstance(answer, _IntoSession):
        answer = await _into_session(scan, answer, code)
    if isinstance(answer, _Refusal):
        raise KioskScanRefused(
            refusal_message(answer.code), code=answer.code, visitor_id=answer.visitor_id
        )
    return answer


async def _decide(
    scan: _Scan, visitor: Visitor, session_id: int | None
) -> KioskCheckIn | _IntoSession | _Refusal:
    sessions = await _sessions_around(scan.device.site_id, scan.at, session_id)
    if session_id is not None and not sessions:
        return await _refuse(scan, "nothing_now", visitor)
    acceptable, refused = [], []
    for session, module in sessions:
        reason = await _reason(session, module, visitor, scan.at)
        (refused if reason else acceptable).append((reason, session, module))
    if len(acceptable) > 1 and not scan.offline and session_id is None:
        site = await Site.select(Site.timezone).where(Site.id == scan.device.site_id).first()
        return KioskCheckIn(
            "choose",
            visitor.first_name,
            timezone=site["timezone"],
            choices=tuple(
                Choice(session.id, module.title, session.starts_at)
                for _reason, session, module in sorted(acceptable, key=lambda r: r[1].starts_at)
            ),
        )
    if acceptable:
        _none, session, module = min(acceptable, key=lambda r: _nearest(r[1], scan.at))
        return _IntoSession(session, module, visitor.id)
    if session_id is None:
        found = await bookings.open_booking_at(visitor.id, scan.device.site_id, scan.at)
        if found is not None:
            return await _into_booking(scan, visitor, *found)
    if refused:
        reason, session, _module = min(
            refused, key=lambda r: (_REASON_ORDER.index(r[0]), _nearest(r[1], scan.at))
        )
        return await _refuse(scan, reason, visitor, session=session.id)
    return await _refuse(scan, "nothing_now", visitor)


def _nearest(session: Session, at: dt.datetime) -> tuple[float, int]:
    return abs((session.starts_at - at).total_seconds()), session.id


async def _sessions_around(
    site_id: int, at: dt.datetime, session_id: int | None
) -> list[tuple[Session, Module]]:
    """Sessions at the site open for check-in at ``at`` (whatever their status: a session
    closed since is a reason to give), or the one chosen, if it is at the site."""
    where = Session.module.site == site_id
    if session_id is not None:
        where &= Session.id == session_id
    else:
        where &= (Session.starts_at <= at + attendance.OPENS_BEFORE) & (Session.ends_at > at)
    sessions = await Session.objects().where(where).order_by(Session.starts_at)
    modules = {}
    if sessions:
        ids = list({session.module for session in sessions})
        modules = {m.id: m for m in await Module.objects().where(Module.id.is_in(ids))}
    return [(session, modules[session.module]) for session in sessions]


async def _reason(
    session: Session, module: Module, visitor: Visitor, at: dt.datetime
) -> str | None:
    """Why not this session. A closed or cancelled session is the reason only for someone it
    would have taken: a stranger to it hears the reason that applies to them."""
    reason = await attendance.refusal_at(session, module, visitor, at)
    if reason != "session_closed":
        return reason
    status = session.status
    session.status = "scheduled"
    try:
        otherwise = await attendance.refusal_at(session, module, visitor, at)
    finally:
        session.status = status
    return otherwise or reason


async def _into_session(scan: _Scan, into: _IntoSession, code: str) -> KioskCheckIn | _Refusal:
    session, module = into.session, into.module
    try:
        result = await attendance.check_in(
            scan.device,
            session.id,
            nonce=scan.nonce,
            method=scan.method,
            code=code,
            client_at=scan.at,
            device_id=scan.device.device_id,
            at=scan.at,
            offline=scan.offline,
            clock_skew_seconds=scan.skew,
        )
    except ScanRefused as refused:  # journaled and audited by attendance
        return _Refusal(refused.code, into.visitor_id)
    return KioskCheckIn(
        "duplicate" if result.repeated else "accepted",
        result.first_name,
        module.title,
        "session",
        session.starts_at,
    )


async def _into_booking(
    scan: _Scan, visitor: Visitor, booking: Booking, resource: Resource
) -> KioskCheckIn | _Refusal:
    already = booking.status == "checked_in"
    try:
        await bookings.check_in_at(scan.device, booking, resource, scan.at)
    except Conflict as refused:
        return await _refuse(scan, refused.code, visitor, booking=booking.id)
    await ScanEvent.insert(
        scan.journal(
            visitor=visitor.id,
            booking=booking.id,
            outcome="duplicate" if already else "accepted",
        )
    )
    return KioskCheckIn(
        "duplicate" if already else "accepted",
        visitor.first_name,
        resource.name,
        "booking",
        booking.starts_at,
    )


async def _refuse(
    scan: _Scan,
    reason: str,
    visitor: Visitor | None,
    *,
    session: int | None = None,
    booking: int | None = None,
) -> _Refusal:
    await ScanEvent.insert(
        scan.journal(
            visitor=visitor.id if visitor else None,
            session=session,
            booking=booking,
            outcome="refused",
            reason=reason,
        )
    )
    await audit.record(
        scan.device,
        "kiosk.checkin_refused",
        f"kiosk:{scan.device.device_id}",
        site_id=scan.device.site_id,
        reason=reason,
        visitor_id=visitor.id if visitor else None,
        session_id=session,
        booking_id=booking,
        offline=scan.offline,
    )
    return _Refusal(reason, visitor.id if visitor else None)


async def _repeat(scan: _Scan, first: ScanEvent) -> KioskCheckIn | _Refusal:
    """The same nonce again (a retry whose answer was lost): journal it, answer as the first."""
    await ScanEvent.insert(
        scan.journal(
            visitor=first.visitor,
            session=first.session,
            booking=first.booking,
            outcome="duplicate",
            reason="repeated_nonce",
        )
    )
    if first.outcome == "refused":
        return _Refusal(first.reason, first.visitor)
    visitor = await Visitor.objects().get(Visitor.id == first.visitor)
    title, kind, starts_at = "", "", None
    if first.booking is not None:
        row = (
            await Booking.select(Booking.starts_at, Booking.resource.name.as_alias("title"))
            .where(Booking.id == first.booking)
            .first()
        )
        kind = "booking"
    else:
        row = (
            await Session.select(Session.starts_at, Session.module.title.as_alias("title"))
            .where(Session.id == first.session)
            .first()
        )
        kind = "session"
    if row:
        title, starts_at = row["title"], row["starts_at"]
    return KioskCheckIn("duplicate", visitor.first_name if visitor else "", title, kind, starts_at)
