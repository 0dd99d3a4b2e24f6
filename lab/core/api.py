"""The JSON API's contract, as its OpenAPI document states it (``/api/schema/openapi.json``).

The document covers the staff API (``/api/``) and the kiosk's (``/kiosk/api/``), nothing else:
every other router says ``include_in_schema=False``. Each API handler states, with
``documented(...)``, who may call it and every refusal it can answer, all in lab's one error body
(``ErrorBody``, as ``lab.core.web.error_response`` writes it). ``LabSchemaPlugin`` makes lab's own
value types (``Day``, ``Moment``) read as the dates they are.
"""

from __future__ import annotations

import dataclasses
from http import HTTPStatus
from typing import Any

# Litestar's schema of a msgspec Struct, which the plugin below completes (no public name in 2.x).
from litestar._openapi.schema_generation.plugins import StructSchemaPlugin
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation, Schema, SecurityRequirement, SecurityScheme
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.typing import FieldDefinition

from lab.core.params import YEARS_AHEAD, YEARS_BACK, Day, Moment
from lab.core.web import ErrorBody

CSRF_COOKIE = "lab_csrf"
CSRF_HEADER = "x-csrftoken"

SECURITY_SCHEMES: dict[str, SecurityScheme] = {
    "staffSession": SecurityScheme(
        type="apiKey",
        security_scheme_in="cookie",
        name="lab_session",
        description="A staff member's session: the cookie set by signing in at /login.",
    ),
    "kioskDevice": SecurityScheme(
        type="apiKey",
        security_scheme_in="cookie",
        name="lab_kiosk",
        description="A paired tablet's credential: the cookie set by pairing it at /kiosk/pair "
        "with a one-time code a manager makes.",
    ),
    "csrfCookie": SecurityScheme(
        type="apiKey",
        security_scheme_in="cookie",
        name=CSRF_COOKIE,
        description="Double-submit CSRF token: the cookie lab sets on any page; a POST or PUT "
        f"sends it back with the same value in the {CSRF_HEADER} header.",
    ),
    "csrfHeader": SecurityScheme(
        type="apiKey",
        security_scheme_in="header",
        name=CSRF_HEADER,
        description=f"The value of the {CSRF_COOKIE} cookie, on every POST or PUT.",
    ),
}

# One requirement object per operation: all of its schemes at once (a list of several would mean
# "any one of them").
STAFF_READ: list[SecurityRequirement] = [{"staffSession": []}]
STAFF_WRITE: list[SecurityRequirement] = [{"staffSession": [], "csrfCookie": [], "csrfHeader": []}]
KIOSK_WRITE: list[SecurityRequirement] = [{"kioskDevice": [], "csrfCookie": [], "csrfHeader": []}]

REFUSALS = {
    400: "The body is not JSON lab can read.",
    401: "No valid credential (see the operation's security): sign in, or pair the tablet.",
    403: "Your role or your site does not give access to this, or the CSRF token is missing or "
    "wrong (POST, PUT).",
    404: "No such record, or not one you may know of.",
    409: "A rule refused the change; ``code`` names it, ``message`` says it to a person.",
    413: "The body is larger than lab accepts.",
    422: "A parameter or field is missing, malformed or out of bounds; ``field_errors`` names "
    "each field to fix.",
}


def documented(
    security: list[SecurityRequirement],
    *statuses: int,
    answers: dict[int, ResponseSpec] | None = None,
) -> dict[str, Any]:
    """An API handler's keyword arguments: who may call it (``security``) and each refusal
    status it can answer, every one with lab's error body; ``answers``: success answers other
    than the handler's own status code."""
    responses = {
        status: ResponseSpec(
            data_container=ErrorBody,
            description=REFUSALS.get(status) or HTTPStatus(status).phrase,
            generate_examples=False,
        )
        for status in sorted(statuses)
    }
    responses.update(answers or {})
    return {"security": security, "responses": responses, "operation_class": ApiOperation}


@dataclasses.dataclass
class ApiOperation(Operation):
    """An operation without Litestar's own 400 body (``status_code``/``detail``/``extra``),
    which Litestar documents for every handler with parameters. lab answers a value it cannot
    accept with 422 and ``ErrorBody`` (``lab.core.web.handle_http_error``); a 400 is documented
    only where ``documented`` says so."""

    def __post_init__(self) -> None:
        response = (self.responses or {}).get("400")
        content = getattr(response, "content", None) or {}
        for media in content.values():
            schema = media.schema
            if isinstance(schema, Schema) and "status_code" in (schema.properties or {}):
                del self.responses["400"]  # type: ignore[union-attr]
                break


class LabSchemaPlugin(StructSchemaPlugin):
    """What Litestar's own schemas leave out about lab's types:

    - ``Day`` and ``Moment`` are ``date`` and ``datetime`` subclasses it does not know: their
      schema would be empty (any value);
    - a Struct that refuses unknown fields (``forbid_unknown_fields=True``, the kiosk's queue
      items) is documented open (``additionalProperties`` unsaid): it says ``false`` here.
    """

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        if field_definition.annotation in (Day, Moment):
            return True
        return super().is_plugin_supported_field(field_definition) and bool(
            field_definition.type_.__struct_config__.forbid_unknown_fields
        )

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        span = f"{YEARS_BACK} years back to {YEARS_AHEAD} years ahead of the current year"
        if field_definition.annotation is Day:
            return Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.DATE,
                description=f"A day (YYYY-MM-DD), from {span}.",
            )
        if field_definition.annotation is Moment:
            return Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.DATE_TIME,
                description=f"An instant with its UTC offset (ISO 8601), on a day from {span}.",
            )
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
