"""What the attendance pages submit outside check-in (parsed by
``lab.core.forms.parse_form``): the sign-in sheet's signature pad."""

from __future__ import annotations

import msgspec


class SignInput(msgspec.Struct):
    """The signature pad's form."""

    signature: str | None = None  # a PNG data URL, filled by the pad's script on submit
    confirm: bool = False  # "Je confirme ma présence": for people who cannot draw
    half_day: bool = False  # sign every session of the module on this half-day
