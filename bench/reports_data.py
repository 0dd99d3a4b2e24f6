"""A regional network's three years of history, as rows ready for a bulk load.

At scale 1: 20 sites (half in Paris' time zone, half in Brussels'), about 60 staff, 10,000
visitors, 5,000 workshop sessions over the 36 months before this one (5% cancelled), their
enrolments and 1,000,000 attendance marks, about 200,000 bookings of 160 resources, loans of
the tablets and about 200,000 drop-in visits. Every id is chosen here, so that rows refer to each
other before anything is written; the rows keep the database's rules (one mark per person and
session, one live enrolment per person and module or session, no two exclusive bookings of a
resource overlapping, one open loan per tablet, every visit closed).

``generate`` returns {table: (columns, rows)} in the order the tables must be filled; ``load``
writes them on SQLite (executemany in one transaction) or PostgreSQL (COPY).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
import math
import random
import secrets
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from lab.accounts.visitors import search_key
from lab.demo.accounts import FIRST_NAMES, LAST_NAMES
from lab.visits.rules import DEFAULT_PURPOSES

Rows = tuple[tuple[str, ...], list[tuple]]

SITES = 20
STAFF_PER_SITE = 3  # a manager and two facilitators
VISITORS = 10_000
SESSIONS = 5_000
ATTENDANCES = 1_000_000
BOOKINGS = 200_000
VISITS = 200_000
LOANS = 30_000
MONTHS = 36
ZONES = ("Europe/Paris", "Europe/Brussels")
KINDS = ("job_search", "orientation", "digital_skills", "info_session", "partner_meeting", "other")
# (resource kind, name, units, exclusive): eight resources a site.
RESOURCES = (
    ("tablet_pool", "Tablettes", 12, False),
    ("studio", "Studio", 1, True),
    ("room", "Salle A", 1, True),
    ("room", "Salle B", 1, True),
    ("computer", "Poste 1", 1, True),
    ("computer", "Poste 2", 1, True),
    ("computer", "Poste 3", 1, True),
    ("computer", "Poste 4", 1, True),
)
MARKS = (("present", 0.76), ("late", 0.08), ("absent", 0.11), ("excused", 0.05))
BOOKING_STATUSES = (
    ("completed", 0.58),
    ("checked_in", 0.04),
    ("no_show", 0.08),
    ("released", 0.05),
    ("cancelled", 0.15),
    ("confirmed", 0.10),
)
GENDERS = (("female", 0.46), ("male", 0.44), ("other", 0.02), ("undisclosed", 0.04), (None, 0.04))
STATUSES = (
    ("job_seeker", 0.35),
    ("student", 0.25),
    ("training", 0.12),
    ("employed", 0.12),
    ("inactive", 0.08),
    ("other", 0.04),
    (None, 0.04),
)
EDUCATION = (
    ("none", 0.2),
    ("level3", 0.2),
    ("level4", 0.3),
    ("level5", 0.1),
    ("level6", 0.05),
    (None, 0.15),
)
SESSION_COLUMNS = ("id", "module", "starts_at", "ends_at", "capacity", "status")
SESSION_COLUMNS += ("checkin_secret", "uid", "sequence", "created_at", "updated_at")
ENROLMENT_COLUMNS = ("id", "visitor", "module", "session", "status", "position", "source")
ENROLMENT_COLUMNS += ("created_at", "updated_at", "promoted_at", "cancelled_by")
ATTENDANCE_COLUMNS = ("id", "visitor", "session", "status", "checked_in_at", "method", "nonce")
ATTENDANCE_COLUMNS += ("created_at", "updated_at")
AGE_BANDS = ("under_16", "16_17", "18_21", "22_25", "26_29", "30_plus")


def history(today: dt.date) -> tuple[dt.date, dt.date]:
    """[first, end): the 36 whole months before ``today``'s month."""
    end = today.replace(day=1)
    month = end.year * 12 + end.month - 1 - MONTHS
    return dt.date(month // 12, month % 12 + 1, 1), end


def _pick(rng: random.Random, weighted) -> object:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


def _at(day: dt.date, hour: int, minute: int, zone: str) -> dt.datetime:
    """A wall-clock time on ``day`` at a site, as a UTC instant."""
    local = dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(zone))
    return local.astimezone(dt.UTC)


def _token() -> str:
    return secrets.token_hex(16)


class Network:
    """Builds the rows table by table; each step reads what the earlier ones made."""

    def __init__(self, scale: float, today: dt.date, seed: int = 2026) -> None:
        self.scale = scale
        self.rng = random.Random(seed)
        self.first, self.end = history(today)
        self.days = (self.end - self.first).days
        self.loaded_at = dt.datetime.combine(self.end, dt.time(), dt.UTC)
        self.tables: dict[str, Rows] = {}

    def count(self, full: int) -> int:
        return max(1, math.ceil(full * self.scale))

    def day(self, index: int) -> dt.date:
        return self.first + dt.timedelta(days=index)

    def moment(self) -> dt.datetime:
        """A random instant of the history."""
        seconds = self.rng.randrange(self.days * 86400)
        return dt.datetime.combine(self.first, dt.time(), dt.UTC) + dt.timedelta(seconds=seconds)

    def build(self) -> dict[str, Rows]:
        self.sites()
        self.staff()
        self.visitors()
        self.programme()
        self.resources()
        self.workshops()
        self.bookings()
        self.loans()
        self.visits()
        self.known_before_seen()
        return self.tables

    def known_before_seen(self) -> None:
        """A person's record is made, at the latest, the day before anything they did."""
        first = dict(self.born)
        for table, column in (
            ("enrolment", "created_at"),
            ("attendance", "created_at"),
            ("booking", "created_at"),
            ("loan", "out_at"),
            ("visit", "arrived_at"),
        ):
            columns, rows = self.tables[table]
            who, when = columns.index("visitor"), columns.index(column)
            for row in rows:
                person = row[who]
                if person is not None and row[when] < first[person]:
                    first[person] = row[when]
        columns, rows = self.tables["visitor"]
        made, updated = columns.index("created_at"), columns.index("updated_at")
        for number, row in enumerate(rows):
            person = row[0]
            if first[person] < row[made]:
                moment = first[person] - dt.timedelta(days=1)
                row = list(row)
                row[made] = row[updated] = moment
                rows[number] = tuple(row)

    def sites(self) -> None:
        hours = json.dumps({d: [["09:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
        self.zone = {}
        rows = []
        for site in range(1, SITES + 1):
            zone = ZONES[(site - 1) * 2 // SITES]
            self.zone[site] = zone
            city = "Paris" if zone == "Europe/Paris" else "Bruxelles"
            created = dt.datetime.combine(self.first, dt.time(), dt.UTC) - dt.timedelta(days=90)
            rows.append(
                (
                    site,
                    f"Lab {city} {site:02d}",
                    f"lab-{site:02d}",
                    zone,
                    "",
                    hours,
                    "",
                    True,
                    created,
                )
            )
        columns = ("id", "name", "slug", "timezone", "address", "opening_hours", "network")
        self.tables["site"] = ((*columns, "active", "created_at"), rows)
        purposes = []
        for site in range(1, SITES + 1):
            for position, purpose in enumerate(DEFAULT_PURPOSES):
                purposes.append(
                    (
                        len(purposes) + 1,
                        site,
                        purpose.code,
                        purpose.label_fr,
                        purpose.label_en,
                        purpose.label_nl,
                        purpose.icon,
                        position,
                        True,
                    )
                )
        self.purposes = [purpose.code for purpose in DEFAULT_PURPOSES]
        columns = ("id", "site", "code", "label_fr", "label_en", "label_nl", "icon", "position")
        self.tables["visit_purpose"] = ((*columns, "active"), purposes)

    def staff(self) -> None:
        users, roles = [], []
        self.facilitators: dict[int, list[int]] = {}
        created = self.loaded_at - dt.timedelta(days=self.days + 60)
        for site in range(1, SITES + 1):
            for index, role in enumerate(("manager", "facilitator", "facilitator")):
                user = len(users) + 1
                users.append(
                    (user, f"staff{user}@lab.test", f"Équipe {user}", "!", True, "fr", created)
                )
                roles.append((len(roles) + 1, user, site, role))
                if index:
                    self.facilitators.setdefault(site, []).append(user)
        for role in ("network_manager", "admin"):
            user = len(users) + 1
            users.append((user, f"{role}@lab.test", role, "!", True, "fr", created))
            roles.append((len(roles) + 1, user, None, role))
        columns = ("id", "email", "name", "password_hash", "active", "language", "created_at")
        self.tables["staff_user"] = (columns, users)
        self.tables["staff_role"] = (("id", "user", "site", "role"), roles)

    def visitors(self) -> None:
        rng, rows = self.rng, []
        self.people: dict[int, list[int]] = {site: [] for site in range(1, SITES + 1)}
        self.born: dict[int, dt.datetime] = {}
        for person in range(1, self.count(VISITORS) + 1):
            site = rng.randint(1, SITES)
            self.people[site].append(person)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            # Known before the history began (half of them) or signed up during it.
            created = (
                self.loaded_at - dt.timedelta(days=self.days + rng.randint(1, 400))
                if rng.random() < 0.5
                else self.moment()
            )
            self.born[person] = created
            # 15 to 31 years old over the history.
            birth = self.first - dt.timedelta(days=rng.randint(15 * 365, 28 * 365))
            paris = self.zone[site] == "Europe/Paris"
            postcode = rng.choice(("93200", "93100", "75019", "92000", "95100"))
            if not paris:
                postcode = rng.choice(("1000", "1030", "1080", "1210", "1060"))
            rows.append(
                (
                    person,
                    first,
                    last,
                    birth,
                    _pick(rng, GENDERS),
                    postcode,
                    rng.choice(("yes", "no", None)),
                    _pick(rng, STATUSES) or "",
                    _pick(rng, EDUCATION),
                    "fr",
                    search_key(first, last),
                    site,
                    created,
                    created,
                    "kiosk" if rng.random() < 0.2 else "staff",
                )
            )
        self.joined: dict[int, list[dt.datetime]] = {}
        for site, people in self.people.items():
            people.sort(key=self.born.__getitem__)
            self.joined[site] = [self.born[person] for person in people]
        columns = ("id", "first_name", "last_name", "birth_date", "gender", "postcode")
        columns += ("priority_area", "status", "education_level", "preferred_language")
        columns += ("search_name", "created_site", "created_at", "updated_at", "created_via")
        self.tables["visitor"] = (columns, rows)

    def known(self, site: int, moment: dt.datetime) -> list[int]:
        """The site's people whose record existed at ``moment`` (the first one at least)."""
        count = bisect.bisect_right(self.joined[site], moment)
        return self.people[site][: max(1, count)]

    def someone(self, site: int, moment: dt.datetime) -> int:
        """One of the site's people known at ``moment``."""
        count = bisect.bisect_right(self.joined[site], moment)
        return self.people[site][self.rng.randrange(max(1, count))]

    def programme(self) -> None:
        """Partners and modules: 20 a site, one in five drop-in, a third with a partner."""
        rng = self.rng
        partners, modules, links = [], [], []
        self.modules: list[tuple[int, int, str, int]] = []  # (id, site, enrolment, capacity)
        created = dt.datetime.combine(self.first, dt.time(), dt.UTC) - dt.timedelta(days=30)
        modules_per_site = max(2, min(20, self.count(SESSIONS) // (SITES * 4) or 2))
        for site in range(1, SITES + 1):
            mine = []
            for kind in ("employment", "training", "association"):
                partners.append((len(partners) + 1, site, f"Partenaire {kind} {site}", kind, ""))
                mine.append(len(partners))
            for index in range(modules_per_site):
                module = len(modules) + 1
                enrolment = "drop_in" if index % 5 == 4 else "series"
                capacity = rng.randint(200, 260)
                modules.append(
                    (
                        module,
                        site,
                        f"Atelier {module}",
                        KINDS[index % len(KINDS)],
                        capacity,
                        enrolment,
                        rng.choice(mine) if index % 3 == 0 else None,
                        True,
                        created,
                    )
                )
                self.modules.append((module, site, enrolment, capacity))
                for staff in self.facilitators[site][: 1 + index % 2]:
                    links.append((len(links) + 1, module, staff))
        partners = [(*row, created) for row in partners]
        columns = ("id", "site", "name", "kind", "contact", "created_at")
        self.tables["partner"] = (columns, partners)
        columns = ("id", "site", "title", "kind", "capacity", "enrolment", "partner")
        self.tables["workshop_module"] = ((*columns, "active", "created_at"), modules)
        self.tables["workshop_module_facilitator"] = (("id", "module", "staff_user"), links)

    def resources(self) -> None:
        rows, assets = [], []
        self.resources_of: dict[int, list[tuple[int, int, bool]]] = {}
        self.tablets: dict[int, list[int]] = {}
        created = dt.datetime.combine(self.first, dt.time(), dt.UTC) - dt.timedelta(days=30)
        for site in range(1, SITES + 1):
            for kind, name, units, exclusive in RESOURCES:
                resource = len(rows) + 1
                rows.append((resource, site, kind, name, "", units, True, 30, 30, 240, 60, created))
                self.resources_of.setdefault(site, []).append((resource, units, exclusive))
                if kind == "tablet_pool":
                    for tag in range(units):
                        assets.append(
                            (len(assets) + 1, resource, f"T{site:02d}-{tag:02d}", "", True, created)
                        )
                        self.tablets.setdefault(site, []).append(len(assets))
        columns = ("id", "site", "kind", "name", "description", "units", "active")
        columns += ("slot_minutes", "min_minutes", "max_minutes", "horizon_days", "created_at")
        self.tables["resource"] = (columns, rows)
        columns = ("id", "resource", "tag", "label", "active", "created_at")
        self.tables["asset"] = (columns, assets)

    def workshops(self) -> None:
        """Sessions, enrolments and marks. A series module has a cohort enrolled for all its
        sessions (and a waitlist); a drop-in module enrols people session by session. Each
        held session marks most of its expected people and a few walk-ins."""
        rng = self.rng
        sessions, enrolments, marks = [], [], []
        session_count = self.count(SESSIONS)
        per_session = max(1, round(self.count(ATTENDANCES) / (session_count * 0.95)))
        by_module: dict[int, list[int]] = {module[0]: [] for module in self.modules}
        for index in range(session_count):
            by_module[self.modules[index % len(self.modules)][0]].append(index)
        info = {module[0]: module for module in self.modules}
        for module, indexes in by_module.items():
            _, site, enrolment, _ = info[module]
            zone = self.zone[site]
            days = sorted(rng.sample(range(self.days), min(self.days, len(indexes))))
            opened = self.day(days[0]) - dt.timedelta(days=20)
            people = self.known(site, _at(opened, 10, 0, zone))
            size = min(len(people), max(1, int(per_session * 1.12)))
            cohort = rng.sample(people, size)
            waitlist = [
                p for p in rng.sample(people, min(len(people), size + 15)) if p not in cohort
            ][:15]
            if enrolment == "series":
                for person in cohort:
                    made = max(_at(opened, 10, 0, zone), self.born[person])
                    enrolments.append([person, module, None, "enrolled", 0, "staff", made, None])
                for position, person in enumerate(waitlist, 1):
                    made = max(_at(opened, 11, 0, zone), self.born[person])
                    if position <= 5:
                        promoted = made + dt.timedelta(days=rng.randint(1, 15))
                        enrolments.append(
                            [person, module, None, "enrolled", 0, "staff", made, promoted]
                        )
                        cohort.append(person)
                    else:
                        enrolments.append(
                            [person, module, None, "waitlisted", position, "kiosk", made, None]
                        )
            for day_index in days:
                session = len(sessions) + 1
                day = self.day(day_index)
                start = _at(day, rng.choice((9, 10, 14, 15)), rng.choice((0, 30)), zone)
                end = start + dt.timedelta(hours=rng.choice((1, 2, 2, 3)))
                cancelled = rng.random() < 0.05
                created = start - dt.timedelta(days=30)
                sessions.append(
                    (
                        session,
                        module,
                        start,
                        end,
                        None,
                        "cancelled" if cancelled else "closed",
                        _token() + _token(),
                        f"session-{session}@bench.lab.test",
                        0,
                        created,
                        start,
                    )
                )
                expected = cohort
                people = self.known(site, start)
                if enrolment == "drop_in":
                    expected = rng.sample(people, min(len(people), size))
                    for person in expected:
                        made = max(start - dt.timedelta(days=rng.randint(1, 10)), self.born[person])
                        enrolments.append(
                            [person, module, session, "completed", 0, "kiosk", made, None]
                        )
                if cancelled:
                    continue
                came = rng.sample(expected, min(len(expected), per_session))
                walk_ins = [
                    p for p in rng.sample(people, min(len(people), 12)) if p not in expected
                ]
                for person in came + walk_ins[: max(0, per_session // 20)]:
                    status = "present" if person in walk_ins else _pick(rng, MARKS)
                    checked = None
                    if status in ("present", "late"):
                        checked = start + dt.timedelta(minutes=rng.randint(-10, 25))
                    method, nonce = "closing", None
                    if checked is not None:
                        method = rng.choice(("kiosk_scan", "staff", "self_phone"))
                        nonce = _token() if method != "staff" else None
                    marks.append(
                        (person, session, status, checked, method, nonce, checked or end, end)
                    )
        self.tables["workshop_session"] = (
            SESSION_COLUMNS,
            sessions,
        )
        rows = [
            (number, *row[:7], row[6], row[7], None) for number, row in enumerate(enrolments, 1)
        ]
        self.tables["enrolment"] = (
            ENROLMENT_COLUMNS,
            rows,
        )
        self.tables["attendance"] = (
            ATTENDANCE_COLUMNS,
            [(number, *row) for number, row in enumerate(marks, 1)],
        )

    def bookings(self) -> None:
        """Each resource's bookings on distinct hours of its days: exclusive ones never
        overlap, and the pool's take one to four tablets."""
        rng, rows = self.rng, []
        resources = [(site, *r) for site, mine in self.resources_of.items() for r in mine]
        per_resource = self.count(BOOKINGS) / len(resources)
        for site, resource, units, exclusive in resources:
            zone = self.zone[site]
            hours_used: set[tuple[int, int]] = set()
            for _ in range(round(per_resource)):
                slot = (rng.randrange(self.days), rng.randint(9, 18))
                if slot in hours_used:
                    continue
                hours_used.add(slot)
                start = _at(self.day(slot[0]), slot[1], 0, zone)
                end = start + dt.timedelta(minutes=rng.choice((30, 60)))
                status = _pick(rng, BOOKING_STATUSES)
                number = len(rows) + 1
                rows.append(
                    (
                        number,
                        resource,
                        self.someone(site, start),
                        start,
                        end,
                        end,
                        rng.randint(1, 4) if units > 1 else 1,
                        exclusive,
                        status,
                        rng.choice(("staff", "kiosk", "api")),
                        "",
                        f"booking-{number}@bench.lab.test",
                        0,
                        start - dt.timedelta(days=rng.randint(0, 10)),
                        start,
                        start if status in ("checked_in", "completed") else None,
                    )
                )
        columns = ("id", "resource", "visitor", "starts_at", "ends_at", "blocked_until", "units")
        columns += ("exclusive", "status", "source", "note", "uid", "sequence", "created_at")
        self.tables["booking"] = ((*columns, "updated_at", "checked_in_at"), rows)

    def loans(self) -> None:
        """Tablets lent for two hours to a week; the last loan of one tablet in four is still
        out (some past due)."""
        rng, rows = self.rng, []
        assets = [(site, asset) for site, mine in self.tablets.items() for asset in mine]
        per_asset = max(1, round(self.count(LOANS) / len(assets)))
        for site, asset in assets:
            moment = dt.datetime.combine(self.first, dt.time(9), dt.UTC)
            step = dt.timedelta(days=self.days / per_asset)
            for index in range(per_asset):
                out = moment + dt.timedelta(minutes=rng.randint(0, 600))
                due = out + rng.choice((dt.timedelta(hours=2), dt.timedelta(days=7)))
                last = index == per_asset - 1
                returned = None if last and asset % 4 == 0 else out + dt.timedelta(hours=2)
                rows.append(
                    (len(rows) + 1, asset, self.someone(site, out), out, due, returned, "", "")
                )
                moment += step
        columns = ("id", "asset", "visitor", "out_at", "due_at", "returned_at")
        self.tables["loan"] = ((*columns, "condition_out", "condition_in"), rows)

    def visits(self) -> None:
        """Drop-in visits, all closed: seven in ten by people the lab knows."""
        rng, rows = self.rng, []
        for number in range(1, self.count(VISITS) + 1):
            site = rng.randint(1, SITES)
            zone = self.zone[site]
            arrived = _at(
                self.day(rng.randrange(self.days)), rng.randint(9, 18), rng.randint(0, 59), zone
            )
            named = rng.random() < 0.7 and self.people[site]
            left = arrived + dt.timedelta(minutes=rng.randint(10, 200))
            rows.append(
                (
                    number,
                    site,
                    self.someone(site, arrived) if named else None,
                    None if named else rng.choice(AGE_BANDS),
                    rng.choice(self.purposes),
                    arrived,
                    left,
                    rng.choice(("kiosk", "desk", "closing")),
                    _token(),
                    False,
                    arrived,
                )
            )
        columns = ("id", "site", "visitor", "age_band", "purpose", "arrived_at", "left_at")
        self.tables["visit"] = ((*columns, "ended_by", "nonce", "offline", "created_at"), rows)


def generate(scale: float, today: dt.date) -> dict[str, Rows]:
    return Network(scale, today).build()


def _batches(rows: list[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def load_sqlite(path: str, tables: dict[str, Rows]) -> None:
    """Fill a migrated SQLite file in one transaction. The booking triggers that look for an
    overlapping booking are set aside while loading (the rows never overlap) and put back."""
    import sqlite3

    import piccolo.engine.sqlite  # noqa: F401  (registers the adapters Piccolo writes with)

    connection = sqlite3.connect(path)
    try:
        triggers = connection.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'booking'"
        ).fetchall()
        for name, _ in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        for table, (columns, rows) in tables.items():
            quoted = ", ".join(f'"{column}"' for column in columns)
            marks = ", ".join("?" for _ in columns)
            statement = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
            for batch in _batches(rows):
                connection.executemany(statement, batch)
        for _, sql in triggers:
            connection.execute(sql)
        connection.commit()
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def load_postgres(url: str, tables: dict[str, Rows]) -> None:
    """COPY every table, then move each id sequence past the ids written."""
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        for table, (columns, rows) in tables.items():
            await connection.copy_records_to_table(table, records=rows, columns=list(columns))
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT coalesce(max(id), 1) FROM "{table}"))'
            )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
