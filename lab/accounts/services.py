"""What other domains may ask accounts to do: create visitors, issue passes, set and check
PINs, record a guardian's consent, create sites and staff.

This module is accounts' public surface for writes (``lab.accounts.queries`` is the one for
reads). Each function keeps the error codes its docstring lists. Functions named
``…_in_transaction`` or ``insert_…`` write without opening a transaction: call them inside the
caller's ``write_transaction`` (every table shares one engine: open it on one of your own);
so do ``lock_visitor`` and ``lock_staff_user``, which lock a row until that transaction ends.
"""

from __future__ import annotations

from lab.accounts.consent import record_guardian_consent
from lab.accounts.consents import give_consent, withdraw_consent
from lab.accounts.erasure import forget_with
from lab.accounts.export import export_reads_with
from lab.accounts.passes import issue_in_transaction as issue_pass_in_transaction
from lab.accounts.pins import (
    check_new_pin,
    reset_pin,
    set_pin_in_transaction,
    sign_in,
    verify_pin,
)
from lab.accounts.sites import create_site, update_site
from lab.accounts.staff import create_staff
from lab.accounts.tables import StaffUser, Visitor
from lab.accounts.visitors import (
    PossibleDuplicate,
    check_birth_date,
    create_visitor,
    erase_visitor,
    insert_visitor,
    reissue_pass,
    update_visitor,
)
from lab.core.db import lock_row

__all__ = [
    "PossibleDuplicate",
    "check_birth_date",
    "check_new_pin",
    "create_site",
    "create_staff",
    "create_visitor",
    "erase_visitor",
    "export_reads_with",
    "forget_with",
    "give_consent",
    "insert_visitor",
    "issue_pass_in_transaction",
    "lock_staff_user",
    "lock_visitor",
    "record_guardian_consent",
    "reissue_pass",
    "reset_pin",
    "set_pin_in_transaction",
    "sign_in",
    "update_site",
    "update_visitor",
    "verify_pin",
    "withdraw_consent",
]


async def lock_visitor(visitor_id: int) -> None:
    """Lock the visitor's row until the caller's write transaction ends, for a rule about one
    person that another domain keeps (their calendar feed, say)."""
    await lock_row(Visitor, visitor_id)


async def lock_staff_user(user_id: int) -> None:
    """Lock the staff member's row until the caller's write transaction ends."""
    await lock_row(StaffUser, user_id)
