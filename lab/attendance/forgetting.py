"""Attendance's part of forgetting a person, and the retention of signed sheets.

- Signatures: a signed sheet of a funded period is the funder's proof that the session took
  place with these people; it stays under legal hold (which ones: the wiring decides, from the
  reports' closed periods, ``lab.erasure``) and keeps the signer's name (``signer_name``) and
  drawing once the record is gone. Every other signature of the person is deleted.
- The kiosk's scan journal: the hash of the person's pass goes from each of their scans (the
  one change the append-only trigger lets through); the scan itself stays, with the
  pseudonymous visitor id, until its own retention.
- Attendance rows stay as they are: they carry no text, and the figures count them.

Signed sheets go ``LAB_RETAIN_SIGNED_SHEETS_YEARS`` (10 by default) after they were signed,
whoever signed them (``purge_signatures``): a funder's audit period is over by then.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from lab.attendance.tables import ScanEvent, Signature
from lab.core.retention import BATCH, delete_in_batches


@dataclasses.dataclass(frozen=True, slots=True)
class SignedSheet:
    """One of a person's signatures, on the sheet of one session."""

    signature_id: int
    session_id: int
    title: str
    site_id: int
    day: dt.date  # the session's day, in its site's time zone
    signed_at: dt.datetime


async def signed_sheets(visitor_id: int) -> list[SignedSheet]:
    """Every sheet the person signed, oldest first."""
    module = Signature.session.module
    rows = await (
        Signature.select(
            Signature.id,
            Signature.session,
            Signature.signed_at,
            Signature.session.starts_at.as_alias("starts_at"),
            module.title.as_alias("title"),
            module.site.as_alias("site_id"),
            module.site.timezone.as_alias("timezone"),
        )
        .where(Signature.visitor == visitor_id)
        .order_by(Signature.signed_at)
    )
    return [
        SignedSheet(
            signature_id=row["id"],
            session_id=row["session"],
            title=row["title"],
            site_id=row["site_id"],
            day=row["starts_at"].astimezone(ZoneInfo(row["timezone"])).date(),
            signed_at=row["signed_at"],
        )
        for row in rows
    ]


async def forget_visitor(
    visitor_id: int, name: str, pass_hashes: tuple[str, ...], held: set[int]
) -> dict[str, int]:
    """Keep the signatures ``held`` (ids) with the signer's ``name``, delete the person's
    others, and take their pass's hash out of the scan journal. Call inside the erasure's
    transaction; returns counts."""
    mine = Signature.visitor == visitor_id
    kept = mine & Signature.id.is_in(list(held) or [-1])
    dropped = mine & Signature.id.not_in(list(held) or [-1])
    deleted = await Signature.count().where(dropped)
    if deleted:
        await Signature.delete().where(dropped)
    if held:
        await Signature.update({Signature.signer_name: name}).where(
            kept & Signature.signer_name.is_null()
        )
    scans = ScanEvent.visitor == visitor_id
    if pass_hashes:
        scans = scans | ScanEvent.token_hash.is_in(list(pass_hashes))
    scans = scans & ScanEvent.token_hash.is_not_null()
    redacted = await ScanEvent.count().where(scans)
    if redacted:
        await ScanEvent.update({ScanEvent.token_hash: None}).where(scans)
    return {"signatures_held": len(held), "signatures": deleted, "scans": redacted}


async def purge_signatures(
    now: dt.datetime, *, years: int = 10, batch: int = BATCH, dry_run: bool = False
) -> int:
    """Signatures older than ``years`` years: the funder's audit period is over."""
    cutoff = years_before(now, years)
    return await delete_in_batches(
        Signature, Signature.signed_at < cutoff, batch=batch, dry_run=dry_run
    )


def years_before(moment: dt.datetime, years: int) -> dt.datetime:
    """The same day and time ``years`` earlier (29 February: the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)
