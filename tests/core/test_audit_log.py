"""The audit log is append-only, enforced by the database on both engines."""

from __future__ import annotations

import pytest

from lab.core import audit
from lab.core.audit import SYSTEM
from lab.core.tables import AuditLog


async def test_the_database_refuses_to_change_or_delete_an_audit_entry(engine):
    await audit.record(SYSTEM, "test.recorded", "thing:1", answer=42)
    assert await AuditLog.count() == 1
    with pytest.raises(Exception, match="append-only"):
        await engine._run_in_new_connection("UPDATE audit_log SET action = 'forged'")
    with pytest.raises(Exception, match="append-only"):
        await engine._run_in_new_connection("DELETE FROM audit_log")
    entry = await AuditLog.objects().first()
    assert entry.action == "test.recorded"


async def test_logins_and_failed_logins_are_audited_without_the_email(client, cast):
    from tests.helpers import csrf_token, login

    token = await csrf_token(client)
    await client.post(
        "/login", data={"email": "awa@lab.test", "password": "x", "_csrf_token": token}
    )
    await login(client, cast.email("awa"))
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action)]
    assert "login.failed" in actions and "login.succeeded" in actions
    dump = str(await AuditLog.select())
    assert "awa@lab.test" not in dump
