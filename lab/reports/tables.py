"""The reports domain's own rows: closed periods and what they froze.

Reports never write another domain's tables; a closed period is the one thing they keep. Its
``snapshot`` holds the figures as they were when a manager closed the month (language-neutral
data, encoded canonically), so its exports are the same bytes whenever they are run again;
corrections made later show beside it as corrections, never inside it.
"""

from piccolo.columns import Bytea, Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from lab.accounts.tables import Site


class ClosedPeriod(Table, tablename="report_closed_period"):
    """A period (usually a month) closed for one site, or for the whole network (``site`` None)."""

    site = ForeignKey(Site, on_delete=OnDelete.restrict, null=True, default=None)
    first_day = Date()
    last_day = Date()
    closed_at = Timestamptz()
    closed_by = Integer(null=True, default=None)  # a staff user's id
    snapshot = Bytea()  # the period's figures, canonical JSON
    digest = Varchar(length=64)  # SHA-256 of the snapshot: what an auditor checks a file against
