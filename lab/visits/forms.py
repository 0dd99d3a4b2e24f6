"""The input types the visits services take from a form or a JSON body."""

from __future__ import annotations

from typing import Annotated

import msgspec

from lab.core.forms import TEXT_PATTERN

Code = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$")]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=TEXT_PATTERN)]
OptionalLabel = Annotated[str, msgspec.Meta(max_length=80, pattern=TEXT_PATTERN)]
Nonce = Annotated[str, msgspec.Meta(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class AnonymousVisitInput(msgspec.Struct):
    """An anonymous visit opened at the desk: why, and maybe an age band; never a name."""

    purpose: Code
    nonce: Nonce
    age_band: Annotated[str, msgspec.Meta(max_length=10)] = ""


class PurposeInput(msgspec.Struct):
    """One purpose of a site's list, as the admin page edits or adds it."""

    code: Code
    label_fr: Label
    label_en: OptionalLabel = ""
    label_nl: OptionalLabel = ""
    icon: Annotated[str, msgspec.Meta(max_length=40)] = "other"
    position: Annotated[int, msgspec.Meta(ge=0, le=999)] = 0
    active: bool = False


class CodeInput(msgspec.Struct):
    """A purpose named by its code (to take it off a site's list)."""

    code: Code
