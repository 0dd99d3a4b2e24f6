"""Wrong pairing codes, counted so that guessing a tablet's code is hopeless.

A pairing code is 8 characters of 31 (about 8.5 × 10¹¹ codes), valid 15 minutes, and trades
for a tablet's credential: whoever guesses one gets a tablet of that site (checking people in,
seeing first names). A wrong code matches no tablet, so its site cannot be known; the wrong
codes are counted in windows of 15 minutes (a code's life) on lab's clock, in the app's store
(Redis across workers: ``lab.core.counters`` counts atomically), three ways:

- per client address, ``PER_CLIENT``: one machine guessing is stopped after a few tries per
  code's life. A lab's tablets share one address, but pairing is rare (a manager sets up a
  tablet, once) and a person who mistypes a code never gets near the limit;
- for the whole deployment, ``EVERYWHERE``: an attacker with many addresses is not slowed by
  the first count, and this ceiling bounds everyone's guesses together (at most 200 in 15
  minutes against 10¹¹ codes: nothing). Its price is that such an attacker can keep pairing
  shut for everyone, one window at a time: pairing is a rare, staff-led step that can wait a
  few minutes, while a guessed code would put a stranger's device among the lab's tablets;
- per site, ``PER_SITE``, when the code names a tablet and no longer works (expired, or the
  tablet revoked): the code's site is known then, and repeated tries of a stale code of one
  site stop that site's pairing only.

Once a limit is reached every code it covers is refused until its window ends, the right one
too (were it accepted, the limit would tell a guesser which code is right), with the wait.
"""

from __future__ import annotations

import math

from litestar.stores.base import Store

from lab.core import audit, clock, counters
from lab.core.errors import TooManyAttempts
from lab.core.i18n import ngettext
from lab.core.security import token_hash

WINDOW_SECONDS = 15 * 60
PER_CLIENT = 10
PER_SITE = 10
EVERYWHERE = 200


class PairingLocked(TooManyAttempts):
    """Too many wrong codes: no code is tried until ``retry_after`` seconds have passed."""

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__(
            ngettext(
                "Trop de codes faux ont été essayés. Attendez %(minutes)d minute, puis réessayez.",
                "Trop de codes faux ont été essayés. Attendez %(minutes)d minutes, puis réessayez.",
                minutes,
                minutes=minutes,
            ),
            code="pairing_locked",
        )
        self.retry_after = retry_after


class PairingThrottle:
    """The three counts of wrong pairing codes (see the module's docstring)."""

    def __init__(self, store: Store, client: str | None) -> None:
        self.store = store
        # The address is kept hashed: the store needs to tell addresses apart, not read them.
        self.client = token_hash(client or "unknown")[:32]

    def _window(self) -> tuple[int, int]:
        """This window's number, and the seconds until it ends."""
        now = clock.now().timestamp()
        number = int(now // WINDOW_SECONDS)
        return number, max(1, math.ceil((number + 1) * WINDOW_SECONDS - now))

    def _keys(self, site_id: int | None) -> list[tuple[str, int, str]]:
        number, _left = self._window()
        keys = [
            (f"kiosk-pairing:{number}:client:{self.client}", PER_CLIENT, "client"),
            (f"kiosk-pairing:{number}:all", EVERYWHERE, "all"),
        ]
        if site_id is not None:
            keys.append((f"kiosk-pairing:{number}:site:{site_id}", PER_SITE, "site"))
        return keys

    async def check(self, site_id: int | None = None) -> None:
        """Refuse (PairingLocked) while a count this code falls under has reached its limit;
        ``site_id``: the site of the tablet the code names, once known."""
        for key, limit, _scope in self._keys(site_id):
            if await counters.value(self.store, key) >= limit:
                raise PairingLocked(self._window()[1])

    async def failed(self, site_id: int | None = None) -> None:
        """Count one wrong code; the count that reaches its limit is audited (once)."""
        for key, limit, scope in self._keys(site_id):
            # Twice the window: a key outlives its window, never its count's meaning.
            count = await counters.increment(self.store, key, 2 * WINDOW_SECONDS)
            if count == limit:
                await audit.record(
                    audit.ANONYMOUS,
                    "kiosk.pairing_locked",
                    f"site:{site_id}" if scope == "site" else "",
                    site_id=site_id if scope == "site" else None,
                    scope=scope,
                )
