"""Visitors with a pass and a PIN, and phones signed in to /me."""

from __future__ import annotations

import dataclasses

from litestar.testing import AsyncTestClient

from lab.accounts import passes, pins
from lab.accounts.tables import Site, Visitor
from lab.core.audit import SYSTEM
from lab.core.db import write_transaction
from tests.personas import make_visitor

PIN = "2580"


@dataclasses.dataclass
class Holder:
    """A visitor and what their card carries."""

    visitor: Visitor
    token: str
    short_code: str

    @property
    def pass_path(self) -> str:
        return f"{passes.PASS_PATH}{self.token}"


async def visitor_with_pass(
    site: Site, first_name: str = "Inès", *, pin: str | None = PIN, **extra
) -> Holder:
    visitor = await make_visitor(site, first_name, **extra)
    async with write_transaction(Visitor._meta.db):
        issued, token = await passes.issue_in_transaction(SYSTEM, visitor.id, site.id)
        if pin is not None:
            await pins.set_pin_in_transaction(SYSTEM, visitor.id, pin)
    return Holder(visitor, token, issued.short_code)


async def csrf(client: AsyncTestClient) -> None:
    """Get the CSRF cookie as a phone opening the start page would, and send it as htmx does."""
    if "lab_csrf" not in client.cookies:
        await client.get("/me/start")
    client.headers["x-csrftoken"] = client.cookies["lab_csrf"]


async def post_pin(client: AsyncTestClient, holder: Holder, pin: str = PIN, *, by: str = "qr"):
    """Type the PIN on the page the pass opened (or on /me/start with the short code)."""
    await csrf(client)
    if by == "qr":
        data = {"from": "pass", "code": holder.token, "pin": pin}
    else:
        data = {"from": "start", "code": passes.display_short_code(holder.short_code), "pin": pin}
    return await client.post("/me/sign-in", data=data)


async def sign_in(client: AsyncTestClient, holder: Holder, *, by: str = "qr") -> None:
    response = await post_pin(client, holder, by=by)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/me"
    assert "lab_me" in client.cookies
