"""First visit on a kiosk: a young person creates their own record, pass and PIN.

Only what the service needs is asked (name, birth date, postcode, situation; an e-mail is
optional). The birth date decides the optional features: under the digital-consent age of the
site's country (15 in France, 13 in Belgium) the core service is open, but an e-mail for
reminders waits for a guardian's consent, recorded at the desk. A record that may already
exist is not created twice: the visitor is sent to the desk, without being told whose.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.forms import VisitorInput
from lab.accounts.queries import (
    Visitor,
    consent_age,
    get_site,
    is_under_consent_age,
    same_person,
    today_at,
)
from lab.accounts.services import (
    check_birth_date,
    check_new_pin,
    insert_visitor,
    set_pin_in_transaction,
)
from lab.core import audit, i18n
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Invalid
from lab.core.i18n import _
from lab.kiosk.devices import DevicePrincipal
from lab.kiosk.forms import SignUpInput
from lab.kiosk.tables import KioskDevice


@dataclasses.dataclass(frozen=True, slots=True)
class SignedUp:
    visitor: Visitor
    token: str  # the new pass's token: shown once as a QR, never stored
    short_code: str


def _birth_date(data: SignUpInput, today: dt.date) -> dt.date:
    try:
        born = dt.date(data.birth_year, data.birth_month, data.birth_day)
    except ValueError:
        born = None
    if born is None:
        raise Invalid(
            _("Vérifiez la date de naissance."),
            field_errors={"birth_date": _("Cette date n'existe pas. Vérifiez le jour et le mois.")},
        )
    check_birth_date(born, today)
    return born


async def sign_up(device: DevicePrincipal, data: SignUpInput) -> SignedUp:
    """Create the visitor, their pass and their PIN, in one transaction.

    Errors: invalid (birth date, PIN, e-mail under the consent age), possible_duplicate.
    """
    site = await get_site(device.site_id)
    today = today_at(site)
    born = _birth_date(data, today)
    pin = check_new_pin(data.pin, data.pin_confirm)
    if data.email and is_under_consent_age(born, site, today):
        raise Invalid(
            _("Vérifiez les champs signalés."),
            field_errors={
                "email": _(
                    "Avant %(age)d ans, l'e-mail se donne à l'accueil, avec l'accord d'un "
                    "parent. Laissez ce champ vide."
                )
                % {"age": consent_age(site)}
            },
        )
    record = VisitorInput(
        first_name=data.first_name,
        last_name=data.last_name,
        birth_date=born,
        postcode=data.postcode,
        status=data.status,
        preferred_language=i18n.current_language(),
        email=data.email or None,
    )
    # One engine holds every table: the kiosk's own opens the transaction accounts writes in.
    async with write_transaction(KioskDevice._meta.db):
        duplicate = bool(await same_person(record, [site.id]))
        if not duplicate:
            visitor, issued, token = await insert_visitor(
                device, site.id, record, created_via="kiosk"
            )
            await set_pin_in_transaction(device, visitor.id, pin)
    if duplicate:
        await audit.record(device, "visitor.signup_refused", site_id=site.id, reason="duplicate")
        raise Conflict(
            _("Vous avez peut-être déjà une carte lab. Demandez à l'équipe de vous aider."),
            code="possible_duplicate",
        )
    return SignedUp(visitor, token, issued.short_code)
