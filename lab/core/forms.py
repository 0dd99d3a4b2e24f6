"""Parse submitted forms into msgspec Structs, collecting an error for every bad field.

msgspec stops at the first error; a person filling a form wants to see all of them at once,
in their language. So each field is converted on its own, and msgspec's error is turned into
a plain sentence. The same Structs type the JSON API's bodies, so a rule lives in one place.
"""

from __future__ import annotations

import datetime as dt
import re
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar

import msgspec

from lab.core.errors import Invalid
from lab.core.i18n import _
from lab.core.params import MAX_ID, day_in_bounds, dec_hook

T = TypeVar("T", bound=msgspec.Struct)

# Letters of any alphabet, with the spaces, hyphens, apostrophes and dots names carry.
NAME_PATTERN = r"^[^\W\d_](?:[^\W\d_]|[ '’.\-])*$"
# Free text: anything but angle brackets, which have no business in a name or an address.
TEXT_PATTERN = r"^[^<>]*$"
EMAIL_PATTERN = r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$"
PHONE_PATTERN = r"^\+?[0-9][0-9 .\-]{5,18}$"

_HOUR_MINUTE = re.compile(r"^\d{1,2}:\d{2}$")

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=NAME_PATTERN)]
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=120, pattern=TEXT_PATTERN)]
LongText = Annotated[str, msgspec.Meta(max_length=1000, pattern=TEXT_PATTERN)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
Phone = Annotated[str, msgspec.Meta(max_length=20, pattern=PHONE_PATTERN)]

_TRUE = {"on", "true", "1", "yes", "oui", "ja"}


def parse_form(form_type: type[T], raw: Mapping[str, Any]) -> T:
    """Build ``form_type`` from submitted strings, or raise Invalid with every field's error."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(form_type):
        name = field.encode_name
        if _is_list(field.type):
            # Several checkboxes with one name: every value, empty ones dropped.
            many = raw.getall(name, []) if hasattr(raw, "getall") else raw.get(name) or []
            many = [item for item in (many if isinstance(many, list) else [many]) if item != ""]
            try:
                values[name] = msgspec.convert(many, field.type, strict=False, dec_hook=dec_hook)
            except msgspec.ValidationError as error:
                errors[name] = explain(str(error), field.type)
            continue
        value = _first(raw.get(name))
        if _is_bool(field.type):
            values[name] = isinstance(value, str) and value.strip().lower() in _TRUE
            continue
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                value = None
        if value is None:
            if field.required:
                errors[name] = _("Ce champ est obligatoire.")
            continue
        if isinstance(value, str) and _HOUR_MINUTE.match(value) and _accepts(field.type, dt.time):
            value = value.zfill(5) + ":00"  # <input type="time"> sends HH:MM
        try:
            values[name] = msgspec.convert(value, field.type, strict=False, dec_hook=dec_hook)
        except msgspec.ValidationError as error:
            errors[name] = explain(str(error), field.type)
            continue
        if isinstance(values[name], int) and not -MAX_ID <= values[name] <= MAX_ID:
            # No column of lab holds more: a larger number would fail deep in a query.
            errors[name] = _("Cette valeur est hors des limites acceptées.")
        elif isinstance(values[name], dt.date) and not day_in_bounds(values[name]):
            errors[name] = _("Vérifiez la date : elle est hors des limites acceptées.")
    if errors:
        raise Invalid(_("Certains champs sont à corriger."), field_errors=errors)
    return form_type(**values)


def explain(message: str, field_type: Any) -> str:
    """Turn a msgspec validation message into a sentence for a person."""
    custom = _custom_message(field_type)
    if "length <=" in message:
        limit = re.search(r"length <= (\d+)", message)
        return _("%(n)s caractères au maximum.", n=limit.group(1) if limit else "?")
    if "length >=" in message:
        return _("Ce champ est obligatoire.")
    if "matching regex" in message:
        return custom or _("Ce texte contient des caractères non acceptés.")
    if "date" in message.lower():
        return _("Date non valide : utilisez le format jj/mm/aaaa.")
    if "Invalid enum value" in message:
        return _("Choisissez une des options proposées.")
    if "Expected `int`" in message:
        return _("Un nombre entier est attendu.")
    if ">=" in message or "<=" in message:
        return _("Cette valeur est hors des limites acceptées.")
    return custom or _("Cette valeur n'est pas acceptée.")


def _custom_message(field_type: Any) -> str | None:
    for arg in typing.get_args(field_type):
        inner = _custom_message(arg) if typing.get_args(arg) else None
        if inner:
            return inner
        if isinstance(arg, msgspec.Meta) and arg.extra and "message" in arg.extra:
            message = arg.extra["message"]  # marked with N_ where it is written
            return _(message)
    return None


def _accepts(field_type: Any, wanted: type) -> bool:
    """Whether ``field_type`` is ``wanted``, possibly optional or annotated."""
    if field_type is wanted:
        return True
    return any(_accepts(arg, wanted) for arg in typing.get_args(field_type))


def _is_bool(field_type: Any) -> bool:
    return field_type is bool


def _is_list(field_type: Any) -> bool:
    if typing.get_origin(field_type) is Annotated:  # a bounded list: Annotated[list[X], Meta]
        field_type = typing.get_args(field_type)[0]
    return typing.get_origin(field_type) in (list, frozenset, set)


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value
