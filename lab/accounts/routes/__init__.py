"""HTTP routes of the accounts domain: one Router per audience."""

from lab.accounts.routes.admin import admin_router
from lab.accounts.routes.api import api_router
from lab.accounts.routes.auth import auth_router
from lab.accounts.routes.consents import HANDLERS as CONSENT_HANDLERS
from lab.accounts.routes.consents import visitor_data_router
from lab.accounts.routes.public import public_router
from lab.accounts.routes.visitors import ERASE_HANDLERS, visitors_router

# A visitor's consents are pages of their record: same path and guard.
for handler in CONSENT_HANDLERS:
    visitors_router.register(handler)
# Erasing a person, like everything about them, is for managers only.
for handler in ERASE_HANDLERS:
    visitor_data_router.register(handler)

__all__ = [
    "admin_router",
    "api_router",
    "auth_router",
    "public_router",
    "visitor_data_router",
    "visitors_router",
]
