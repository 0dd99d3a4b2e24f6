"""What the visitor's phone submits."""

from __future__ import annotations

from typing import Annotated

import msgspec

from lab.core.i18n import N_

# A scanned pass URL, its bare token, or the 8-character short code typed by hand.
PassCode = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=300,
        extra={"message": N_("Tapez le code écrit sous le QR de votre carte.")},
    ),
]
Pin = Annotated[str, msgspec.Meta(max_length=8)]


class SignInInput(msgspec.Struct):
    code: PassCode
    pin: Pin = ""
