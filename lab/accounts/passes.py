"""QR passes: an opaque random token (only its hash is stored) plus a short code to type."""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from lab.accounts.tables import Pass, Visitor
from lab.core import audit, clock
from lab.core.audit import Actor
from lab.core.db import column_list, fetch, placeholders, row_of
from lab.core.security import new_token, token_hash

# No 0/O, 1/I/L: a short code is read aloud and typed by people in a hurry.
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
SHORT_CODE_LENGTH = 8
PASS_PATH = "/p/"  # noqa: S105 - a URL path, not a password
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# The pass columns a scan names its pass by.
_KEYS = ("token_hash", "short_code")


def new_short_code() -> str:
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def normalise_short_code(text: str) -> str:
    return re.sub(r"[\s\-.]", "", text).upper()


def looks_like_short_code(code: str) -> bool:
    return len(code) == SHORT_CODE_LENGTH and all(c in SHORT_CODE_ALPHABET for c in code)


def display_short_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def pass_url(base_url: str, token: str) -> str:
    """What the QR carries: a phone camera opens it, a kiosk scanner reads the token out of it."""
    return f"{base_url}{PASS_PATH}{token}"


def token_from_scan(text: str) -> str | None:
    """The token in a scanned pass URL (or a bare token typed by a scanner)."""
    text = text.strip()
    path = urlsplit(text).path if "://" in text else text
    candidate = path.rsplit(PASS_PATH, 1)[-1] if PASS_PATH in path else path
    return candidate if _TOKEN.match(candidate) else None


async def issue_in_transaction(actor: Actor, visitor_id: int, site_id: int) -> tuple[Pass, str]:
    """Revoke the visitor's current pass and issue a new one. Call inside a write transaction."""
    now = clock.now()
    revoked = (
        await Pass.update({Pass.revoked_at: now})
        .where((Pass.visitor == visitor_id) & Pass.revoked_at.is_null())
        .returning(Pass.id)
    )
    for row in revoked:
        await audit.record(actor, "pass.revoked", f"pass:{row['id']}", site_id=site_id)
    code = new_short_code()
    while await Pass.exists().where(Pass.short_code == code):
        code = new_short_code()
    token = new_token()
    issued = Pass(
        visitor=visitor_id,
        token_hash=token_hash(token),
        short_code=code,
        issued_at=now,
        issued_by=actor.actor_id,
    )
    await issued.save()
    await audit.record(
        actor, "pass.issued", f"pass:{issued.id}", site_id=site_id, visitor_id=visitor_id
    )
    return issued, token


async def active_pass(visitor_id: int) -> Pass | None:
    return await Pass.objects().get((Pass.visitor == visitor_id) & Pass.revoked_at.is_null())


async def get_pass(pass_id: int) -> Pass | None:
    """The pass, revoked or not, unchecked: for the pass a signed-in visitor holds."""
    return await Pass.objects().get(Pass.id == pass_id)


async def pass_is_live(pass_id: int, visitor_id: int) -> bool:
    """Whether this pass is the visitor's and not revoked (a phone session stays open so long)."""
    return await Pass.exists().where(
        (Pass.id == pass_id) & (Pass.visitor == visitor_id) & Pass.revoked_at.is_null()
    )


async def resolve_token(token: str) -> Visitor | None:
    """The visitor holding this pass, or None for an unknown or revoked pass."""
    if not _TOKEN.match(token):
        return None
    return await _holder("token_hash", token_hash(token))


async def _holder(pass_column: str, value: str) -> Visitor | None:
    """The visitor holding the unrevoked pass whose ``pass_column`` is ``value``."""
    return (await _holders([(pass_column, value)])).get((pass_column, value))


async def _holders(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Visitor]:
    """The visitors holding the unrevoked passes named by ``keys`` ((pass column, value):
    a token's hash or a short code), in one statement (every scan asks: plain SQL, see
    lab.core.db, "hot paths")."""
    wanted = {column: sorted({value for name, value in keys if name == column}) for column in _KEYS}
    clauses = [
        f"p.{column} IN ({placeholders(values)})" for column, values in wanted.items() if values
    ]
    if not clauses:
        return {}
    # Revoked passes are left out here, not in the statement: the passes are then read by
    # their unique indexes, one row a value, whatever the statistics say (asked for unrevoked
    # ones, PostgreSQL may walk every live pass by the index of those).
    rows = await fetch(
        Visitor,
        f"SELECT {column_list(Visitor, 'v')}, p.token_hash AS pass_token_hash, "  # noqa: S608
        f"p.short_code AS pass_short_code, p.revoked_at AS pass_revoked_at FROM visitor v "
        f"JOIN visitor_pass p ON p.visitor = v.id WHERE {' OR '.join(clauses)}",
        *(value for values in wanted.values() for value in values),
    )
    found = {}
    for row in rows:
        token, short = row.pop("pass_token_hash"), row.pop("pass_short_code")
        if row.pop("pass_revoked_at") is not None:
            continue
        visitor = row_of(Visitor, row)
        found[("token_hash", token)] = visitor
        if short is not None:
            found[("short_code", short)] = visitor
    return found


async def visitor_for_code(code: str) -> tuple[Visitor | None, str | None]:
    """Whoever a scan or a typed code names: a pass URL, a bare token or a short code.

    Returns the visitor (None for an unknown or revoked pass) and, for a token, its hash
    (what a scan journal may keep: never the token itself).
    """
    return (await visitors_for_codes([code]))[0]


async def visitors_for_codes(codes: list[str]) -> list[tuple[Visitor | None, str | None]]:
    """``visitor_for_code`` for each of ``codes``, in order, in one statement at most (a
    batch of check-ins reads its passes at once)."""
    keys: list[tuple[str, str] | None] = []  # (pass column, value) for each code
    hashes: list[str | None] = []
    for code in codes:
        token = token_from_scan(code)
        short = None if token else normalise_short_code(code)
        if token:
            hashes.append(token_hash(token))
            keys.append(("token_hash", hashes[-1]))
        else:
            hashes.append(None)
            keys.append(("short_code", short) if looks_like_short_code(short) else None)
    holders = await _holders([key for key in keys if key is not None])
    return [
        (holders.get(key) if key is not None else None, hashed)
        for key, hashed in zip(keys, hashes, strict=True)
    ]
