"""HTTP routes of the workshops domain; ``ROUTERS`` is what the app mounts."""

from lab.workshops.routes.api import api_router
from lab.workshops.routes.enrolments import enrolments_router
from lab.workshops.routes.feeds import module_feed_router, my_feed_router
from lab.workshops.routes.modules import modules_router, programme_router
from lab.workshops.routes.sessions import session_changes_router, sessions_router

ROUTERS: list = []
ROUTERS += [modules_router, programme_router]
ROUTERS += [sessions_router, session_changes_router]
ROUTERS += [enrolments_router]
ROUTERS += [my_feed_router, module_feed_router]
ROUTERS += [api_router]
