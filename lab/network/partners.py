"""Partner organisations and their contact people: writes, search, CSV import and export."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import unicodedata

import msgspec

from lab.core import audit, clock
from lab.core.db import lock_row, write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.forms import parse_form
from lab.core.i18n import _
from lab.core.roles import MANAGERS, StaffPrincipal
from lab.core.security import new_token, token_hash
from lab.network.access import (
    can_manage_shared,
    get_contact_for,
    get_partner_for,
    manageable_partner,
    network_site_ids,
)
from lab.network.forms import ContactInput, PartnerInput
from lab.network.tables import NetworkContact, NetworkPartner
from lab.workshops.services import list_partners as workshop_partners

CSV_COLUMNS = (
    "name",
    "kind",
    "municipality",
    "zone",
    "services",
    "tags",
    "language",
    "email",
    "phone",
    "address",
    "website",
)
MAX_IMPORT_LINES = 2000


@dataclasses.dataclass(frozen=True, slots=True)
class RowProblem:
    """One line of an imported file that was not imported, or imported with a warning."""

    line: int  # the line number in the file (the header is line 1)
    messages: tuple[str, ...]  # in the importing person's language
    warning: bool = False  # a duplicate (imported only with ``confirm_duplicates``)


@dataclasses.dataclass(frozen=True, slots=True)
class ImportResult:
    created: int
    problems: tuple[RowProblem, ...]


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "Forem  (Liège)" and
    "FOREM liege" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w]+", " ", stripped.casefold()).split())


def _tags(text: str) -> str:
    seen: list[str] = []
    for tag in (part.strip().lower() for part in text.split(",")):
        if tag and tag not in seen:
            seen.append(tag)
    return ", ".join(seen)


async def similar_partners(
    site_ids: frozenset[int], name: str, municipality: str, *, exclude_id: int | None = None
) -> list[NetworkPartner]:
    """Partners of ``site_ids`` with the same normalised name and municipality."""
    query = NetworkPartner.objects().where(
        (NetworkPartner.search_name == normalise(name))
        & NetworkPartner.site.is_in(sorted(site_ids) or [-1])
    )
    if exclude_id is not None:
        query = query.where(NetworkPartner.id != exclude_id)
    found = await query
    wanted = normalise(municipality)
    return [partner for partner in found if normalise(partner.municipality) == wanted]


async def _check(actor: StaffPrincipal, data: PartnerInput, exclude_id: int | None) -> None:
    if not await can_manage_shared(actor, data.site_id):
        raise Forbidden(_("Seul un ou une responsable peut modifier les partenaires."))
    if data.workshop_partner_id is not None:
        linked = {partner.id for partner in await workshop_partners(actor)}
        if data.workshop_partner_id not in linked:
            raise Invalid(
                _("Certains champs sont à corriger."),
                field_errors={"workshop_partner_id": _("Choisissez un partenaire de vos sites.")},
            )
    if not data.confirm_duplicate:
        shared = await network_site_ids(actor)
        same = await similar_partners(shared, data.name, data.municipality, exclude_id=exclude_id)
        if same:
            raise Conflict(
                _(
                    "Un partenaire du même nom existe déjà dans cette commune : %(name)s. "
                    "Vérifiez qu'il ne s'agit pas du même, ou confirmez.",
                    name=same[0].name,
                ),
                code="duplicate_partner",
            )


def _apply(partner: NetworkPartner, data: PartnerInput) -> None:
    partner.site = data.site_id
    partner.name = data.name.strip()
    partner.search_name = normalise(data.name)
    partner.kind = data.kind
    partner.municipality = data.municipality.strip()
    partner.zone = data.zone.strip()
    partner.services = data.services.strip()
    partner.tags = _tags(data.tags)
    partner.language = data.language
    partner.email = data.email.strip()
    partner.phone = data.phone.strip()
    partner.address = data.address.strip()
    partner.website = data.website.strip()
    partner.workshop_partner = data.workshop_partner_id
    partner.active = data.active


async def create_partner(actor: StaffPrincipal, data: PartnerInput) -> NetworkPartner:
    """Add a partner, followed by ``data.site_id``.

    Errors: forbidden (not a manager of that site), invalid (workshop partner of another
    site), duplicate_partner (Conflict: a partner of the same network has the same name and
    municipality once normalised; the message names it; saved when ``confirm_duplicate``)."""
    await _check(actor, data, None)
    async with write_transaction(NetworkPartner._meta.db):
        now = clock.now()
        partner = NetworkPartner(site=data.site_id, created_at=now, updated_at=now)
        _apply(partner, data)
        await partner.save()
        await audit.record(
            actor,
            "network.partner.created",
            f"network_partner:{partner.id}",
            site_id=partner.site,
            duplicate_confirmed=data.confirm_duplicate,
        )
    return partner


async def update_partner(
    actor: StaffPrincipal, partner_id: int, data: PartnerInput
) -> NetworkPartner:
    """Change a partner (and the site that follows it). Errors: as ``create_partner``, and
    not_found, forbidden (other_site: another network's partner)."""
    await manageable_partner(actor, partner_id)
    await _check(actor, data, partner_id)
    async with write_transaction(NetworkPartner._meta.db):
        await lock_row(NetworkPartner, partner_id)
        partner = await NetworkPartner.objects().get(NetworkPartner.id == partner_id)
        _apply(partner, data)
        partner.updated_at = clock.now()
        await partner.save()
        await audit.record(
            actor, "network.partner.updated", f"network_partner:{partner.id}", site_id=partner.site
        )
    return partner


# -- CSV --------------------------------------------------------------------------------------


def _rows(text: str) -> list[dict[str, str]]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise Invalid(_("Le fichier est vide."), code="invalid")
    first = text.splitlines()[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    fields = [name.strip().lower() for name in reader.fieldnames or []]
    if "name" not in fields:
        raise Invalid(
            _("La première ligne doit nommer les colonnes, dont « name »."), code="invalid"
        )
    reader.fieldnames = fields
    rows = []
    for row in reader:
        if len(rows) >= MAX_IMPORT_LINES:
            raise Invalid(
                _("%(n)s lignes au maximum par fichier.", n=MAX_IMPORT_LINES), code="invalid"
            )
        rows.append({key: (value or "").strip() for key, value in row.items() if key})
    return rows


async def import_partners(
    actor: StaffPrincipal, site_id: int, text: str, *, confirm_duplicates: bool = False
) -> ImportResult:
    """Import partners from CSV (the columns of ``queries.export_partners``; ``;`` or ``,``
    separated, UTF-8 with or without BOM), followed by ``site_id``.

    All or nothing: when any line has an error, nothing is imported and every line's errors
    are returned (``created`` 0). A line whose name and municipality match an existing
    partner, or an earlier line, is a warning: skipped unless ``confirm_duplicates``.
    Errors: forbidden (not a manager of ``site_id``), invalid (not a CSV, no name column, too
    many lines)."""
    if site_id not in actor.site_ids(*MANAGERS):
        raise Forbidden(_("Seul un ou une responsable peut modifier les partenaires."))
    rows = _rows(text)
    shared = await network_site_ids(actor)
    problems: list[RowProblem] = []
    ready: list[tuple[int, PartnerInput]] = []
    seen: set[tuple[str, str]] = set()
    for line, row in enumerate(rows, start=2):
        values = {column: row.get(column, "") for column in CSV_COLUMNS}
        values["site_id"] = str(site_id)
        values["kind"] = values["kind"] or "other"
        values["language"] = values["language"] or "fr"
        try:
            data = parse_form(PartnerInput, values)
        except Invalid as error:
            problems.append(
                RowProblem(
                    line,
                    tuple(f"{field} : {message}" for field, message in error.field_errors.items()),
                )
            )
            continue
        key = (normalise(data.name), normalise(data.municipality))
        if key in seen or await similar_partners(shared, data.name, data.municipality):
            problems.append(
                RowProblem(
                    line,
                    (
                        _(
                            "%(name)s existe déjà dans cette commune.",
                            name=data.name,
                        ),
                    ),
                    warning=True,
                )
            )
            if not confirm_duplicates:
                continue
        seen.add(key)
        ready.append((line, data))
    if any(not problem.warning for problem in problems):
        await audit.record(
            actor, "network.partner.import_refused", "", site_id=site_id, lines=len(rows)
        )
        return ImportResult(created=0, problems=tuple(problems))
    async with write_transaction(NetworkPartner._meta.db):
        now = clock.now()
        for _line, data in ready:
            partner = NetworkPartner(site=data.site_id, created_at=now, updated_at=now)
            _apply(partner, msgspec.structs.replace(data, confirm_duplicate=True))
            await partner.save()
        await audit.record(
            actor, "network.partner.imported", "", site_id=site_id, created=len(ready)
        )
    return ImportResult(created=len(ready), problems=tuple(problems))


async def export_partners(actor: StaffPrincipal) -> str:
    """The partners of the actor's networks as CSV (``CSV_COLUMNS``, UTF-8 with BOM, ``;``),
    the file ``services.import_partners`` reads back. No contact person's data."""
    rows = (
        await NetworkPartner.select(*(getattr(NetworkPartner, name) for name in CSV_COLUMNS))
        .where(NetworkPartner.site.is_in(sorted(await network_site_ids(actor)) or [-1]))
        .order_by(NetworkPartner.search_name)
        .order_by(NetworkPartner.id)
    )
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


def _cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = " ".join(str(value or "").split()) if not isinstance(value, str) else value
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


async def search_partners(
    actor: StaffPrincipal,
    text: str = "",
    *,
    kind: str | None = None,
    tag: str | None = None,
    site_id: int | None = None,
    include_inactive: bool = False,
    limit: int = 200,
) -> list[NetworkPartner]:
    """Partners of the actor's networks whose name, municipality, zone, services or tags hold
    ``text`` (accents and case ignored), by name."""
    query = NetworkPartner.objects().where(
        NetworkPartner.site.is_in(sorted(await network_site_ids(actor)) or [-1])
    )
    if kind:
        query = query.where(NetworkPartner.kind == kind)
    if site_id is not None:
        query = query.where(NetworkPartner.site == site_id)
    if not include_inactive:
        query = query.where(NetworkPartner.active.eq(True))
    found = await query.order_by(NetworkPartner.search_name)
    words = normalise(text).split()
    wanted_tag = normalise(tag or "")
    result = []
    for partner in found:
        haystack = normalise(
            " ".join(
                (partner.name, partner.municipality, partner.zone, partner.services, partner.tags)
            )
        )
        if words and not all(word in haystack for word in words):
            continue
        if wanted_tag and wanted_tag not in [normalise(t) for t in partner.tags.split(",")]:
            continue
        result.append(partner)
        if len(result) >= limit:
            break
    return result


# -- contact people ---------------------------------------------------------------------------


def _apply_contact(contact: NetworkContact, data: ContactInput, partner: NetworkPartner) -> None:
    contact.first_name = data.first_name.strip()
    contact.last_name = data.last_name.strip()
    contact.role = data.role.strip()
    contact.email = data.email.strip()
    contact.phone = data.phone.strip()
    contact.language = data.language or partner.language or "fr"
    contact.active = data.active


async def add_contact(actor: StaffPrincipal, partner_id: int, data: ContactInput) -> NetworkContact:
    """Add a contact person to a partner. Errors: not_found, forbidden, invalid (e-mail)."""
    partner = await manageable_partner(actor, partner_id)
    async with write_transaction(NetworkContact._meta.db):
        now = clock.now()
        contact = NetworkContact(partner=partner.id, created_at=now, updated_at=now)
        _apply_contact(contact, data, partner)
        await contact.save()
        await audit.record(
            actor,
            "network.contact.created",
            f"network_contact:{contact.id}",
            site_id=partner.site,
            partner_id=partner.id,
        )
    return contact


async def update_contact(
    actor: StaffPrincipal, contact_id: int, data: ContactInput
) -> NetworkContact:
    """Errors: not_found, forbidden, invalid."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    async with write_transaction(NetworkContact._meta.db):
        _apply_contact(contact, data, partner)
        contact.updated_at = clock.now()
        await contact.save()
        await audit.record(
            actor, "network.contact.updated", f"network_contact:{contact.id}", site_id=partner.site
        )
    return contact


async def remove_contact(actor: StaffPrincipal, contact_id: int) -> None:
    """Delete a contact person (who left the organisation): their invitations go with them;
    referrals keep the partner. Errors: not_found, forbidden."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    async with write_transaction(NetworkContact._meta.db):
        await NetworkContact.delete().where(NetworkContact.id == contact.id)
        await audit.record(
            actor, "network.contact.removed", f"network_contact:{contact.id}", site_id=partner.site
        )


async def issue_contact_pass(actor: StaffPrincipal, contact_id: int) -> str:
    """A new meeting pass for a contact person: the token for their QR (shown once; only its
    hash is kept, the previous one stops working). Errors: not_found, forbidden."""
    contact = await get_contact_for(actor, contact_id)
    partner = await manageable_partner(actor, contact.partner)
    token = new_token()
    async with write_transaction(NetworkContact._meta.db):
        await NetworkContact.update(
            {NetworkContact.pass_hash: token_hash(token), NetworkContact.updated_at: clock.now()}
        ).where(NetworkContact.id == contact.id)
        await audit.record(
            actor,
            "network.contact.pass_issued",
            f"network_contact:{contact.id}",
            site_id=partner.site,
        )
    return token


async def partner_contacts(actor: StaffPrincipal, partner_id: int) -> list[NetworkContact]:
    """A partner's contact people, by last name. Errors: as ``get_partner_for``."""
    partner = await get_partner_for(actor, partner_id)
    return await (
        NetworkContact.objects()
        .where(NetworkContact.partner == partner.id)
        .order_by(NetworkContact.last_name)
        .order_by(NetworkContact.first_name)
    )
