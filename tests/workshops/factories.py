"""Modules and sessions for workshop tests."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from lab.core import clock
from lab.workshops.tables import Module, Session


async def make_module(site, title: str = "Atelier CV", capacity: int = 3, **extra) -> Module:
    module = Module(
        site=site.id,
        title=title,
        kind=extra.pop("kind", "job_search"),
        capacity=capacity,
        created_at=clock.now(),
        **extra,
    )
    await module.save()
    return module


async def make_session(
    module: Module, starts_at: dt.datetime, minutes: int = 120, **extra
) -> Session:
    now = clock.now()
    session = Session(
        module=module.id,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
        checkin_secret=secrets.token_hex(32),
        uid=f"{uuid.uuid4()}@lab",
        created_at=now,
        updated_at=now,
        **extra,
    )
    await session.save()
    return session
