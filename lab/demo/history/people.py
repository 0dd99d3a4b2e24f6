"""The history's young people: about 75 a site, made over the year (a share at the kiosk),
each with a pass, most of them agreeing that their optional fields count in the funders'
figures; at Saint-Denis a third also learnt the studio (the skill ``studio``, which
the team validated)."""

from __future__ import annotations

import datetime as dt
import random

from lab.accounts.passes import new_short_code
from lab.accounts.tables import Pass, Visitor, VisitorConsent
from lab.accounts.visitors import search_key
from lab.core.security import new_token, token_hash
from lab.demo import accounts as demo_accounts
from lab.demo.history.place import DAYS, Person, Place, busy_days, insert, moment, weighted
from lab.skills.tables import SkillEvidence

PEOPLE_PER_SITE = 75
ALREADY_FOLLOWED = 20  # of them, on the books within the year's first three weeks
KIOSK_SHARE = 0.3
# Age on the day the record is made: 15 to 31, most of them 16 to 25.
AGES = {15: 2, 16: 5, 17: 8, 18: 12, 19: 12, 20: 11, 21: 10, 22: 9, 23: 8, 24: 7, 25: 6}
AGES |= {26: 3, 27: 2, 28: 2, 29: 1, 30: 1, 31: 1}
GENDERS = {"female": 44, "male": 44, "other": 2, "undisclosed": 5, None: 5}
EDUCATION = {"none": 25, "level3": 25, "level4": 25, "level5": 8, "level6": 3}
EDUCATION |= {"undisclosed": 4, None: 10}
PRIORITY = {"yes": 35, "no": 45, "undisclosed": 8, None: 12}
# One in eight did not agree that their optional fields count in the funders' figures.
NO_REPORTING_CONSENT = 8


async def load_people(place: Place, rng: random.Random) -> int:
    """The site's new young people over the year, each with a pass (and, at Saint-Denis, a
    few who learnt the studio)."""
    first = place.today - dt.timedelta(days=DAYS)
    days = place.open_days(first, place.today - dt.timedelta(days=1))
    early = [day for day in days if day < first + dt.timedelta(weeks=3)]
    chosen = rng.choices(early, k=ALREADY_FOLLOWED)
    chosen += busy_days(rng, days, PEOPLE_PER_SITE - ALREADY_FOLLOWED)
    rows = [_visitor(place, rng, at) for at in sorted(moment(rng, place, day) for day in chosen)]
    await insert(rows)
    codes = {row["short_code"] for row in await Pass.select(Pass.short_code)}
    passes = []
    for row in rows:
        code = new_short_code()
        while code in codes:
            code = new_short_code()
        codes.add(code)
        desk = row.created_via == "staff"
        passes.append(
            Pass(
                visitor=row.id,
                token_hash=token_hash(new_token()),
                short_code=code,
                issued_at=row.created_at,
                issued_by=rng.choice(place.team) if desk else None,
            )
        )
        place.people.append(Person(row.id, row.created_at, row.created_via))
    await insert(passes)
    await insert(
        [
            VisitorConsent(
                visitor=row.id,
                purpose="reporting_optional_fields",
                wording_version=1,
                given_at=row.created_at,
                recorded_by=pass_row.issued_by,
                site=place.id,
            )
            for index, (row, pass_row) in enumerate(zip(rows, passes, strict=True))
            if index % NO_REPORTING_CONSENT
        ]
    )
    if place.slug == "saint-denis":
        inducted = rng.sample(place.people, len(place.people) // 3)
        await insert(
            [
                SkillEvidence(
                    visitor=person.id,
                    skill="studio",
                    level="on_my_own",
                    source="facilitator",
                    site=place.id,
                    staff_user=rng.choice(place.team),
                    at=person.created_at + dt.timedelta(days=rng.randint(1, 20)),
                )
                for person in inducted
            ]
        )
    return len(rows)


def _visitor(place: Place, rng: random.Random, created_at: dt.datetime) -> Visitor:
    first, last = rng.choice(demo_accounts.FIRST_NAMES), rng.choice(demo_accounts.LAST_NAMES)
    age_days = weighted(rng, AGES) * 365 + rng.randrange(365)
    brussels = place.slug.startswith("bruxelles")
    return Visitor(
        first_name=first,
        last_name=last,
        search_name=search_key(first, last),
        birth_date=created_at.date() - dt.timedelta(days=age_days),
        gender=weighted(rng, GENDERS),
        postcode=rng.choice(demo_accounts.POSTCODES[place.slug]),
        priority_area=weighted(rng, PRIORITY),
        status=rng.choice(demo_accounts.STATUSES),
        education_level=weighted(rng, EDUCATION),
        preferred_language=rng.choice(
            ["fr", "fr", "nl", "en"] if brussels else ["fr"] * 3 + ["en"]
        ),
        external_ref=f"ML-{rng.randint(10000, 99999)}" if rng.random() < 0.6 else None,
        created_site=place.id,
        created_at=created_at,
        updated_at=created_at,
        created_via="kiosk" if rng.random() < KIOSK_SHARE else "staff",
    )
