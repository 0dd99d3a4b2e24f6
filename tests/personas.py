"""The cast the tests talk about, on two sites.

- Camille: admin, every site.           - Nadia: network manager, every site.
- Julien: manager at Saint-Denis.       - Awa: facilitator at Saint-Denis.
- Pieter: manager in Brussels.          - Sofia: facilitator in Brussels.
Everyone's password is PASSWORD.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from functools import cache

from lab.accounts.staff import load_principal
from lab.accounts.tables import Role, Site, StaffUser, Visitor, VisitorConsent
from lab.accounts.visitors import search_key
from lab.core import clock
from lab.core.roles import StaffPrincipal
from lab.core.security import hash_password

PASSWORD = "correct horse battery"


@cache
def _password_hash() -> str:
    return hash_password(PASSWORD)


@dataclasses.dataclass
class Cast:
    saint_denis: Site
    brussels: Site
    users: dict[str, StaffUser]

    def email(self, who: str) -> str:
        return self.users[who].email

    async def principal(self, who: str) -> StaffPrincipal:
        """The principal a request by ``who`` would act as."""
        return await load_principal(self.users[who].id)


# Open 08:00-20:00 every day but Sunday: wide enough for tests to book at will.
OPENING_HOURS = json.dumps(
    {day: [["08:00", "20:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
)


async def _site(name: str, slug: str, timezone: str) -> Site:
    site = Site(
        name=name, slug=slug, timezone=timezone, opening_hours=OPENING_HOURS, created_at=clock.now()
    )
    await site.save()
    return site


async def create_cast() -> Cast:
    saint_denis = await _site("Lab Saint-Denis", "saint-denis", "Europe/Paris")
    brussels = await _site("Lab Anderlecht", "anderlecht", "Europe/Brussels")
    people = {
        "camille": ("Camille", "admin", None),
        "nadia": ("Nadia", "network_manager", None),
        "julien": ("Julien", "manager", saint_denis.id),
        "awa": ("Awa", "facilitator", saint_denis.id),
        "pieter": ("Pieter", "manager", brussels.id),
        "sofia": ("Sofia", "facilitator", brussels.id),
    }
    users: dict[str, StaffUser] = {}
    for key, (name, role, site_id) in people.items():
        user = StaffUser(
            email=f"{key}@lab.test",
            name=name,
            password_hash=_password_hash(),
            language="fr",
            created_at=clock.now(),
        )
        await user.save()
        await Role.insert(Role(user=user.id, site=site_id, role=role))
        users[key] = user
    return Cast(saint_denis=saint_denis, brussels=brussels, users=users)


async def make_visitor(
    site: Site,
    first_name: str = "Yanis",
    last_name: str = "Martin",
    *,
    consents: tuple[str, ...] | None = None,
    **extra,
) -> Visitor:
    """A visitor inserted directly, for tests that are not about creating visitors.

    ``consents``: the purposes they agreed to (lab.accounts.consents), inserted as given by
    themselves. By default a visitor with an e-mail address agreed to e-mail messages, and one
    with an optional profile field (gender, education, priority area) agreed that it counts in
    the funders' figures, as the desk asks when it notes them; ``consents=()`` for one who did
    not (or not yet)."""
    now = clock.now()
    visitor = Visitor(
        first_name=first_name,
        last_name=last_name,
        birth_date=extra.pop("birth_date", dt.date(2006, 5, 17)),
        postcode=extra.pop("postcode", "93200"),
        status=extra.pop("status", "job_seeker"),
        search_name=search_key(first_name, last_name),
        created_site=site.id,
        created_at=now,
        updated_at=now,
        **extra,
    )
    await visitor.save()
    if consents is None:
        optional = (visitor.gender, visitor.education_level, visitor.priority_area)
        consents = ("messages_email",) * bool(visitor.email) + ("reporting_optional_fields",) * any(
            optional
        )
    for purpose in consents:
        await VisitorConsent(
            visitor=visitor.id, purpose=purpose, wording_version=1, given_at=now, site=site.id
        ).save()
    return visitor
