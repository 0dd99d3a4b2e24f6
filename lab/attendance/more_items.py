"""The items of a visitor's timeline, and the kinds that domains above attendance hand in at
start-up (skills: evidence and badges; see ``lab.attendance.timeline``). Apart from the
timeline itself so that attendance's public surface can offer them without importing it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Awaitable, Callable


@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    kind: str
    at: dt.datetime
    title: str  # a name the data gives (a resource, a workshop, a subject), or "" for the kind
    status: str  # a key of STATUS_LABELS
    detail: str = ""  # e.g. the purpose of a visit, a message's kind
    module_id: int | None = None  # a certificate's module, for its link


@dataclasses.dataclass(frozen=True, slots=True)
class MoreItems:
    """A kind of item a domain above attendance records about a person."""

    label: str  # the filter's name for the kind (a message id)
    statuses: dict[str, str]  # its items' statuses and their labels (message ids)
    read: Callable[[int, frozenset[int]], Awaitable[list[Item]]]  # (visitor, viewer's sites)


_more: dict[str, MoreItems] = {}


def timeline_reads_with(kind: str, more: MoreItems) -> None:
    _more[kind] = more


def more_items() -> dict[str, MoreItems]:
    return dict(_more)
