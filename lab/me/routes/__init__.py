"""The visitor's routes: their space on their phone (/me) and its door, the pass landing page
(/p/{token})."""

from lab.me.routes.landing import pass_landing_router
from lab.me.routes.space import me_router

__all__ = ["me_router", "pass_landing_router"]
