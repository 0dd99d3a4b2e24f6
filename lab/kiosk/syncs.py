"""What the tablets' scans left for staff to look at: refused scans to resolve, offline scans
that reached the server late, and tablets whose clock is off.

The scan journal (attendance's ``ScanEvent``, read through attendance.queries) is
append-only: resolving a refused scan writes a ``ScanReview`` next to it. Any staff member of
the tablet's site may look and resolve; visitors' names are shown only for visitors followed
by one of the staff member's sites.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import Site, get_site, get_site_for, staff_names, visitor_names
from lab.attendance import queries as journal
from lab.attendance import services as attendance
from lab.attendance.queries import ScanEvent
from lab.bookings import queries as booking_queries
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid, NotFound
from lab.core.i18n import N_, _
from lab.core.roles import StaffPrincipal
from lab.kiosk.tables import KioskDevice, ScanReview
from lab.workshops import queries as workshop_queries

# An offline scan that reached the server this long after it was made is a late sync.
LATE_AFTER = dt.timedelta(minutes=5)
# How far back the late syncs and clock problems go.
RECENT = dt.timedelta(days=7)
# A tablet clock off by more than this (either way) is flagged.
SKEW_LIMIT_SECONDS = 120
NOTE_MAX = 500
LIST_LIMIT = 200

RESOLUTIONS = {
    "checked_in": N_("Marqué·e présent·e"),
    "dismissed": N_("Classé sans suite"),
}
OUTCOMES = {
    "accepted": N_("Accepté"),
    "duplicate": N_("Déjà reçu"),
    "refused": N_("Refusé"),
}


def reason_label(reason: str) -> str:
    """The msgid saying why a scan was refused (translate it where it is shown)."""
    return attendance.refusal_label(reason)


@dataclasses.dataclass(frozen=True, slots=True)
class Review:
    resolution: str  # a key of RESOLUTIONS
    note: str
    by_name: str
    at: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class ScanRow:
    id: int
    device_id: int
    device_name: str
    site_id: int
    timezone: str  # the tablet's site's, to show times in
    client_at: dt.datetime | None
    received_at: dt.datetime
    offline: bool
    outcome: str
    reason: str
    clock_skew_seconds: int | None
    session_id: int | None
    session_title: str | None
    session_starts_at: dt.datetime | None
    booking_id: int | None
    booking_title: str | None
    booking_starts_at: dt.datetime | None
    # Set only for a visitor followed by one of the staff member's sites.
    visitor_id: int | None
    visitor_name: str | None
    already_present: bool
    review: Review | None

    @property
    def reason_label(self) -> str:
        return reason_label(self.reason)

    @property
    def delay(self) -> dt.timedelta | None:
        return self.received_at - self.client_at if self.client_at else None

    @property
    def can_check_in(self) -> bool:
        """Only a session scan of a known visitor can become a presence."""
        return (
            self.review is None
            and self.session_id is not None
            and self.visitor_id is not None
            and not self.already_present
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ClockProblem:
    device_id: int
    device_name: str
    scans: int
    worst_seconds: int  # the largest skew seen, with its sign (positive: the tablet is ahead)
    last_seconds: int
    last_at: dt.datetime


async def _site_scope(actor: StaffPrincipal, site_id: int) -> Site:
    return await get_site_for(actor, site_id)  # forbidden unless one of the actor's sites


def _site_devices(site_id: int):
    return KioskDevice.select(KioskDevice.id).where(KioskDevice.site == site_id)


async def refused_scans(actor: StaffPrincipal, site_id: int) -> list[ScanRow]:
    """Scans a tablet of the site refused, not yet reviewed, newest first. Errors: forbidden."""
    site = await _site_scope(actor, site_id)
    scans = await journal.refused_scans(
        _site_devices(site.id),
        reviewed=ScanReview.select(ScanReview.scan_event),
        limit=LIST_LIMIT,
    )
    return await _rows(actor, scans, site)


async def late_syncs(actor: StaffPrincipal, site_id: int) -> list[ScanRow]:
    """Offline scans of the last 7 days that reached the server more than 5 minutes after
    they were made (whatever their outcome), newest first. Errors: forbidden."""
    site = await _site_scope(actor, site_id)
    scans = await journal.offline_scans(_site_devices(site.id), clock.now() - RECENT)
    # The delay is compared here rather than in SQL: interval arithmetic differs between
    # SQLite and PostgreSQL, and a week of offline scans is a short list.
    late = [scan for scan in scans if scan.received_at - scan.client_at > LATE_AFTER]
    return await _rows(actor, late[:LIST_LIMIT], site)


async def clock_problems(actor: StaffPrincipal, site_id: int) -> list[ClockProblem]:
    """Tablets of the site whose clock was off by more than 2 minutes on a scan of the last
    7 days, the worst first. Errors: forbidden."""
    site = await _site_scope(actor, site_id)
    scans = await journal.skewed_scans(
        _site_devices(site.id), clock.now() - RECENT, SKEW_LIMIT_SECONDS
    )
    names = await _device_names({scan["device_id"] for scan in scans})
    problems: dict[int, ClockProblem] = {}
    for scan in scans:
        skew, known = scan["clock_skew_seconds"], problems.get(scan["device_id"])
        worst = (
            skew if known is None or abs(skew) > abs(known.worst_seconds) else known.worst_seconds
        )
        problems[scan["device_id"]] = ClockProblem(
            device_id=scan["device_id"],
            device_name=names.get(scan["device_id"], ""),
            scans=(known.scans if known else 0) + 1,
            worst_seconds=worst,
            last_seconds=skew,
            last_at=scan["received_at"],
        )
    return sorted(problems.values(), key=lambda problem: -abs(problem.worst_seconds))


async def scan_row(actor: StaffPrincipal, scan_id: int) -> ScanRow:
    """One scan of a tablet, with its review if any. Errors: not_found, forbidden."""
    scan, device = await _scan_for(actor, scan_id)
    site = await get_site(device.site)
    return (await _rows(actor, [scan], site))[0]


async def resolve(
    actor: StaffPrincipal, scan_id: int, resolution: str, note: str = ""
) -> ScanReview:
    """Answer a refused tablet scan, once: ``checked_in`` marks the visitor present at the
    scanned session (through attendance.mark, so the usual rules and audit apply; the
    presence is timed now, and the scan's own time stays in the journal and in this review's
    audit entry), ``dismissed`` files it with a note saying why. The review, the presence and
    the audit entry commit together.
    Errors: not_found, forbidden, not_refused, invalid (resolution, note), cannot_check_in,
    already_reviewed, and attendance.mark's (other_site…)."""
    if resolution not in RESOLUTIONS:
        raise Invalid(
            _("Choisissez ce qu'il faut faire de ce pointage."),
            field_errors={"resolution": _("Choisissez une des options proposées.")},
        )
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX or "<" in note or ">" in note:
        raise Invalid(
            _("La note fait 500 caractères au maximum, sans < ni >."),
            field_errors={"note": _("500 caractères au maximum, sans < ni >.")},
        )
    if resolution == "dismissed" and not note:
        raise Invalid(
            _("Dites en quelques mots pourquoi ce pointage est classé sans suite."),
            field_errors={"note": _("Ce champ est obligatoire.")},
        )
    scan, device = await _scan_for(actor, scan_id)
    if scan.outcome != "refused":
        raise Conflict(_("Ce pointage n'a pas été refusé : rien à résoudre."), code="not_refused")
    async with write_transaction(ScanReview._meta.db):
        # The tablet's row, not the journal's (attendance's): one review at a time per tablet.
        await lock_row(KioskDevice, device.id)
        if await ScanReview.exists().where(ScanReview.scan_event == scan.id):
            raise Conflict(_("Quelqu'un a déjà traité ce pointage."), code="already_reviewed")
        if resolution == "checked_in":
            if scan.session is None or scan.visitor is None:
                raise Conflict(
                    _("On ne sait pas qui ou quelle séance : classez ce pointage avec une note."),
                    code="cannot_check_in",
                )
            await attendance.mark(actor, scan.session, scan.visitor, "present")
        review = ScanReview(
            scan_event=scan.id,
            resolution=resolution,
            note=note,
            resolved_by=actor.actor_id,
            resolved_at=clock.now(),
        )
        await review.save()
        await audit.record(
            actor,
            "kiosk.scan_reviewed",
            f"scan:{scan.id}",
            site_id=device.site,
            resolution=resolution,
            reason=scan.reason,
            device_id=device.id,
            session_id=scan.session,
            visitor_id=scan.visitor,
            client_at=scan.client_at,
        )
    return review


async def _scan_for(actor: StaffPrincipal, scan_id: int) -> tuple[ScanEvent, KioskDevice]:
    """A tablet's scan, if the tablet belongs to one of the actor's sites."""
    scan = await journal.get_scan(scan_id)
    device = None
    if scan is not None and scan.device_id is not None:
        device = await KioskDevice.objects().get(KioskDevice.id == scan.device_id)
    if scan is None or device is None:
        raise NotFound(_("Ce pointage n'existe pas."))
    if not actor.can_reach_site(device.site):
        raise Forbidden(_("Ce pointage vient d'une tablette d'un autre site."))
    return scan, device


async def _device_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await KioskDevice.select(KioskDevice.id, KioskDevice.name).where(
        KioskDevice.id.is_in(list(ids))
    )
    return {row["id"]: row["name"] for row in rows}


async def _rows(actor: StaffPrincipal, scans: list[ScanEvent], site: Site) -> list[ScanRow]:
    """Rows to show, with what the scan was about, loaded a few queries for the whole list."""
    if not scans:
        return []
    site_id, timezone = site.id, site.timezone
    names = await _device_names({scan.device_id for scan in scans})
    sessions = await _sessions({scan.session for scan in scans if scan.session})
    bookings = await booking_queries.booking_summaries(
        {scan.booking for scan in scans if scan.booking}
    )
    visitors = await _visitors(actor, {scan.visitor for scan in scans if scan.visitor})
    present = await _present({(scan.session, scan.visitor) for scan in scans})
    reviews = await _reviews([scan.id for scan in scans])
    rows = []
    for scan in scans:
        session = sessions.get(scan.session) or {}
        booking = bookings.get(scan.booking) or {}
        visitor = visitors.get(scan.visitor)
        rows.append(
            ScanRow(
                id=scan.id,
                device_id=scan.device_id,
                device_name=names.get(scan.device_id, ""),
                site_id=site_id,
                timezone=timezone,
                client_at=scan.client_at,
                received_at=scan.received_at,
                offline=bool(scan.offline),
                outcome=scan.outcome,
                reason=scan.reason,
                clock_skew_seconds=scan.clock_skew_seconds,
                session_id=scan.session if session else None,
                session_title=session.get("title"),
                session_starts_at=session.get("starts_at"),
                booking_id=scan.booking if booking else None,
                booking_title=booking.get("title"),
                booking_starts_at=booking.get("starts_at"),
                visitor_id=scan.visitor if visitor else None,
                visitor_name=visitor,
                already_present=(scan.session, scan.visitor) in present,
                review=reviews.get(scan.id),
            )
        )
    return rows


async def _sessions(ids: set[int]) -> dict[int, dict]:
    return await workshop_queries.session_summaries(ids)


async def _visitors(actor: StaffPrincipal, ids: set[int]) -> dict[int, str]:
    """First and last names of the visitors this actor may see (their sites' visitors)."""
    mine = list(actor.site_ids())
    if not ids or not mine:
        return {}
    rows = await visitor_names(ids, site_ids=mine)
    return {row["id"]: f"{row['first_name']} {row['last_name']}" for row in rows}


async def _present(pairs: set[tuple[int | None, int | None]]) -> set[tuple[int, int]]:
    """Which (session, visitor) pairs already have a presence (came in another way since)."""
    pairs = {(session, visitor) for session, visitor in pairs if session and visitor}
    if not pairs:
        return set()
    return await journal.present_pairs(pairs)


async def _reviews(scan_ids: list[int]) -> dict[int, Review]:
    rows = await ScanReview.select().where(ScanReview.scan_event.is_in(scan_ids))
    if not rows:
        return {}
    by_ids = {row["resolved_by"] for row in rows if row["resolved_by"]}
    names = await staff_names(by_ids) if by_ids else {}
    return {
        row["scan_event"]: Review(
            resolution=row["resolution"],
            note=row["note"],
            by_name=names.get(row["resolved_by"], ""),
            at=row["resolved_at"],
        )
        for row in rows
    }
