"""A visitor's full data export (right of access, GDPR art. 15, and portability, art. 20).

Everything lab holds about one person, as the data dictionary lists it: their profile, passes
(never a token's hash), PIN (never its hash), consents, bookings, loans, enrolments,
attendance, drop-in visits, skills evidence, badges, referrals to partners, the audit entries
about them and the messages written to them. A zip with one JSON file and one CSV file per
category and a readable summary (``index.html``), built in memory: it never touches a disk, so
nothing of it stays on a shared tablet or on the server.

Accounts holds the profile, passes, PIN and consents; core the audit log and the outbox. The
domains above accounts answer for their own rows through a reader each, joined at start-up
(``export_reads_with``, called by ``lab.wiring``), so accounts imports none of them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import zipfile
from collections.abc import Awaitable, Callable, Iterable

from jinja2 import Environment

from lab.accounts.consents import PURPOSES, consents_of, wording
from lab.accounts.tables import Pass, Site, Visitor, VisitorPin
from lab.accounts.visitors import get_visitor_for
from lab.core import audit, clock, i18n, mail
from lab.core.errors import Forbidden
from lab.core.i18n import N_, _
from lab.core.principals import Principal
from lab.core.roles import MANAGERS
from lab.core.tables import AuditLog

Reader = Callable[[int, tuple[int, ...]], Awaitable[list[dict]]]

# Every category, in the order the summary shows them: (code, title).
CATEGORIES = (
    ("profile", N_("Fiche")),
    ("passes", N_("Cartes")),
    ("pin", N_("Code secret")),
    ("consents", N_("Consentements")),
    ("bookings", N_("Réservations")),
    ("loans", N_("Prêts de matériel")),
    ("enrolments", N_("Inscriptions aux ateliers")),
    ("attendance", N_("Présences aux ateliers")),
    ("visits", N_("Visites au lab")),
    ("skills", N_("Compétences")),
    ("badges", N_("Badges")),
    ("referrals", N_("Orientations vers des partenaires")),
    ("audit", N_("Journal des actions")),
    ("mails", N_("Messages envoyés")),
)
# What each column is called in the summary page; the JSON and CSV files keep the codes.
COLUMN_LABELS = {
    "id": N_("Numéro"),
    "first_name": N_("Prénom"),
    "last_name": N_("Nom"),
    "birth_date": N_("Date de naissance"),
    "gender": N_("Genre"),
    "postcode": N_("Code postal"),
    "priority_area": N_("Quartier prioritaire"),
    "status": N_("Situation ou état"),
    "education_level": N_("Niveau d'études"),
    "preferred_language": N_("Langue"),
    "phone": N_("Téléphone"),
    "email": N_("E-mail"),
    "external_ref": N_("Numéro de dossier"),
    "search_name": N_("Nom pour la recherche"),
    "created_site": N_("Site d'inscription (numéro)"),
    "created_site_name": N_("Site d'inscription"),
    "created_at": N_("Créé le"),
    "updated_at": N_("Modifié le"),
    "created_via": N_("Créé par"),
    "guardian_consent_at": N_("Accord du représentant légal le"),
    "guardian_consent_by": N_("Accord noté par (numéro)"),
    "anonymised_at": N_("Rendu anonyme le"),
    "short_code": N_("Code court"),
    "issued_at": N_("Remise le"),
    "issued_by": N_("Donné par (numéro)"),
    "revoked_at": N_("Retiré le"),
    "set_at": N_("Choisi le"),
    "set_by": N_("Changé par (numéro)"),
    "failed_attempts": N_("Essais faux"),
    "locked_until": N_("Bloqué jusqu'au"),
    "visitor": N_("Personne (numéro)"),
    "purpose": N_("Pour quoi"),
    "wording_version": N_("Version du texte"),
    "wording": N_("Texte accepté"),
    "partner": N_("Partenaire"),
    "given_at": N_("Donné le"),
    "recorded_by": N_("Noté par (numéro)"),
    "guardian_name": N_("Représentant légal"),
    "guardian_relation": N_("Lien avec la personne"),
    "withdrawn_at": N_("Retiré le"),
    "withdrawn_by": N_("Retiré par (numéro)"),
    "site": N_("Site"),
    "resource": N_("Quoi"),
    "starts_at": N_("Début"),
    "ends_at": N_("Fin"),
    "source": N_("Fait depuis"),
    "note": N_("Note"),
    "checked_in_at": N_("Arrivée notée le"),
    "workshop": N_("Atelier"),
    "session_starts_at": N_("Séance du"),
    "promoted_at": N_("Place obtenue le"),
    "method": N_("Comment"),
    "age_band": N_("Tranche d'âge"),
    "arrived_at": N_("Arrivée"),
    "left_at": N_("Départ"),
    "ended_by": N_("Départ noté par"),
    "device_id": N_("Tablette (numéro)"),
    "staff_user": N_("Membre de l'équipe (numéro)"),
    "nonce": N_("Code technique"),
    "client_at": N_("Heure de la tablette"),
    "offline": N_("Noté hors connexion"),
    "skill": N_("Compétence"),
    "level": N_("Niveau"),
    "at": N_("Le"),
    "public_id": N_("Numéro public"),
    "actor_kind": N_("Fait par"),
    "action": N_("Action"),
    "data": N_("Détails"),
    "partner_name": N_("Partenaire"),
    "partner_kind": N_("Type de partenaire"),
    "need": N_("Besoin"),
    "follow_up_on": N_("Suivi prévu le"),
    "kind": N_("Sorte"),
    "subject": N_("Objet"),
    "dedupe_key": N_("Code technique"),
    "item": N_("Matériel"),
    "tag": N_("Étiquette"),
    "out_at": N_("Prêté le"),
    "due_at": N_("À rendre le"),
    "returned_at": N_("Rendu le"),
    "condition_out": N_("État au départ"),
    "condition_in": N_("État au retour"),
}
# Read by the domains above accounts (lab.wiring joins them).
FROM_ABOVE = (
    "bookings",
    "loans",
    "enrolments",
    "attendance",
    "visits",
    "skills",
    "badges",
    "referrals",
)
_readers: dict[str, Reader] = {}


def export_reads_with(category: str, reader: Reader) -> None:
    """Join the domain that holds ``category`` to the export: ``reader(visitor_id, site_ids)``
    returns the visitor's rows (``site_ids``: every site of the network)."""
    if category not in FROM_ABOVE:
        raise ValueError(f"unknown export category: {category}")
    _readers[category] = reader


@dataclasses.dataclass(frozen=True, slots=True)
class Section:
    code: str
    title: str  # in the reader's language
    rows: list[dict]  # JSON-ready: moments as ISO 8601 in UTC, dates as ISO dates

    @property
    def codes(self) -> list[str]:
        """Every column of the rows, in order of appearance (the files' headers)."""
        codes: list[str] = []
        for row in self.rows:
            codes.extend(code for code in row if code not in codes)
        return codes

    @property
    def columns(self) -> list[tuple[str, str]]:
        """Each column with its name in the reader's language, for the summary page (a
        column with no name there shows its code)."""
        named = COLUMN_LABELS
        return [(code, _(named[code]) if code in named else code) for code in self.codes]


@dataclasses.dataclass(frozen=True, slots=True)
class Export:
    visitor_id: int
    first_name: str
    site_name: str
    timezone: str
    made_at: dt.datetime
    sections: list[Section]


async def export_for(actor: Principal, visitor_id: int) -> Export:
    """Everything lab holds about the visitor, for the visitor themselves (on their phone) or
    for a manager of the visitor's site. The export is audited (who, whose; nothing else).

    Errors: not_found (missing; someone else, on a phone), forbidden (another site's visitor;
    managers_only: staff who do not manage the visitor's site).
    """
    visitor = await get_visitor_for(actor, visitor_id)
    if actor.visitor_id is None and visitor.created_site not in actor.site_ids(*MANAGERS):
        raise Forbidden(
            _("Seul un ou une responsable du site peut télécharger toutes les données."),
            code="managers_only",
        )
    sites = await Site.select(Site.id, Site.name, Site.timezone).order_by(Site.id)
    site = next(row for row in sites if row["id"] == visitor.created_site)
    site_ids = tuple(row["id"] for row in sites)
    rows = {
        "profile": [_profile(visitor, site["name"])],
        "passes": await _passes(visitor.id),
        "pin": await _pin(visitor.id),
        "consents": await _consents(visitor.id),
    }
    for code in FROM_ABOVE:
        reader = _readers.get(code)
        if reader is None:
            raise RuntimeError(f"export category {code} is not wired (lab.wiring.wire)")
        rows[code] = await reader(visitor.id, site_ids)
    rows["audit"] = await _audit_entries(visitor.id)
    rows["mails"] = await mail.written_to(visitor.id)
    await audit.record(
        actor, "visitor.exported", f"visitor:{visitor.id}", site_id=visitor.created_site
    )
    sections = [Section(code, _(title), _clean(rows[code])) for code, title in CATEGORIES]
    return Export(
        visitor.id, visitor.first_name, site["name"], site["timezone"], clock.now(), sections
    )


def _profile(visitor: Visitor, site_name: str) -> dict:
    row = visitor.to_dict()
    row["created_site_name"] = site_name
    return row


async def _passes(visitor_id: int) -> list[dict]:
    """Every pass, newest first; the token is never stored, its hash never exported."""
    return (
        await Pass.select(Pass.id, Pass.short_code, Pass.issued_at, Pass.issued_by, Pass.revoked_at)
        .where(Pass.visitor == visitor_id)
        .order_by(Pass.issued_at, ascending=False)
    )


async def _pin(visitor_id: int) -> list[dict]:
    """When the PIN was set and by whom, its wrong tries and lock; never its hash."""
    return await VisitorPin.select(
        VisitorPin.set_at,
        VisitorPin.set_by,
        VisitorPin.failed_attempts,
        VisitorPin.locked_until,
    ).where(VisitorPin.visitor == visitor_id)


async def _consents(visitor_id: int) -> list[dict]:
    """Every consent, live and withdrawn, with the words agreed to (in the reader's
    language)."""
    rows = await consents_of(visitor_id)
    for row in rows:
        known = row["purpose"] in PURPOSES
        row["wording"] = (
            wording(row["purpose"], row["wording_version"], row["partner"])
            if (known and row["wording_version"] <= PURPOSES[row["purpose"]].version)
            else ""
        )
    return rows


async def _audit_entries(visitor_id: int) -> list[dict]:
    """The audit log's entries about the visitor, oldest first (which staff member acted is
    left out: that is the staff's data, not theirs)."""
    return (
        await AuditLog.select(AuditLog.at, AuditLog.actor_kind, AuditLog.action, AuditLog.data)
        .where(AuditLog.subject == f"visitor:{visitor_id}")
        .order_by(AuditLog.at)
        .order_by(AuditLog.id)
    )


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value[:1] in "{[":
        try:  # the audit log's details, stored as JSON text
            return json.loads(value)
        except ValueError:
            return value
    return value


def _clean(rows: Iterable[dict]) -> list[dict]:
    return [{key: _plain(value) for key, value in row.items()} for row in rows]


# -- The archive ------------------------------------------------------------------------------


def _cell(value: object) -> str:
    """A CSV cell: nested values as JSON; text a spreadsheet would run as a formula is
    prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def section_csv(section: Section) -> bytes:
    columns = section.codes
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for row in section.rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    # A byte-order mark: spreadsheets then read the accents right.
    return ("\ufeff" + out.getvalue()).encode()


def section_json(section: Section) -> bytes:
    return json.dumps(section.rows, ensure_ascii=False, indent=2, sort_keys=True).encode()


def summary_context(export: Export) -> dict:
    """What the summary shows (the zip's index.html and the page in the app)."""
    return {"export": export, "language": i18n.current_language()}


def archive(export: Export, jinja: Environment, lab_name: str) -> bytes:
    """The zip: ``<category>.json`` and ``<category>.csv`` for each category, and
    ``index.html``, a readable summary that opens in any browser."""
    summary = jinja.get_template("accounts/export_summary.html").render(
        lab_name=lab_name, lang=i18n.current_language(), **summary_context(export)
    )
    moment = export.made_at.astimezone(dt.UTC).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive_file:
        for name, content in (
            ("index.html", summary.encode()),
            *(
                (f"{section.code}.{kind}", write(section))
                for section in export.sections
                for kind, write in (("json", section_json), ("csv", section_csv))
            ),
        ):
            info = zipfile.ZipInfo(name, date_time=moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive_file.writestr(info, content)
    return buffer.getvalue()


def archive_name(export: Export) -> str:
    """The file's name: the day, never the person's name."""
    return f"donnees-lab-{export.made_at.date().isoformat()}.zip"
