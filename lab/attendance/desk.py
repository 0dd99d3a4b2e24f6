"""The staff's check-in desk: a pass scanned at one of their sites goes through the one entry
point (``check_in``), which decides: the session, the booking, or a drop-in visit for the
purpose staff pick; or, with ``leaving``, the visitor's visit ends. The page's words for each
answer are here (routes stay thin)."""

from __future__ import annotations

from lab.accounts import queries as accounts
from lab.attendance import services
from lab.attendance.checkin import CheckIn, Scan
from lab.core.errors import NotFound
from lab.core.i18n import _, format_datetime
from lab.core.principals import require_site
from lab.core.roles import StaffPrincipal
from lab.visits import queries as visit_queries


async def desk_context(actor: StaffPrincipal, site_id: int) -> dict:
    """The desk of a site. Errors: not_found, forbidden (other_site)."""
    require_site(
        actor,
        site_id,
        missing=_("Ce site n'existe pas."),
        elsewhere=_("Ce site ne fait pas partie des vôtres."),
    )
    site = await accounts.get_site(site_id)
    if site is None:
        raise NotFound(_("Ce site n'existe pas."))
    return {
        "site": site,
        "sites": await accounts.site_choices(actor),
        "purposes": await visit_queries.purposes_for(site_id),
    }


async def scan_at_desk(
    actor: StaffPrincipal,
    site_id: int,
    *,
    code: str,
    nonce: str,
    purpose: str | None = None,
    leaving: bool = False,
) -> CheckIn:
    """Check in (or out, ``leaving``) the pass's holder at the site, as the staff member.
    Errors: those of ``check_in`` (ScanRefused, staff wording; bad_nonce), not_found or
    forbidden for a site not theirs."""
    require_site(
        actor,
        site_id,
        missing=_("Ce site n'existe pas."),
        elsewhere=_("Ce site ne fait pas partie des vôtres."),
    )
    return await services.check_in(
        Scan(
            by=actor,
            nonce=nonce,
            method="staff_scan",
            code=code,
            site_id=site_id,
            visits=True,
            purpose=purpose,
            leaving=leaving,
        )
    )


def answer_message(result: CheckIn) -> tuple[bool, str]:
    """What the desk says of an answer: (done, the sentence). Not done: staff must act."""
    name = result.first_name
    if result.outcome == "purpose":
        return False, _("%(name)s n'a rien de prévu : choisissez le motif de sa visite.", name=name)
    if result.outcome == "choose":
        return False, _(
            "%(name)s peut aller à plusieurs ateliers : pointez sur la liste de l'atelier.",
            name=name,
        )
    since = format_datetime(result.since, result.timezone, "HH:mm") if result.since else ""
    if result.outcome == "visit_open":
        return True, _("%(name)s est au lab depuis %(since)s.", name=name, since=since)
    if result.outcome == "left":
        return True, _("%(name)s : départ noté.", name=name)
    if result.outcome == "duplicate":
        return True, _("%(name)s était déjà pointé·e : %(title)s.", name=name, title=result.title)
    return True, _("%(name)s : arrivée notée, %(title)s.", name=name, title=result.title)
