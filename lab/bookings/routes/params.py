"""Address-bar parameters shared by the staff booking pages, checked before any query runs."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from litestar.params import Parameter

from lab.bookings import pages
from lab.core.errors import Invalid
from lab.core.i18n import _
from lab.core.params import day_in_bounds

HourMinute = Parameter(required=False, pattern=r"^\d{2}:\d{2}$")
PageNumber = Parameter(ge=1, le=100_000, default=1)
Status = Literal[tuple(pages.STATUS_LABELS)]  # type: ignore[valid-type]


def check_days(**days: dt.date | None) -> None:
    """Days from the address bar: a typo like year 9999 is refused here, not deep in a query."""
    errors = {
        name: _("Vérifiez la date : elle est hors des limites acceptées.")
        for name, day in days.items()
        if day is not None and not day_in_bounds(day)
    }
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)
