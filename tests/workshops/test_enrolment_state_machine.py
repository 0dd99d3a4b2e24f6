"""A Hypothesis state machine drives enrolment on a real database: enrol, cancel, promote
(raise the capacity), close. After every step, enrolled never exceeds the capacity, nobody is
both enrolled and waitlisted, the waitlist is first come first served, and a free seat never
leaves anyone waiting."""

from __future__ import annotations

import asyncio
import shutil

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from lab.core import db
from lab.core.errors import Conflict
from lab.workshops import enrolment, messages
from lab.workshops.forms import EnrolInput
from lab.workshops.tables import Enrolment, Module
from tests.conftest import make_settings
from tests.personas import create_cast, make_visitor
from tests.workshops.factories import make_module

PEOPLE = 8


def machine_for(database_url: str, tmp_path, template):
    class EnrolmentMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            url = database_url
            if database_url.startswith("sqlite"):
                path = tmp_path / f"machine-{id(self)}.sqlite3"
                shutil.copy(template, path)
                url = f"sqlite:///{path}"
            engine = db.engine_for(make_settings(tmp_path, url))
            db.bind_tables(engine)
            self.run(self._setup(engine))

        def run(self, coroutine):
            return self.loop.run_until_complete(coroutine)

        async def _setup(self, engine) -> None:
            if not db.is_sqlite(engine):
                from tests.conftest import _empty_postgres

                await _empty_postgres(engine)
            cast = await create_cast()
            self.actor = await cast.principal("julien")
            self.module = await make_module(cast.saint_denis, capacity=2)
            self.visitors = [
                await make_visitor(cast.saint_denis, "Personne", f"Numéro{chr(65 + i)}")
                for i in range(PEOPLE)
            ]
            self.closed = False

        def teardown(self) -> None:
            self.loop.close()

        @rule(who=st.integers(0, PEOPLE - 1))
        def enrol(self, who: int) -> None:
            data = EnrolInput(visitor_id=self.visitors[who].id)
            try:
                self.run(enrolment.enrol(self.actor, self.module.id, data))
            except Conflict as refused:
                assert self.closed and refused.code == "module_closed"
            else:
                assert not self.closed

        @rule(who=st.integers(0, PEOPLE - 1))
        def cancel(self, who: int) -> None:
            live = self.run(
                Enrolment.objects()
                .where(
                    (Enrolment.visitor == self.visitors[who].id)
                    & Enrolment.status.is_in(["enrolled", "waitlisted"])
                )
                .first()
            )
            if live is not None:
                self.run(enrolment.cancel(self.actor, live.id))

        @rule(extra=st.integers(1, 2))
        def promote(self, extra: int) -> None:
            """More seats (a bigger room): waitlisted people move up at once."""

            async def grow() -> None:
                from lab.core.db import write_transaction

                async with write_transaction(Module._meta.db):
                    module = await Module.objects().get(Module.id == self.module.id)
                    module.capacity += extra
                    await module.save()
                    notices = messages.Notices()
                    await enrolment.fill_free_seats(self.actor, module, None, notices)
                await notices.send()

            self.run(grow())

        @rule()
        def close(self) -> None:
            self.run(Module.update({Module.active: False}).where(Module.id == self.module.id))
            self.closed = True

        @invariant()
        def the_rules_hold(self) -> None:
            module = self.run(Module.objects().get(Module.id == self.module.id))
            rows = self.run(
                Enrolment.select(Enrolment.visitor, Enrolment.status, Enrolment.position)
                .where(Enrolment.module == module.id)
                .order_by(Enrolment.position)
            )
            enrolled = [r for r in rows if r["status"] == "enrolled"]
            waiting = [r for r in rows if r["status"] == "waitlisted"]
            assert len(enrolled) <= module.capacity
            assert not {r["visitor"] for r in enrolled} & {r["visitor"] for r in waiting}
            live = [r["visitor"] for r in enrolled + waiting]
            assert len(live) == len(set(live))
            # FIFO: everyone enrolled through the queue came before anyone still waiting…
            assert waiting == sorted(waiting, key=lambda r: r["position"])
            # …and nobody waits while a seat is free.
            assert not waiting or len(enrolled) == module.capacity

    return EnrolmentMachine


def test_enrolment_rules_hold_in_any_sequence(database_url, tmp_path, request):
    template = (
        request.getfixturevalue("sqlite_template") if database_url.startswith("sqlite") else None
    )
    machine = machine_for(database_url, tmp_path, template)
    run_state_machine_as_test(
        machine,
        settings=settings(
            # PostgreSQL opens a connection per query in tests: fewer, still real, runs.
            max_examples=25 if template else 8,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
