"""The sign-in sheet (feuille d'émargement): signatures drawn on the tablet, the facilitator's
countersignature, and what the sheet of a session shows.

A signature is a PNG drawn on a canvas and sent as a data URL. It is checked (a real PNG, not
too heavy, not too big, not blank) and re-encoded by Pillow, so nothing but pixels is kept.
One signature per visitor and session: signing again replaces it, and the audit log says so.
A person who cannot draw (motor impairment, keyboard only) ticks "Je confirme ma présence"
instead: that is stored as a signature with an empty image, and the PDF sheet says in words
that presence was confirmed without a handwritten signature; the facilitator's countersignature
vouches for it, as on a paper sheet.

Sessions of the same module on the same half-day (morning before 13:00, site time) can be
signed once for all of them: one Signature row per session.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import io

from PIL import Image, UnidentifiedImageError

from lab.accounts.queries import Site, get_site, staff_names
from lab.attendance import services as attendance
from lab.attendance.forms import SignInput
from lab.attendance.tables import Signature
from lab.core import audit, clock, events
from lab.core.db import write_transaction
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.i18n import _
from lab.core.roles import StaffPrincipal
from lab.workshops import queries as workshops
from lab.workshops.queries import Module, Session
from lab.workshops.services import get_session_for, lock_session

PRESENT = ("present", "late")
MAX_BYTES = 200 * 1024
MAX_WIDTH, MAX_HEIGHT = 1200, 600
# Fewer dark pixels than this is an empty pad or a stray tap, not a signature.
MIN_INK_PIXELS = 30
INK_BELOW = 160  # grey level (0 black … 255 white) that counts as ink
AFTERNOON = dt.time(13, 0)
_DATA_URL_PREFIX = "data:image/png;base64,"


# -- The image ------------------------------------------------------------------------------


def _refused(code: str) -> Invalid:
    messages = {
        "blank_signature": _(
            "La signature est vide : signez dans le cadre avec le doigt, un stylet ou la "
            "souris. Si la personne ne peut pas signer, cochez « Je confirme ma présence »."
        ),
        "bad_signature": _("La signature n'a pas pu être lue. Effacez et signez à nouveau."),
        "signature_too_large": _("La signature est trop lourde. Effacez et signez à nouveau."),
    }
    return Invalid(messages[code], code=code, field_errors={"signature": messages[code]})


def signature_png(data_url: str | None) -> bytes:
    """The PNG of a pad's data URL, flattened on white, in grey, re-encoded by Pillow (no text
    chunks, no trailing bytes). Errors: blank_signature, bad_signature, signature_too_large."""
    if not data_url:
        raise _refused("blank_signature")
    if not data_url.startswith(_DATA_URL_PREFIX):
        raise _refused("bad_signature")
    payload = data_url[len(_DATA_URL_PREFIX) :]
    if len(payload) > MAX_BYTES * 4 // 3 + 4:
        raise _refused("signature_too_large")
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise _refused("bad_signature") from None
    if len(raw) > MAX_BYTES:
        raise _refused("signature_too_large")
    try:
        with Image.open(io.BytesIO(raw), formats=["PNG"]) as image:
            # The size is read from the header: refuse before decoding any pixel.
            if image.width > MAX_WIDTH or image.height > MAX_HEIGHT:
                raise _refused("signature_too_large")
            image.load()
            flat = _on_white(image)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refused("bad_signature") from None
    if sum(flat.histogram()[:INK_BELOW]) < MIN_INK_PIXELS:
        raise _refused("blank_signature")
    out = io.BytesIO()
    flat.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _on_white(image: Image.Image) -> Image.Image:
    """Transparent pixels become white paper; the result is greyscale."""
    rgba = image.convert("RGBA")
    paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    paper.alpha_composite(rgba)
    return paper.convert("L")


def _image_of(data: SignInput) -> bytes:
    """The drawn PNG, or b"" when the person confirmed without drawing."""
    if data.confirm:
        try:
            return signature_png(data.signature)
        except Invalid as error:
            if error.code == "blank_signature":
                return b""  # ticked the box and drew nothing: a confirmation
            raise
    return signature_png(data.signature)


# -- Signing ----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class Signed:
    sessions: list[Session]  # the session signed, then the others of the half-day
    drawn: bool


def half_day_of(moment: dt.datetime, timezone: str) -> tuple[dt.date, bool]:
    """(local day, is afternoon): morning is before 13:00 in the site's time zone."""
    local = clock.to_zone(moment, timezone)
    return local.date(), local.time() >= AFTERNOON


async def half_day_sessions(session: Session, module: Module, timezone: str) -> list[Session]:
    """The module's other sessions (not cancelled) on the same half-day, in order."""
    half = half_day_of(session.starts_at, timezone)
    # A half-day is shorter than 14 hours on either side: only those can share it.
    near = await workshops.sessions_near(module.id, session, hours=14)
    return [other for other in near if half_day_of(other.starts_at, timezone) == half]


async def _site(module: Module) -> Site:
    return await get_site(module.site)


def not_present() -> Conflict:
    return Conflict(
        _("Cette personne n'est pas pointée présente à cette séance : pointez-la d'abord."),
        code="not_present",
    )


def _require_signable(session: Session) -> None:
    if session.status == "cancelled":
        raise Conflict(_("Cette séance est annulée."), code="session_cancelled")


async def _store(session_id: int, image: bytes, *, visitor_id: int | None, staff_id: int | None):
    """Insert or replace the signature; True when it replaced one."""
    where = Signature.session == session_id
    where &= (Signature.visitor == visitor_id) if visitor_id else Signature.visitor.is_null()
    existing = await Signature.objects().where(where).first()
    now = clock.now()
    if existing is not None:
        existing.image, existing.signed_at, existing.staff_user = image, now, staff_id
        await existing.save()
        return True
    await Signature.insert(
        Signature(
            session=session_id, visitor=visitor_id, staff_user=staff_id, image=image, signed_at=now
        )
    )
    return False


async def sign(actor: StaffPrincipal, session_id: int, visitor_id: int, data: SignInput) -> Signed:
    """Save a visitor's signature for a session where they are present or late (and, with
    ``half_day``, for the module's other sessions of that half-day where they are expected
    and not marked absent or excused). Errors: not_found, forbidden (other site),
    session_cancelled, not_present, blank_signature, bad_signature, signature_too_large."""
    session, module = await get_session_for(actor, session_id)
    _require_signable(session)
    image = _image_of(data)
    status = {p["id"]: p["status"] for p in await attendance.roster(actor, session.id)}
    if status.get(visitor_id) not in PRESENT:
        raise not_present()
    targets = [session]
    if data.half_day:
        timezone = (await _site(module)).timezone
        for other in await half_day_sessions(session, module, timezone):
            there = {p["id"]: p["status"] for p in await attendance.roster(actor, other.id)}
            if visitor_id in there and there[visitor_id] in (None, *PRESENT):
                targets.append(other)
    async with write_transaction(Signature._meta.db):
        for target in targets:
            await lock_session(target.id)
            replaced = await _store(target.id, image, visitor_id=visitor_id, staff_id=None)
            await audit.record(
                actor,
                "signature.replaced" if replaced else "signature.saved",
                f"session:{target.id}",
                site_id=module.site,
                visitor_id=visitor_id,
                drawn=bool(image),
                half_day=data.half_day,
            )
    for target in targets:
        events.publish(f"session:{target.id}", {"type": "signature", "visitor_id": visitor_id})
    return Signed(targets, bool(image))


async def countersign(actor: StaffPrincipal, session_id: int, data: SignInput) -> Signed:
    """The facilitator's countersignature (a Signature with the staff member and no visitor),
    one per session, replaced when signed again; ``half_day`` as for visitors.
    Errors: not_found, forbidden, session_cancelled, blank_signature, bad_signature,
    signature_too_large."""
    session, module = await get_session_for(actor, session_id)
    if not actor.user_id:
        raise Forbidden(_("Seul un membre de l'équipe peut contre-signer."))
    _require_signable(session)
    image = _image_of(data)
    targets = [session]
    if data.half_day:
        timezone = (await _site(module)).timezone
        targets += await half_day_sessions(session, module, timezone)
    async with write_transaction(Signature._meta.db):
        for target in targets:
            await lock_session(target.id)
            replaced = await _store(target.id, image, visitor_id=None, staff_id=actor.user_id)
            await audit.record(
                actor,
                "countersignature.replaced" if replaced else "countersignature.saved",
                f"session:{target.id}",
                site_id=module.site,
                drawn=bool(image),
                half_day=data.half_day,
            )
    for target in targets:
        events.publish(f"session:{target.id}", {"type": "countersignature"})
    return Signed(targets, bool(image))


# -- What the sheet shows ---------------------------------------------------------------------


@dataclasses.dataclass(slots=True)
class SheetRow:
    visitor_id: int
    first_name: str
    last_name: str
    status: str | None  # None: not marked yet
    checked_in_at: dt.datetime | None
    walk_in: bool
    signature: bytes | None = None  # None: not signed; b"": confirmed without drawing
    signed_at: dt.datetime | None = None

    @property
    def signed(self) -> bool:
        return self.signature is not None

    @property
    def present(self) -> bool:
        return self.status in PRESENT


@dataclasses.dataclass(frozen=True, slots=True)
class Countersignature:
    name: str
    image: bytes  # b"": confirmed without drawing
    signed_at: dt.datetime


@dataclasses.dataclass(slots=True)
class Sheet:
    session: Session
    module: Module
    site: Site
    facilitators: list[str]
    partner: str | None
    room: str | None
    rows: list[SheetRow]
    countersignature: Countersignature | None
    half_day: list[Session]  # the module's other sessions of the same half-day

    @property
    def timezone(self) -> str:
        return self.site.timezone

    @property
    def present(self) -> list[SheetRow]:
        return [row for row in self.rows if row.present]


async def facilitator_names(module_id: int) -> list[str]:
    return (await workshops.facilitator_names([module_id])).get(module_id, [])


def _bytes(image: bytes | memoryview | None) -> bytes | None:
    return None if image is None else bytes(image)


async def sheet(actor: StaffPrincipal, session_id: int) -> Sheet:
    """Everything the sign page and the PDF sheet show: every participant (enrolled and
    walk-ins) with status, arrival and signature, and the countersignature.
    Errors: not_found, forbidden (other site)."""
    session, module = await get_session_for(actor, session_id)
    site = await _site(module)
    signatures = await Signature.select(
        Signature.visitor,
        Signature.staff_user,
        Signature.image,
        Signature.signed_at,
        Signature.signer_name,
    ).where(Signature.session == session.id)
    by_visitor = {s["visitor"]: s for s in signatures if s["visitor"] is not None}
    # A signer whose record was erased keeps their name on a sheet under legal hold.
    held = {s["visitor"]: s["signer_name"] for s in signatures if s["signer_name"]}
    rows = [
        SheetRow(
            visitor_id=person["id"],
            first_name="" if person["id"] in held else person["first_name"],
            last_name=held.get(person["id"], person["last_name"]),
            status=person["status"],
            checked_in_at=person["checked_in_at"],
            walk_in=person["walk_in"],
            signature=_bytes(by_visitor.get(person["id"], {}).get("image")),
            signed_at=by_visitor.get(person["id"], {}).get("signed_at"),
        )
        for person in await attendance.roster(actor, session.id)
    ]
    counter = next((s for s in signatures if s["visitor"] is None), None)
    countersignature = None
    if counter is not None:
        name = None
        if counter["staff_user"] is not None:
            name = (await staff_names([counter["staff_user"]])).get(counter["staff_user"])
        countersignature = Countersignature(
            name or _("Compte supprimé"), _bytes(counter["image"]) or b"", counter["signed_at"]
        )
    return Sheet(
        session=session,
        module=module,
        site=site,
        facilitators=await facilitator_names(module.id),
        partner=await workshops.partner_name(module.partner),
        room=await workshops.session_room(session.id),
        rows=rows,
        countersignature=countersignature,
        half_day=await half_day_sessions(session, module, site.timezone),
    )
