"""Self check-in from the visitor's own phone.

The session's projector view shows a QR code that changes every 30 seconds: an HMAC of the
session's secret and the current 30-second window. Scanning it opens a page that asks for the
visitor's short code. A code is accepted during its window and the next one (someone who
scanned just before it turned); a photo of the screen sent to a friend at home is refused
a minute later. The page then carries a form token valid for a few minutes, so typing the
short code slowly still works.

The phone acts as ``VisitorOnPhone`` (the access protocol, for its session's site only), and
wrong short codes are counted by ``SelfCheckThrottle`` (a lock-out is audited): the routes in
``lab.attendance.routes.phone`` only read the form and render the answer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets

from litestar.stores.base import Store

from lab.core import audit, clock, counters
from lab.core.security import token_hash

WINDOW_SECONDS = 30
FORM_SECONDS = 5 * 60


def _window(at: float | None = None) -> int:
    moment = clock.now().timestamp() if at is None else at
    return int(moment // WINDOW_SECONDS)


def _mac(secret: str, message: str, length: int) -> str:
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return digest[:length]


def current_code(secret: str, session_id: int) -> str:
    return _mac(secret, f"code:{session_id}:{_window()}", 16)


def seconds_left() -> int:
    return WINDOW_SECONDS - int(clock.now().timestamp()) % WINDOW_SECONDS


def code_is_current(secret: str, session_id: int, code: str) -> bool:
    now = _window()
    return any(
        hmac.compare_digest(_mac(secret, f"code:{session_id}:{window}", 16), code)
        for window in (now, now - 1)
    )


def form_token(secret: str, session_id: int) -> str:
    """Issued with the page a fresh code opened: "<expiry>.<random>.<mac>". The random part
    gives each phone its own token (and its own count of wrong tries)."""
    expires = int(clock.now().timestamp()) + FORM_SECONDS
    salt = secrets.token_hex(8)
    return f"{expires}.{salt}.{_mac(secret, f'form:{session_id}:{expires}:{salt}', 32)}"


def form_token_is_valid(secret: str, session_id: int, token: str) -> bool:
    expires_text, _, rest = token.partition(".")
    salt, _, mac = rest.partition(".")
    if not expires_text.isdigit() or not salt or not mac:
        return False
    expected = _mac(secret, f"form:{session_id}:{expires_text}:{salt}", 32)
    return hmac.compare_digest(expected, mac) and int(expires_text) >= clock.now().timestamp()


@dataclasses.dataclass(frozen=True, slots=True)
class VisitorOnPhone:
    """The actor of a self check-in: a visitor on their own phone, not logged in. Who they are
    comes from the short code they type, and the audit log keeps that (as a visitor id).

    It acts for the site of the session whose form token it holds (a token only shown in
    that room): the access protocol of lab.core.principals, for check-in only."""

    site_id: int | None = None  # None: for no site (a refusal before the form is read)
    actor_kind: str = "visitor"
    actor_id: None = None
    visitor_id: None = None
    knows_other_sites: bool = False

    def site_ids(self, *roles: str) -> frozenset[int]:
        return frozenset() if roles or self.site_id is None else frozenset({self.site_id})

    def may(self, action: str) -> bool:
        return action == "checkin"


VISITOR_ON_PHONE = VisitorOnPhone()


class SelfCheckThrottle:
    """Wrong short codes counted per session and per form token: a few tries for one person
    (one form token), a ceiling for the whole room (one session)."""

    per_form = 5
    per_session = 30
    seconds = 10 * 60

    def __init__(self, store: Store) -> None:
        self.store = store

    @staticmethod
    def _keys(session_id: int, form_token: str) -> tuple[str, str]:
        return (
            f"selfcheck-failures:session:{session_id}",
            f"selfcheck-failures:form:{token_hash(form_token)}",
        )

    async def is_locked(self, session_id: int, form_token: str) -> bool:
        by_session, by_form = self._keys(session_id, form_token)
        return (
            await counters.value(self.store, by_form) >= self.per_form
            or await counters.value(self.store, by_session) >= self.per_session
        )

    async def failed(self, session_id: int, form_token: str) -> None:
        for key in self._keys(session_id, form_token):
            # Atomic: a room of phones failing at once on several workers each count.
            await counters.increment(self.store, key, self.seconds)

    async def refuse(self, session_id: int) -> None:
        await audit.record(
            VISITOR_ON_PHONE, "attendance.self_check_locked", f"session:{session_id}"
        )
