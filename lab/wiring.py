"""How the domains are joined at start-up, where a lower domain needs an answer only a higher
one has. Called by the app and by the command line (demo data, imports), so both behave alike.

- workshops' pages show how many came: attendance knows;
- bookings asks whether a visitor holds the skill a resource requires: skills knows;
- attendance tells who came to a session: skills records a module's completion as evidence;
- the person's timeline (attendance) shows their skills evidence and badges: skills reads them;
- visits and skills read their settings (the longest visit counted; the badges' issuer).
"""

from __future__ import annotations

from lab import erasure
from lab.accounts.services import forget_with
from lab.attendance.queries import attendance_counts
from lab.attendance.services import after_attendance, timeline_reads_with
from lab.bookings.services import check_skills_with
from lab.settings import Settings
from lab.skills import config as skills_config
from lab.skills.queries import TIMELINE, skill_gate
from lab.skills.services import record_completion
from lab.visits import config as visits_config
from lab.workshops.pages import count_attendance_with


def wire(settings: Settings) -> None:
    count_attendance_with(attendance_counts)
    check_skills_with(skill_gate)
    after_attendance(record_completion)
    for kind, more in TIMELINE.items():
        timeline_reads_with(kind, more)
    visits_config.configure(settings.visit_max_minutes)
    skills_config.configure(settings)
    forget_with(erasure.forget_elsewhere, erasure.legal_hold)
    erasure.configure(settings.retain_signed_sheets_years)
