"""What staff type into the app's creation forms: one new visitor, site, account and tablet, for
the tests that create them (each test says what it checks about the result)."""

from __future__ import annotations

NEW_VISITOR = {
    "first_name": "Aïcha",
    "last_name": "Camara",
    "birth_date": "2006-09-30",
    "postcode": "93200",
    "status": "job_seeker",
    "preferred_language": "fr",
}

NEW_SITE = {"name": "Lab Ixelles", "slug": "ixelles", "timezone": "Europe/Brussels", "active": "on"}


def new_account(site_id: int) -> dict[str, str]:
    """Eline, a Dutch-speaking facilitator of the site."""
    return {
        "email": "eline@lab.test",
        "name": "Eline",
        "password": "a long password",
        "role": "facilitator",
        "site_id": str(site_id),
        "language": "nl",
    }


def new_tablet(site_id: int) -> dict[str, str | list[str]]:
    """The welcome desk's tablet, for checking in and booking."""
    return {
        "site_id": str(site_id),
        "name": "Tablette accueil",
        "allowed_actions": ["checkin", "book"],
    }
