"""HTTP routes of the network domain; ``ROUTERS`` is what the app mounts."""

from lab.network.routes.actions import action_changes_router, actions_router
from lab.network.routes.meetings import meeting_changes_router, meetings_router
from lab.network.routes.partners import partner_changes_router, partners_router
from lab.network.routes.referrals import referrals_router

ROUTERS: list = [
    partners_router,
    partner_changes_router,
    meetings_router,
    meeting_changes_router,
    actions_router,
    action_changes_router,
    referrals_router,
]
