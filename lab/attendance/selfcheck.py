"""Self check-in from the visitor's own phone.

The session's projector view shows a QR code that changes every 30 seconds: an HMAC of the
session's secret and the current 30-second window. Scanning it opens a page that asks for the
visitor's short code. A code is accepted during its window and the next one (someone who
scanned just before it turned); a photo of the screen sent to a friend at home is refused
a minute later. The page then carries a form token valid for a few minutes, so typing the
short code slowly still works.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from lab.core import clock

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
