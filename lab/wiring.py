"""How the domains are joined at start-up, where a lower domain needs an answer only a higher
one has. Called by the app and by the command line (demo data, imports), so both behave alike.

- workshops' pages show how many came: attendance knows;
- bookings asks whether a visitor holds the skill a resource requires: skills knows;
- attendance tells who came to a session: skills records a module's completion as evidence;
- the person's timeline (attendance) shows their skills evidence and badges: skills reads them;
- a visitor's data export (accounts) reads what each higher domain holds about them;
- visits and skills read their settings (the longest visit counted; the badges' issuer);
- erasing a person (accounts) has every higher domain forget its part (lab.erasure).
"""

from __future__ import annotations

import dataclasses

from lab import erasure
from lab.accounts.services import export_reads_with, forget_with
from lab.attendance.queries import attendance_counts, attendance_history
from lab.attendance.services import after_attendance, timeline_reads_with
from lab.bookings.queries import visitor_booking_history, visitor_loans
from lab.bookings.services import check_skills_with
from lab.network.queries import visitor_referrals
from lab.settings import Settings
from lab.skills import config as skills_config
from lab.skills.queries import TIMELINE, badges_of, evidence_of, skill_gate
from lab.skills.services import record_completions
from lab.visits import config as visits_config
from lab.visits.queries import visits_of
from lab.workshops.pages import count_attendance_with
from lab.workshops.queries import enrolment_history


def wire(settings: Settings) -> None:
    count_attendance_with(attendance_counts)
    check_skills_with(skill_gate)
    after_attendance(record_completions)
    for kind, more in TIMELINE.items():
        timeline_reads_with(kind, more)
    visits_config.configure(settings.visit_max_minutes)
    skills_config.configure(settings)
    forget_with(erasure.forget_elsewhere, erasure.legal_hold)
    erasure.configure(settings.retain_signed_sheets_years)
    for category, reader in EXPORTS.items():
        export_reads_with(category, reader)


# A visitor's data export (accounts) reads each higher domain's rows about them.
async def _visits(visitor_id: int, site_ids: tuple[int, ...]) -> list[dict]:
    return [visit.to_dict() for visit in await visits_of(visitor_id, site_ids)]


async def _skills(visitor_id: int, site_ids: tuple[int, ...]) -> list[dict]:
    found = await evidence_of([visitor_id])
    return [dataclasses.asdict(item) for item in found.get(visitor_id, [])]


EXPORTS = {
    "bookings": lambda visitor_id, _sites: visitor_booking_history(visitor_id),
    "loans": lambda visitor_id, _sites: visitor_loans(visitor_id),
    "enrolments": lambda visitor_id, _sites: enrolment_history(visitor_id),
    "attendance": lambda visitor_id, _sites: attendance_history(visitor_id),
    "visits": _visits,
    "skills": _skills,
    "badges": lambda visitor_id, _sites: badges_of(visitor_id),
    "referrals": lambda visitor_id, _sites: visitor_referrals(visitor_id),
}
