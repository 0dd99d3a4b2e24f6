"""What the tablet's pages and the staff's tablet pages submit (parsed by
``lab.core.forms.parse_form``): pairing, "I have a card", sign-up, booking a slot, and the
staff's devices and scan reviews."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from lab.accounts.forms import Postcode, Status
from lab.core.forms import Email, Name
from lab.core.params import FieldId
from lab.kiosk.devices import ACTIONS, NAME_MAX
from lab.kiosk.syncs import NOTE_MAX

# -- On the tablet -----------------------------------------------------------------------------


class PairInput(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=20, pattern=r"^[A-Za-z0-9 .\-]+$")]


class IdentifyInput(msgspec.Struct):
    code: Annotated[str, msgspec.Meta(min_length=4, max_length=200, pattern=r"^[^<>\s]+$")]
    pin: Annotated[str, msgspec.Meta(max_length=8)]
    next: Annotated[str, msgspec.Meta(max_length=200)] | None = None


Digits = Annotated[str, msgspec.Meta(max_length=8)]


class SignUpInput(msgspec.Struct):
    first_name: Name
    last_name: Name
    birth_day: Annotated[int, msgspec.Meta(ge=1, le=31)]
    birth_month: Annotated[int, msgspec.Meta(ge=1, le=12)]
    birth_year: Annotated[int, msgspec.Meta(ge=1900, le=2100)]
    postcode: Postcode
    status: Status
    pin: Digits
    pin_confirm: Digits
    email: Email | None = None


class BookInput(msgspec.Struct):
    minutes: Annotated[int, msgspec.Meta(ge=1, le=24 * 60)]


# -- The staff's pages about tablets -----------------------------------------------------------

Action = Literal[ACTIONS]  # type: ignore[valid-type]
DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX, pattern=r"^[^<>]*$")]
Note = Annotated[str, msgspec.Meta(max_length=NOTE_MAX, pattern=r"^[^<>]*$")]


class NewDeviceInput(msgspec.Struct):
    site_id: FieldId
    name: DeviceName
    allowed_actions: list[Action] = []


class DeviceInput(msgspec.Struct):
    name: DeviceName
    allowed_actions: list[Action] = []


class ResolveInput(msgspec.Struct):
    resolution: Literal["checked_in", "dismissed"]
    note: Note = ""


class SiteRef(msgspec.Struct):
    site_id: FieldId
