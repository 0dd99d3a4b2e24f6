"""The visitor's routes: their space on their phone (/me) and its door, the pass landing page
(/p/{token})."""

from lab.me.routes.consents import HANDLERS as CONSENT_HANDLERS
from lab.me.routes.landing import pass_landing_router
from lab.me.routes.skills import HANDLERS as SKILL_HANDLERS
from lab.me.routes.space import me_router

# Skills, badges, choices and data are pages of the same space: same path, guard and refusal
# pages.
for handler in (*SKILL_HANDLERS, *CONSENT_HANDLERS):
    me_router.register(handler)

__all__ = ["me_router", "pass_landing_router"]
