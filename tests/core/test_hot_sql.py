"""The plain-SQL helpers of the hot paths (lab.core.db): a row read by plain SQL becomes the
same instance Piccolo's own query gives, on both engines."""

from __future__ import annotations

from lab.accounts.tables import Site, Visitor
from lab.bookings.tables import Resource
from lab.core.db import column_list, insert_row, plain_objects, row_of
from lab.core.tables import AuditLog
from lab.workshops.tables import Module, Session
from tests.bookings.factories import make_resource
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


async def test_a_plain_row_is_the_instance_piccolo_reads(cast):
    module = await make_module(cast.saint_denis, "Atelier CV", capacity=5)
    session = await make_session(module, module.created_at)
    visitor = await make_visitor(cast.saint_denis, "Yanis", "Martinez")
    for table, row_id in ((Visitor, visitor.id), (Module, module.id), (Session, session.id)):
        [row] = await table.raw(
            f"SELECT {column_list(table, 't', 'x.')} FROM {table._meta.tablename} t "
            "WHERE t.id = {}",
            row_id,
        )
        plain = row_of(table, row, "x.")
        piccolo = await table.objects().get(table.id == row_id)
        assert plain.to_dict() == piccolo.to_dict()
        assert plain._exists_in_db and piccolo._exists_in_db
        assert vars(plain) == vars(piccolo), table


async def test_plain_objects_are_the_instances_piccolo_reads(cast):
    """Sites and resources (booleans, JSON, decimals and nulls among their columns) as the
    grid and the booking forms read them."""
    await make_resource(cast.saint_denis, "Studio")
    for table in (Site, Resource):
        plain = await plain_objects(table, "WHERE id > {} ORDER BY id", 0)
        piccolo = await table.objects().where(table.id > 0).order_by(table.id)
        assert plain and [vars(row) for row in plain] == [vars(row) for row in piccolo], table


async def test_insert_row_returns_the_new_id_and_writes_every_value(engine):
    entry_id = await insert_row(
        AuditLog,
        at=Session.created_at.get_default_value().python(),
        actor_kind="system",
        actor_id=None,
        action="test.plain",
        subject="thing:1",
        site_id=None,
        data='{"a": 1}',
    )
    entry = await AuditLog.objects().get(AuditLog.id == entry_id)
    assert (entry.action, entry.subject, entry.actor_kind) == ("test.plain", "thing:1", "system")
