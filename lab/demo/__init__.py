"""Demo data: two sites (France and Brussels), staff of every role, 50 visitors with passes
(and Lina, below), resources and a week of bookings, a workshop programme with its attendance,
a tablet per site, a month of drop-in visits, and the year before (``history``).

Each domain's part is its own module (accounts, bookings, workshops, attendance, kiosk); this
one runs them in that order, lowest domain first, on one random generator; then ``story``
gives one visitor (Lina Haddad) an item of every kind in her timeline. Deterministic
(fixed seed), so the README's logins and the screenshots stay true: the order of the parts and
of their draws is part of the data.
"""

from __future__ import annotations

import random
from urllib.parse import urlsplit

from lab.accounts import queries as account_queries
from lab.demo import (
    accounts,
    attendance,
    bookings,
    history,
    kiosk,
    network,
    skills,
    story,
    visits,
    workshops,
)
from lab.demo.accounts import DEMO_PASSWORD, STAFF, has_data
from lab.demo.kiosk import KIOSK_NAME
from lab.settings import Settings
from lab.system import operator
from lab.workshops import queries as workshop_queries

__all__ = ["DEMO_PASSWORD", "KIOSK_NAME", "STAFF", "closing_message", "has_data", "load"]


async def load(count: int = 50, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    await skills.load_catalogue()
    site_ids = await accounts.load_sites_and_staff()
    actor = await operator()  # it sees the new sites
    await accounts.load_visitors(actor, site_ids, rng, count)
    people = await accounts.people()

    async def learnt_studio(visitor_id: int) -> None:
        await skills.learnt_studio(actor, visitor_id)

    equipment = await bookings.load_equipment(actor, site_ids, people, rng, learnt_studio)
    rooms = await bookings.load_workshop_rooms(actor, site_ids)
    staff_ids = await accounts.staff_ids()
    programme = await workshops.load_programme(actor, site_ids, rooms, people, staff_ids, rng)
    # Before attendance: completing a module is evidence the moment it happens.
    await skills.teach(actor)
    await attendance.load_attendance(actor, rng)
    await story.load_story(actor, site_ids, people)
    await skills.load_studio_workshop(actor, site_ids, rooms, staff_ids)
    # Its own generator, like visits below.
    await skills.load_evidence(actor, people, staff_ids, random.Random(seed + 3))
    equipment["resources"] += programme.pop("rooms")
    kiosks = await kiosk.load_kiosks(actor, site_ids)
    # Its own generator: the parts above draw exactly what they drew before visits came.
    drop_ins = await visits.load_visits(site_ids, people, random.Random(seed + 1))
    # The year before, last: it fits around what the parts above put in the recent weeks.
    past = await history.load_history(site_ids, staff_ids, random.Random(seed + 2), kiosks)
    # The local network around each site: partners, a past meeting and its actions, referrals.
    partners = await network.load_network(
        actor, site_ids, people, staff_ids, random.Random(seed + 4)
    )
    return {
        "sites": len(site_ids),
        "staff": len(STAFF),
        **equipment,
        **programme,
        # Counted in the database: the story adds a visitor and her workshops to the rest.
        "visitors": await account_queries.visitor_count(),
        **await workshop_queries.programme_counts(),
        "kiosks": len(kiosks),
        "visits": drop_ins,
        **{f"history_{kind}": count for kind, count in past.items()},
        **await skills.totals(),
        **partners,
    }


# A server listening on every interface is opened, from this machine, at the loopback address.
_ANY_HOST = {"", "0.0.0.0", "::"}  # noqa: S104 - names the wildcard, binds nothing
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def served_address(settings: Settings) -> str:
    """Where `lab serve` listens (LAB_HOST, LAB_PORT), as a browser on this machine opens it."""
    host = "127.0.0.1" if settings.host in _ANY_HOST else settings.host
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address in a URL
    return f"http://{host}:{settings.port}"


def closing_message(counts: dict[str, int], settings: Settings) -> str:
    """What `lab demo` prints once the data is in: what was loaded, where to log in, as whom."""
    login = f"{served_address(settings)}/login"
    public = urlsplit(settings.base_url).hostname
    if public not in _LOOPBACK:
        # Behind a proxy the public address (LAB_BASE_URL) is the one people use.
        login += f" (or {settings.base_url}/login)"
    lines = [
        f"Demo data loaded: {counts['sites']} sites, {counts['staff']} staff accounts, "
        f"{counts['visitors']} visitors with passes, {counts['resources']} resources and "
        f"{counts['bookings']} bookings this week.",
        f"Workshops: {counts['modules']} modules, {counts['sessions']} sessions and "
        f"{counts['enrolments']} enrolments (waitlists included), past attendance taken.",
        f"Drop-in visits: {counts.get('visits', 0)} over the last month, anonymous ones included.",
        f"Skills: {counts.get('skill_evidence', 0)} pieces of evidence (self-assessments, "
        f"facilitators' ticks, completed modules) and {counts.get('badges', 0)} badges.",
        f"Local network: {counts.get('network_partners', 0)} partners, "
        f"{counts.get('network_meetings', 0)} past meetings with their minutes, "
        f"{counts.get('network_actions', 0)} actions and {counts.get('network_referrals', 0)} "
        "referrals of young people.",
    ]
    if "history_sessions" in counts:
        lines.append(
            f"A year of history before this week: {counts['history_visitors']} of the visitors "
            f"signed up over it, {counts['history_sessions']} past sessions with "
            f"{counts['history_attendances']} attendance marks, {counts['history_bookings']} "
            f"bookings, {counts['history_loans']} tablet loans and {counts['history_visits']} "
            "drop-in visits."
        )
    lines.append(f"Log in at {login} with one of these (password: {DEMO_PASSWORD}):")
    for email, _name, role, slug, _lang in STAFF:
        lines.append(f"  {email:<36} {role:<16} {slug or 'all sites'}")
    lines.append(
        "Managers, network managers and admins set up a second factor at their first login: "
        "scan the QR code with an authenticator app (FreeOTP, Aegis...), type its 6-digit code, "
        "keep the recovery codes. Facilitators may turn it on from their account page."
    )
    lines.append(
        f"Kiosk: {counts['kiosks']} tablets ({KIOSK_NAME}), not paired yet; "
        "`lab kiosk-code --list` shows them, `lab kiosk-code --device ID` pairs one."
    )
    return "\n".join(lines)
