"""Conditional GETs (RFC 9110 §13): validators on a response, 304 when the client has it.

A response that can be revalidated carries a strong ETag, and a Last-Modified when a real
modification time exists. A request that brings back the client's validators is answered
``304 Not Modified`` with no body when they still hold: If-None-Match first, and only when it
is absent, If-Modified-Since. The caller hands over a function that makes the full response,
so that a 304 never pays for rendering it.

Cache-Control is set here on purpose, never left to the app's ``no-store`` default: a
representation nobody may keep cannot be revalidated. Personal ones say ``private`` so that
only the person's own client keeps a copy, never a shared cache.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime

from litestar import Request, Response

from lab.core.web import file_response

# The person's own client keeps it and asks again each time (a pass's QR, a file on /me).
PRIVATE_REVALIDATE = "private, no-cache"


@dataclasses.dataclass(frozen=True, slots=True)
class Validators:
    etag: str  # quoted, as etag_of makes it
    cache_control: str = PRIVATE_REVALIDATE
    last_modified: dt.datetime | None = None  # aware; only a real modification time
    vary: str | None = None  # request headers the representation depends on

    def headers(self) -> dict[str, str]:
        headers = {"ETag": self.etag, "Cache-Control": self.cache_control}
        if self.last_modified is not None:
            headers["Last-Modified"] = http_date(self.last_modified)
        if self.vary:
            headers["Vary"] = self.vary
        return headers


def etag_of(*parts: bytes | str) -> str:
    """A strong ETag for a representation: a digest of its bytes, or of everything that
    determines them (then one part should be a version of the way they are made)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        # Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return f'"{digest.hexdigest()}"'


def http_date(moment: dt.datetime) -> str:
    return format_datetime(moment.astimezone(dt.UTC).replace(microsecond=0), usegmt=True)


def etag_matches(if_none_match: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"; "*" matches anything."""
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == ours for tag in if_none_match.split(","))


def unmodified_since(if_modified_since: str, last_modified: dt.datetime) -> bool:
    """True when the representation has not changed after the client's date. An unreadable
    date is ignored, as the RFC asks (the client then gets the full response)."""
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError):
        return False
    if since.tzinfo is None:
        return False
    # HTTP dates have whole seconds: compare at that precision.
    return last_modified.replace(microsecond=0) <= since


def is_fresh(request: Request, validators: Validators) -> bool:
    """Whether the client's copy is still the current one (only for GET and HEAD)."""
    if request.method not in {"GET", "HEAD"}:
        return False
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        return etag_matches(if_none_match, validators.etag)
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since is not None and validators.last_modified is not None:
        return unmodified_since(if_modified_since, validators.last_modified)
    return False


def not_modified(validators: Validators) -> Response:
    """304 with the validators and caching headers the full response would carry, no body."""
    return Response(b"", status_code=304, headers=validators.headers())


def respond(request: Request, validators: Validators, make: Callable[[], Response]) -> Response:
    """304 when the client's copy is current; otherwise ``make()``, with the validators."""
    if is_fresh(request, validators):
        return not_modified(validators)
    response = make()
    response.headers.update(validators.headers())
    return response


def file(
    request: Request,
    body: bytes,
    media_type: str,
    filename: str,
    *,
    attachment: bool = False,
    cache_control: str = PRIVATE_REVALIDATE,
) -> Response:
    """``file_response`` validated by a digest of its bytes: for a body that the same data
    always writes the same way (a calendar), so that the digest is the same in every worker."""
    validators = Validators(etag_of(body), cache_control=cache_control)
    return respond(
        request,
        validators,
        lambda: file_response(body, media_type, filename, attachment=attachment),
    )
