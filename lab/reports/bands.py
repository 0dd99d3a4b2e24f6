"""How a person's record falls into the categories funders count: pure functions, one rule each.

"Not stated" is always a category of its own, never dropped: a profile's categories add up to
the number of people it describes.
"""

from __future__ import annotations

import datetime as dt

from lab.accounts.queries import VISITOR_STATUSES
from lab.core.i18n import N_

NOT_STATED = "not_stated"

# The lab's own bands, and the ones the European Social Fund counts (under 18, 18-29, 55+).
AGE_BANDS = ("under_16", "16_17", "18_21", "22_25", "26_29", "30_plus")
FUNDER_AGE_BANDS = ("under_18", "18_29", "30_54", "55_plus")
GENDERS = ("woman", "man", "non_binary", NOT_STATED)
STATUSES = ("job_seeker", "student", "training", "employed", "inactive", "other", NOT_STATED)
ISCED = ("isced_0_2", "isced_3_4", "isced_5_8", NOT_STATED)
PRIORITY_AREAS = ("yes", "no", NOT_STATED)

LABELS = {
    "under_16": N_("Moins de 16 ans"),
    "16_17": N_("16–17 ans"),
    "18_21": N_("18–21 ans"),
    "22_25": N_("22–25 ans"),
    "26_29": N_("26–29 ans"),
    "30_plus": N_("30 ans et plus"),
    "under_18": N_("Moins de 18 ans"),
    "18_29": N_("18–29 ans"),
    "30_54": N_("30–54 ans"),
    "55_plus": N_("55 ans et plus"),
    "woman": N_("Femme"),
    "man": N_("Homme"),
    "non_binary": N_("Non-binaire ou autre"),
    **VISITOR_STATUSES,  # the visitor form's own words for each situation
    "isced_0_2": N_("CITE 0–2 (sans diplôme, brevet)"),
    "isced_3_4": N_("CITE 3–4 (CAP, BEP, bac)"),
    "isced_5_8": N_("CITE 5–8 (bac +2 et plus)"),
    "yes": N_("Oui"),
    "no": N_("Non"),
    NOT_STATED: N_("Non renseigné"),
}

_GENDER = {"female": "woman", "male": "man", "other": "non_binary"}
# French diploma levels (the visitor form's choices) on the ISCED 2011 scale.
_ISCED = {
    "none": "isced_0_2",
    "level3": "isced_3_4",
    "level4": "isced_3_4",
    "level5": "isced_5_8",
    "level6": "isced_5_8",
}


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years on ``day`` (a person born on 29 February turns a year older on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_band(age: int) -> str:
    if age < 16:
        return "under_16"
    if age < 18:
        return "16_17"
    if age < 22:
        return "18_21"
    if age < 26:
        return "22_25"
    if age < 30:
        return "26_29"
    return "30_plus"


def funder_age_band(age: int) -> str:
    if age < 18:
        return "under_18"
    if age < 30:
        return "18_29"
    if age < 55:
        return "30_54"
    return "55_plus"


def gender(value: str | None) -> str:
    """The record's gender as funders count it; "prefer not to say" and empty are not stated."""
    return _GENDER.get(value or "", NOT_STATED)


def status(value: str | None) -> str:
    return value if value in STATUSES else NOT_STATED


def isced(value: str | None) -> str:
    return _ISCED.get(value or "", NOT_STATED)


def priority_area(value: str | None) -> str:
    return value if value in ("yes", "no") else NOT_STATED


def postcode_area(value: str | None) -> str:
    """The first two characters of a postcode: a French département (93…) or, in Belgium, a
    group of municipalities (10 for Brussels-City…). Never the full code: too close to an
    address for a table others read."""
    text = (value or "").strip()
    return text[:2] if len(text) >= 2 and text[:2].isalnum() else NOT_STATED
