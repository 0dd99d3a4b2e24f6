"""What the network's staff pages show, put together from the domain's reads (``queries``, the
access rules of ``access``) and accounts' (sites, staff names, the visitor's record).

Every function takes the acting staff member: what they may not see is never read, so a
template is never given it. Lists are read in a fixed number of statements whatever their
length (one for a list, one for what its rows name)."""

from __future__ import annotations

from collections import defaultdict
from zoneinfo import ZoneInfo

from lab.accounts import queries as accounts
from lab.accounts.queries import Site
from lab.core import clock
from lab.core.i18n import N_, _
from lab.core.qr import qr_svg
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.network import queries, services
from lab.network.access import can_manage_shared, network_site_ids
from lab.network.tables import NetworkContact, NetworkDecision, NetworkPartner

LABELS = {
    "partner_kinds": queries.PARTNER_KINDS,
    "theme_kinds": queries.THEME_KINDS,
    "presences": queries.PRESENCES,
    "action_kinds": queries.ACTION_KINDS,
    "action_statuses": queries.ACTION_STATUSES,
    "needs": queries.NEEDS,
    "referral_statuses": queries.REFERRAL_STATUSES,
    "outcomes": queries.OUTCOMES,
    "meeting_statuses": {
        "planned": N_("Prévue"),
        "held": N_("Tenue"),
        "cancelled": N_("Annulée"),
    },
}
# What a status button says: the move, not the state it leads to.
MOVES = {
    "proposed": N_("Remettre en attente"),
    "under_way": N_("Commencer"),
    "done": N_("Marquer comme réalisée"),
    "abandoned": N_("Abandonner"),
}


def _labels() -> dict:
    return dict(LABELS)


# Where each referral status may go next (itself first: a new follow-up date only).
REFERRAL_NEXT = {
    status: [status, *sorted(following)]
    for status, following in services.REFERRAL_TRANSITIONS.items()
}


async def _site_names(actor: StaffPrincipal) -> dict[int, str]:
    """{id: name} of the sites of the actor's networks (the sites that follow its partners)."""
    shared = sorted(await network_site_ids(actor)) or [-1]
    # A site's name, read as access reads its network: accounts' row, one column.
    rows = await Site.select(Site.id, Site.name).where(Site.id.is_in(shared)).order_by(Site.name)
    return {row["id"]: row["name"] for row in rows}


# ---- partners ------------------------------------------------------------------------------


async def partners_context(actor: StaffPrincipal, text: str = "", kind: str = "") -> dict:
    """The network's partners matching a search, with the site that follows each."""
    kind = kind if kind in queries.PARTNER_KINDS else ""
    partners = await queries.search_partners(actor, text, kind=kind or None)
    managed = await accounts.site_choices(actor, *MANAGERS)
    return {
        "partners": partners,
        "site_names": await _site_names(actor),
        "values": {"q": text, "kind": kind},
        "can_manage": bool(managed),
        **_labels(),
    }


async def partner_context(actor: StaffPrincipal, partner_id: int) -> dict:
    """A partner with its contact people. Errors: not_found, forbidden (other_site)."""
    partner = await queries.get_partner_for(actor, partner_id)
    contacts = await queries.partner_contacts(actor, partner_id)
    return {
        "partner": partner,
        "contacts": contacts,
        "site_names": await _site_names(actor),
        "tags": [tag.strip() for tag in partner.tags.split(",") if tag.strip()],
        "can_manage": await can_manage_shared(actor, partner.site),
        "values": {"language": partner.language},
        "errors": {},
        **_labels(),
    }


async def contact_pass_context(actor: StaffPrincipal, contact_id: int) -> dict:
    """A new meeting pass for a contact person, as its QR and its code, shown once.
    Errors: not_found, forbidden (a manager of the partner's network only)."""
    token = await services.issue_contact_pass(actor, contact_id)
    contact = await queries.get_contact_for(actor, contact_id)
    partner = await queries.get_partner_for(actor, contact.partner)
    name = f"{contact.first_name} {contact.last_name}"
    return {
        "contact": contact,
        "partner": partner,
        "code": token,
        "qr": qr_svg(token, _("Badge de réunion de %(name)s", name=name)),
    }


def partner_values(partner: NetworkPartner) -> dict:
    """A partner as its form shows it."""
    return {
        "site_id": partner.site,
        "name": partner.name,
        "kind": partner.kind,
        "municipality": partner.municipality,
        "zone": partner.zone,
        "services": partner.services,
        "tags": partner.tags,
        "language": partner.language,
        "email": partner.email,
        "phone": partner.phone,
        "address": partner.address,
        "website": partner.website,
        "active": partner.active,
    }


async def partner_form_context(actor: StaffPrincipal, partner_id: int | None = None) -> dict:
    """The partner form: empty, or filled with the partner (which the actor must manage).
    Errors: not_found, forbidden."""
    sites = await accounts.site_choices(actor, *MANAGERS)
    values: dict = {"kind": "", "language": "fr", "active": True}
    partner = None
    if partner_id is not None:
        partner = await queries.get_partner_for(actor, partner_id)
        values = partner_values(partner)
        sites = {**(await _site_names(actor)), **sites} if partner.site not in sites else sites
    elif sites:
        values["site_id"] = next(iter(sites))
    return {
        "partner": partner,
        "sites": sites,
        "values": values,
        "errors": {},
        "site_error": _("Choisissez le site qui suit ces partenaires."),
        **_labels(),
    }


# ---- meetings ------------------------------------------------------------------------------


async def meetings_context(actor: StaffPrincipal) -> dict:
    """The network's meetings to come (the next first) and past (the last first)."""
    upcoming = await queries.list_meetings(actor, upcoming=True)
    past = await queries.list_meetings(actor, upcoming=False, limit=50)
    zones = await accounts.timezones({m.site for m in [*upcoming, *past]})
    return {
        "upcoming": upcoming,
        "past": past,
        "zones": zones,
        "site_names": await _site_names(actor),
        "can_create": bool(await accounts.site_choices(actor, *MANAGERS)),
        **_labels(),
    }


async def meeting_form_context(actor: StaffPrincipal) -> dict:
    sites = await accounts.site_choices(actor, *MANAGERS)
    return {
        "sites": sites,
        "values": {"site_id": next(iter(sites), "")},
        "errors": {},
        **_labels(),
    }


async def meeting_context(actor: StaffPrincipal, meeting_id: int) -> dict:
    """A meeting's page: agenda, invitations and presence, minutes, decisions and their actions,
    and, for who may change it, the partners and people one may invite.
    Errors: not_found, forbidden (other_site)."""
    detail = await queries.meeting_detail(actor, meeting_id)
    meeting = detail.meeting
    invited_contacts = {row["contact_id"] for row in detail.invitations if row["contact_id"]}
    invited_partners = {row["partner_id"] for row in detail.invitations if not row["contact_id"]}
    invitable: list[dict] = []
    if detail.can_manage and meeting.status != "cancelled":
        partners = await queries.search_partners(actor)
        contacts = await (
            NetworkContact.select(
                NetworkContact.id,
                NetworkContact.partner,
                NetworkContact.first_name,
                NetworkContact.last_name,
                NetworkContact.role,
            )
            .where(
                NetworkContact.partner.is_in([p.id for p in partners] or [-1])
                & NetworkContact.active.eq(True)
            )
            .order_by(NetworkContact.last_name)
        )
        by_partner: dict[int, list[dict]] = defaultdict(list)
        for contact in contacts:
            if contact["id"] not in invited_contacts:
                by_partner[contact["partner"]].append(contact)
        invitable = [
            {
                "id": partner.id,
                "name": partner.name,
                "invited": partner.id in invited_partners,
                "contacts": by_partner.get(partner.id, []),
            }
            for partner in partners
        ]
    present = sum(1 for row in detail.invitations if row["presence"] == "present")
    partners_present = len(
        {row["partner_id"] for row in detail.invitations if row["presence"] == "present"}
    )
    tz = ZoneInfo(detail.timezone)
    starts, ends = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    return {
        "meeting": meeting,
        "meeting_values": {
            "site_id": meeting.site,
            "title": meeting.title,
            "day": starts.date().isoformat(),
            "start": starts.strftime("%H:%M"),
            "end": ends.strftime("%H:%M"),
            "place": meeting.place,
            "video_link": meeting.video_link,
            "zone": meeting.zone,
        },
        "timezone": detail.timezone,
        "site_name": (await _site_names(actor)).get(meeting.site, ""),
        "themes": detail.themes,
        "theme_options": {theme["id"]: theme["title"] for theme in detail.themes},
        "invitations": detail.invitations,
        "decisions": detail.decisions,
        "can_manage": detail.can_manage,
        "can_take_attendance": actor.can_reach_site(meeting.site),
        "invitable": invitable,
        "present": present,
        "partners_present": partners_present,
        "values": {"minutes": meeting.minutes},
        "errors": {},
        **_labels(),
    }


# ---- actions -------------------------------------------------------------------------------


async def action_form_context(
    actor: StaffPrincipal, decision_id: int | None = None, site_id: int | None = None
) -> dict:
    """A new action's form; opened from a decision, it names the decision and its meeting's
    site, and proposes the partners present at the meeting. Errors: not_found, forbidden."""
    sites = await accounts.site_choices(actor, *MANAGERS)
    decision = None
    partner_ids: list[int] = []
    if decision_id is not None:
        decision = await (
            NetworkDecision.select(
                NetworkDecision.id,
                NetworkDecision.text,
                NetworkDecision.meeting.as_alias("meeting_id"),
                NetworkDecision.meeting.title.as_alias("meeting_title"),
            )
            .where(NetworkDecision.id == decision_id)
            .first()
        )
        if decision is not None:
            detail = await queries.meeting_detail(actor, decision["meeting_id"])
            site_id = detail.meeting.site
            partner_ids = sorted(
                {row["partner_id"] for row in detail.invitations if row["presence"] == "present"}
            )
    chosen = site_id if site_id in sites else next(iter(sites), None)
    owners = await accounts.staff_at_site(chosen) if chosen else []
    partners = await queries.search_partners(actor)
    values = {
        "site_id": chosen,
        "decision_id": decision["id"] if decision else "",
        "title": "",
        "kind": "other",
        "owner_id": actor.user_id,
        "partner_ids": partner_ids,
    }
    return {
        "decision": decision,
        "sites": sites,
        "owners": {row["id"]: row["name"] for row in owners},
        "partners": partners,
        "values": values,
        "errors": {},
        **_labels(),
    }


async def action_context(actor: StaffPrincipal, action_id: int) -> dict:
    """An action's page: its status and the moves allowed from it, partners, notes, the module
    it became. Errors: not_found, forbidden (other_site)."""
    detail = await queries.action_detail(actor, action_id)
    action = detail["action"]
    zone = await accounts.site_timezone(action.site)
    today = clock.now().astimezone(ZoneInfo(zone)).date()
    is_open = action.status in ("proposed", "under_way")
    editing: dict = {}
    if detail["can_manage"] and is_open:
        owners = await accounts.staff_at_site(
            action.site, also=[action.owner] if action.owner else []
        )
        editing = {
            "owners": {row["id"]: row["name"] for row in owners},
            "partner_choices": {p.id: p.name for p in await queries.search_partners(actor)},
            "edit_values": {
                "title": action.title,
                "kind": action.kind,
                "description": action.description,
                "owner_id": action.owner or "",
                "due_on": action.due_on.isoformat() if action.due_on else "",
                "partner_ids": [partner["id"] for partner in detail["partners"]],
            },
        }
    return {
        **detail,
        **editing,
        "timezone": zone,
        "site_name": (await _site_names(actor)).get(action.site, ""),
        "overdue": is_open and action.due_on is not None and action.due_on < today,
        "is_open": is_open,
        "moves": MOVES,
        "values": {},
        "errors": {},
        **_labels(),
    }


async def follow_up_context(actor: StaffPrincipal, owner_id: int | None = None) -> dict:
    """Open actions by owner, then due date; the overdue ones counted."""
    every = await queries.follow_up(actor)
    # The owners to choose from are all of them, whoever is shown.
    owners = {row.owner_id: row.owner_name for row in every if row.owner_id}
    rows = [row for row in every if owner_id is None or row.owner_id == owner_id]
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row.owner_name, []).append(row)
    return {
        "groups": groups,
        "owners": owners,
        "overdue": sum(1 for row in rows if row.overdue),
        "count": len(rows),
        "site_names": await _site_names(actor),
        "values": {"owner": owner_id or ""},
        **_labels(),
    }


# ---- referrals -----------------------------------------------------------------------------


async def referrals_context(
    actor: StaffPrincipal, status: str = "", site_id: int | None = None
) -> dict:
    """The referrals of the sites the actor works at (every site for the network-wide roles)."""
    status = status if status in queries.REFERRAL_STATUSES else ""
    rows = await queries.list_referrals(actor, status=status or None, site_id=site_id)
    sites = await accounts.site_choices(actor)
    return {
        "referrals": rows,
        "referral_next": REFERRAL_NEXT,
        "sites": sites,
        "values": {"status": status, "site": site_id or ""},
        **_labels(),
    }


async def visitor_referrals_context(actor: StaffPrincipal, visitor_id: int) -> dict:
    """A visitor's referrals on their record, and the form to make one: the network's partners
    and their contact people. Errors: not_found, forbidden (another site's visitor)."""
    visitor = await accounts.get_visitor_for(actor, visitor_id)
    rows = await queries.list_referrals(actor, visitor_id=visitor.id)
    partners = await queries.search_partners(actor)
    contacts = await (
        NetworkContact.select(
            NetworkContact.id,
            NetworkContact.partner.as_alias("partner_id"),
            NetworkContact.partner.name.as_alias("partner_name"),
            NetworkContact.first_name,
            NetworkContact.last_name,
            NetworkContact.role,
        )
        .where(
            NetworkContact.partner.is_in([p.id for p in partners] or [-1])
            & NetworkContact.active.eq(True)
        )
        .order_by(NetworkContact.partner.name, NetworkContact.last_name)
    )
    return {
        "visitor": visitor,
        "referrals": rows,
        "referral_next": REFERRAL_NEXT,
        "partners": {p.id: p.name for p in partners},
        "contacts": {
            c["id"]: f"{c['first_name']} {c['last_name']} ({c['partner_name']})" for c in contacts
        },
        "values": {"share_contact": False},
        "errors": {},
        **_labels(),
    }
