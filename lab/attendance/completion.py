"""When a visitor has completed a module, and what their attendance certificate says.

The rule: sessions attended (present or late) ≥ the module's ``completion_percent`` % of its
sessions that are not cancelled, rounded up, and at least one. For a series module these are
all its sessions; for a drop-in module, where people come session by session, the sessions the
visitor enrolled in or came to.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from lab.accounts.queries import Site, Visitor, get_site, get_visitor_for, visitor_names
from lab.attendance.signatures import PRESENT, facilitator_names
from lab.attendance.tables import Attendance
from lab.core import clock
from lab.core.errors import Conflict
from lab.core.i18n import ngettext
from lab.core.roles import StaffPrincipal
from lab.workshops import queries as workshops
from lab.workshops.queries import Module
from lab.workshops.services import get_module_for

COUNTED_ENROLMENTS = ("enrolled", "completed")


def sessions_needed(total: int, percent: int) -> int:
    """How many of ``total`` sessions make ``percent`` %, rounded up; at least one."""
    if total <= 0:
        return 0
    return max(1, -(-total * percent // 100))


def is_complete(attended: int, total: int, percent: int) -> bool:
    return total > 0 and attended >= sessions_needed(total, percent)


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    attended: int
    total: int
    needed: int
    percent: int
    minutes: int  # time spent in attended sessions
    first_at: dt.datetime | None  # first and last of the sessions counted
    last_at: dt.datetime | None

    @property
    def complete(self) -> bool:
        return is_complete(self.attended, self.total, self.percent)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


async def progress(module: Module, visitor_ids: list[int]) -> dict[int, Progress]:
    """Each visitor's attendance against the completion rule of ``module``."""
    return (await progress_in([module], visitor_ids))[module.id]


async def progress_in(
    modules: list[Module], visitor_ids: list[int]
) -> dict[int, dict[int, Progress]]:
    """``progress`` in several modules at once ({module id: {visitor id: Progress}}), in the
    same few queries whatever the number of modules."""
    sessions: dict[int, dict[int, dict]] = {module.id: {} for module in modules}
    for row in await workshops.sessions_of_modules(list(sessions)):
        sessions[row["module"]][row["id"]] = row
    session_ids = [session for held in sessions.values() for session in held]
    module_of = {session: module for module, held in sessions.items() for session in held}
    people = visitor_ids or [-1]
    came: dict[tuple[int, int], set[int]] = {}
    for row in await Attendance.select(Attendance.visitor, Attendance.session).where(
        Attendance.session.is_in(session_ids or [-1])
        & Attendance.visitor.is_in(people)
        & Attendance.status.is_in(list(PRESENT))
    ):
        came.setdefault((module_of[row["session"]], row["visitor"]), set()).add(row["session"])
    drop_ins = [module.id for module in modules if module.enrolment == "drop_in"]
    booked: dict[tuple[int, int], set[int]] = {}
    if drop_ins:
        for row in await workshops.drop_in_enrolments_in(
            drop_ins,
            [session for module in drop_ins for session in sessions[module]],
            visitor_ids,
            COUNTED_ENROLMENTS,
        ):
            booked.setdefault((row["module"], row["visitor"]), set()).add(row["session"])
    result: dict[int, dict[int, Progress]] = {}
    for module in modules:
        held = sessions[module.id]
        result[module.id] = {}
        for visitor in visitor_ids:
            attended_any = came.get((module.id, visitor), set())
            if module.enrolment == "drop_in":
                planned = attended_any | booked.get((module.id, visitor), set())
            else:
                planned = set(held)
            result[module.id][visitor] = _progress(module, held, planned, attended_any)
    return result


def _progress(module: Module, sessions: dict[int, dict], planned: set[int], came: set[int]):
    counted = sorted(planned, key=lambda i: sessions[i]["starts_at"])
    attended = came & planned
    minutes = sum(
        int((sessions[i]["ends_at"] - sessions[i]["starts_at"]).total_seconds() // 60)
        for i in attended
    )
    return Progress(
        attended=len(attended),
        total=len(counted),
        needed=sessions_needed(len(counted), module.completion_percent),
        percent=module.completion_percent,
        minutes=minutes,
        first_at=sessions[counted[0]]["starts_at"] if counted else None,
        last_at=sessions[counted[-1]]["starts_at"] if counted else None,
    )


async def participants(actor: StaffPrincipal, module_id: int) -> tuple[Module, list[dict]]:
    """The module's participants (enrolled, or who came to a drop-in session), by last name,
    each with their ``progress``. Errors: not_found, forbidden (other site)."""
    module = await get_module_for(actor, module_id)
    ids = await workshops.enrolled_in_module(module.id, module.enrolment, COUNTED_ENROLMENTS)
    if module.enrolment == "drop_in":
        ids |= {
            row["visitor"]
            for row in await Attendance.select(Attendance.visitor).where(
                Attendance.session.is_in(await workshops.module_session_ids(module.id) or [-1])
                & Attendance.status.is_in(list(PRESENT))
            )
        }
    people = await visitor_names(ids)
    done = await progress(module, [person["id"] for person in people])
    return module, [{**person, "progress": done[person["id"]]} for person in people]


@dataclasses.dataclass(frozen=True, slots=True)
class Certificate:
    site: Site
    module: Module
    visitor: Visitor
    progress: Progress
    facilitators: list[str]
    issued_at: dt.datetime


async def certificate(actor: StaffPrincipal, module_id: int, visitor_id: int) -> Certificate:
    """The attendance certificate of a visitor for a module, once the rule is met.
    Errors: not_found, forbidden (other site), not_complete (409, with the counts)."""
    module = await get_module_for(actor, module_id)
    visitor = await get_visitor_for(actor, visitor_id)
    done = (await progress(module, [visitor.id]))[visitor.id]
    if not done.complete:
        raise Conflict(
            ngettext(
                "L'attestation n'est pas encore possible : %(num)s séance suivie, il en faut "
                "%(needed)s sur %(total)s.",
                "L'attestation n'est pas encore possible : %(num)s séances suivies, il en faut "
                "%(needed)s sur %(total)s.",
                done.attended,
                needed=done.needed,
                total=done.total,
            ),
            code="not_complete",
        )
    return Certificate(
        site=await get_site(module.site),
        module=module,
        visitor=visitor,
        progress=done,
        facilitators=await facilitator_names(module.id),
        issued_at=clock.now(),
    )
