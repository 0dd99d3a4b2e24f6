"""Calendar subscriptions: an unguessable, revocable URL per resource or per visitor.

The URL carries a random token; the database keeps only its SHA-256, so a copy of the
database gives no working feed URL. The token is shown once, when the feed is created. A new
feed for the same subject revokes the previous one, and revoking makes its URL answer 404.

Who may manage them: a resource's feed, the managers of its site (it shows visitors' first
names); a visitor's feed, any staff member of the visitor's site.

Other domains add their own kinds (``register_kind``: the workshops' facilitator and module
feeds) and events to a visitor's feed (``add_visitor_events``: their sessions), so that this
module, which they build on, does not import them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Awaitable, Callable
from typing import Literal

from piccolo.columns.combination import Combinable

from lab.accounts.queries import (
    get_site,
    get_visitor,
    get_visitor_for,
    site_timezone,
    staff_language,
    staff_names,
)
from lab.accounts.services import lock_visitor
from lab.bookings import ics
from lab.bookings.resources import get_resource_for
from lab.bookings.tables import Booking, CalendarFeed, Resource
from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Forbidden, Invalid
from lab.core.i18n import N_, _, translations
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.core.security import new_token, token_hash

Kind = Literal["resource", "visitor"]
KINDS = ("resource", "visitor")
FEED_PATH = "/feeds/"
SUFFIX = ".ics"
# What a feed shows: the recent past (so a client can drop a cancelled booking it still has)
# and the next six months.
PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=180)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")

RESOURCE_CALENDAR_NAME = N_("%(resource)s · %(site)s")
VISITOR_CALENDAR_NAME = N_("Mes réservations · %(site)s")


@dataclasses.dataclass(frozen=True, slots=True)
class Subject:
    """What a feed is about, once the actor's right to manage its feed is checked."""

    kind: str  # Kind, or a kind another domain registered
    id: int
    site_id: int | None  # None: a feed about no one site (a staff member's own)
    name: str  # for the staff page: the resource's name or the visitor's first name
    timezone: str  # the site's, to show dates


@dataclasses.dataclass(frozen=True, slots=True)
class FeedStatus:
    subject: Subject
    active: dict | None  # id, created_at, created_by, created_by_name


@dataclasses.dataclass(frozen=True, slots=True)
class OtherKind:
    """A kind of feed that another domain serves with the same tokens."""

    # (actor, subject id) -> Subject; raises like subject_for when the actor may not manage it.
    subject: Callable[[StaffPrincipal, int], Awaitable[Subject]]
    # Locks the subject's row (by id) while its feed is created or revoked.
    lock: Callable[[int], Awaitable[None]]
    # (subject id, id of the staff member who created the feed) -> the calendar, or None.
    calendar: Callable[[int, int | None], Awaitable[bytes | None]]


_OTHER_KINDS: dict[str, OtherKind] = {}
# (visitor id, language) -> more events for the visitor's own feed.
_VISITOR_EVENTS: list[Callable[[int, str], Awaitable[list[ics.EventData]]]] = []


def register_kind(kind: str, other: OtherKind) -> None:
    """Serve feeds of ``kind`` (at most 10 characters: the column's size) through ``other``."""
    if kind in KINDS or len(kind) > 10:
        raise ValueError(f"feed kind {kind!r} is taken or too long")
    _OTHER_KINDS[kind] = other


def add_visitor_events(source: Callable[[int, str], Awaitable[list[ics.EventData]]]) -> None:
    if source not in _VISITOR_EVENTS:
        _VISITOR_EVENTS.append(source)


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url}{FEED_PATH}{token}{SUFFIX}"


def webcal_url(url: str) -> str:
    """The same URL for a phone's calendar: webcal:// asks it to subscribe, not to import."""
    return "webcal://" + url.split("://", 1)[-1]


def token_from_filename(filename: str) -> str | None:
    """``<token>.ics`` -> the token, or None for anything else."""
    if not filename.endswith(SUFFIX):
        return None
    token = filename[: -len(SUFFIX)]
    return token if _TOKEN.match(token) else None


async def subject_for(actor: StaffPrincipal, kind: str, subject_id: int) -> Subject:
    """Errors: invalid (unknown kind), not_found, forbidden (another site, or a facilitator
    asking for a resource's feed)."""
    if kind == "resource":
        resource = await get_resource_for(actor, subject_id)
        if not actor.can_reach_site(resource.site, *MANAGERS):
            raise Forbidden(
                _("Seul un ou une responsable du site peut gérer l'agenda d'une ressource.")
            )
        timezone = await site_timezone(resource.site)
        return Subject("resource", resource.id, resource.site, resource.name, timezone)
    if kind == "visitor":
        visitor = await get_visitor_for(actor, subject_id)
        timezone = await site_timezone(visitor.created_site)
        return Subject("visitor", visitor.id, visitor.created_site, visitor.first_name, timezone)
    if kind in _OTHER_KINDS:
        return await _OTHER_KINDS[kind].subject(actor, subject_id)
    raise Invalid(_("Ce type d'agenda n'existe pas."), code="unknown_feed_kind")


async def _lock_subject(subject: Subject) -> None:
    if subject.kind in _OTHER_KINDS:
        await _OTHER_KINDS[subject.kind].lock(subject.id)
    elif subject.kind == "resource":
        await lock_row(Resource, subject.id)
    else:
        await lock_visitor(subject.id)


async def _revoke_active(actor: StaffPrincipal, subject: Subject) -> int:
    revoked = (
        await CalendarFeed.update({CalendarFeed.revoked_at: clock.now()})
        .where(
            (CalendarFeed.kind == subject.kind)
            & (CalendarFeed.subject_id == subject.id)
            & CalendarFeed.revoked_at.is_null()
        )
        .returning(CalendarFeed.id)
    )
    for row in revoked:
        await audit.record(
            actor,
            "calendar_feed.revoked",
            f"calendar_feed:{row['id']}",
            site_id=subject.site_id,
            kind=subject.kind,
            subject_id=subject.id,
        )
    return len(revoked)


async def create_feed(actor: StaffPrincipal, kind: str, subject_id: int) -> str:
    """A new feed for a resource or a visitor; returns its token, which is never stored and
    cannot be shown again. The subject's previous feed stops working.

    Errors: as subject_for.
    """
    subject = await subject_for(actor, kind, subject_id)
    async with write_transaction(CalendarFeed._meta.db):
        # Two staff members creating a feed at once must not leave two live ones.
        await _lock_subject(subject)
        await _revoke_active(actor, subject)
        token = new_token()
        feed = CalendarFeed(
            kind=subject.kind,
            subject_id=subject.id,
            token_hash=token_hash(token),
            created_by=actor.actor_id,
            created_at=clock.now(),
        )
        await feed.save()
        await audit.record(
            actor,
            "calendar_feed.created",
            f"calendar_feed:{feed.id}",
            site_id=subject.site_id,
            kind=subject.kind,
            subject_id=subject.id,
        )
    return token


async def revoke_feed(actor: StaffPrincipal, kind: str, subject_id: int) -> int:
    """Stop the subject's feed; returns how many were live (0 or 1). Errors: as subject_for."""
    subject = await subject_for(actor, kind, subject_id)
    async with write_transaction(CalendarFeed._meta.db):
        await _lock_subject(subject)
        return await _revoke_active(actor, subject)


async def feed_status(actor: StaffPrincipal, kind: str, subject_id: int) -> FeedStatus:
    """The subject and its live feed, if any (when and by whom it was made), for the staff
    page. The token is not there: it cannot be shown again. Errors: as subject_for.
    """
    subject = await subject_for(actor, kind, subject_id)
    row = (
        await CalendarFeed.select(CalendarFeed.id, CalendarFeed.created_at, CalendarFeed.created_by)
        .where(
            (CalendarFeed.kind == subject.kind)
            & (CalendarFeed.subject_id == subject.id)
            & CalendarFeed.revoked_at.is_null()
        )
        .first()
    )
    if row is None:
        return FeedStatus(subject, None)
    by = row["created_by"]
    creator = (await staff_names([by])).get(by) if by is not None else None
    return FeedStatus(subject, {**row, "created_by_name": creator})


async def _live(token: str) -> dict | None:
    if not _TOKEN.match(token):
        return None
    return (
        await CalendarFeed.select(
            CalendarFeed.kind, CalendarFeed.subject_id, CalendarFeed.created_by
        )
        .where((CalendarFeed.token_hash == token_hash(token)) & CalendarFeed.revoked_at.is_null())
        .first()
    )


async def resolve_feed(token: str) -> tuple[str, int] | None:
    """(kind, subject id) of a live feed, or None for an unknown or revoked token."""
    row = await _live(token)
    return (row["kind"], row["subject_id"]) if row else None


async def feed_calendar(token: str) -> bytes | None:
    """The calendar a subscribed client gets: the subject's bookings from 30 days ago to 180
    days ahead, cancelled ones included. None for an unknown or revoked token, or a subject
    that no longer exists."""
    row = await _live(token)
    if row is None:
        return None
    if row["kind"] in _OTHER_KINDS:
        return await _OTHER_KINDS[row["kind"]].calendar(row["subject_id"], row["created_by"])
    now = clock.now()
    window = (Booking.ends_at > now - PAST) & (Booking.starts_at < now + AHEAD)
    if row["kind"] == "resource":
        return await _resource_calendar(row["subject_id"], row["created_by"], window)
    return await _visitor_calendar(row["subject_id"], window)


async def _resource_calendar(
    resource_id: int, created_by: int | None, window: Combinable
) -> bytes | None:
    resource = await Resource.objects().get(Resource.id == resource_id)
    if resource is None:
        return None
    site = await get_site(resource.site)
    # Nobody is logged in to read a feed: it speaks the language of who created it.
    language = await staff_language(created_by) or "fr"
    rows = (
        await Booking.select(*ics.COLUMNS)
        .where((Booking.resource == resource.id) & window)
        .order_by(Booking.starts_at)
    )
    name = translations(language).gettext(RESOURCE_CALENDAR_NAME) % {
        "resource": resource.name,
        "site": site.name,
    }
    events = [ics.event_from_row(r, language, with_first_name=True) for r in rows]
    return ics.calendar(events, name=name, method="PUBLISH")


async def _visitor_calendar(visitor_id: int, window: Combinable) -> bytes | None:
    visitor = await get_visitor(visitor_id)
    if visitor is None:  # erased since
        return None
    site = await get_site(visitor.created_site)
    language = visitor.preferred_language
    rows = (
        await Booking.select(*ics.COLUMNS)
        .where((Booking.visitor == visitor.id) & window)
        .order_by(Booking.starts_at)
    )
    name = translations(language).gettext(VISITOR_CALENDAR_NAME) % {"site": site.name}
    events = [ics.event_from_row(r, language, with_first_name=False) for r in rows]
    for source in _VISITOR_EVENTS:
        events += await source(visitor.id, language)
    return ics.calendar(events, name=name, method="PUBLISH")
