"""The public side of badges, for anyone a visitor shows a badge to: its verification page (the
credential's id and the link they share), its image, the issuer's profile, keys and status list
that any Open Badges verifier fetches, and a page where anyone checks a badge file or text.

No login anywhere here, on purpose, and nothing about the person: a page shows what the
credential says of the skill and who issued it, never the holder's name or e-mail (the
credential itself carries only a salted hash of their identity).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath

from lab.core.edge import FILE_FIELD, FileField
from lab.core.i18n import _
from lab.core.web import render
from lab.skills import badges, baking, config, verify
from lab.skills.queries import badge_by_public_id, skill_names
from lab.skills.tables import Badge

# "<public id>", "<public id>.png" or "<public id>.json": a badge's id is a UUID.
BADGE_NAME = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.(png|json))?$"
)
JWKS = "application/jwk-set+json"
LD_JSON = "application/ld+json"
# The Bitstring Status List's credential is a VC secured as a JWT (VC-JOSE-COSE's media type).
VC_JWT = "application/vc+jwt"
# Public documents verifiers fetch from anywhere, browsers included; they change rarely (keys:
# when rotated, the old one staying published) or must be fresh (the status list: a revocation
# should reach verifiers within minutes).
OPEN = {"Access-Control-Allow-Origin": "*"}
DAY = "public, max-age=86400"
HOUR = "public, max-age=3600"
FIVE_MINUTES = "public, max-age=300"
# The upload: the file and a little room for the form around it (the token, the text field).
UPLOAD_BODY = baking.MAX_FILE + 64 * 1024


def _json(body: Any, media_type: str, cache: str, status_code: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False).encode(),
        media_type=media_type,
        status_code=status_code,
        headers={**OPEN, "Cache-Control": cache},
    )


def _moment(value: object) -> dt.datetime | None:
    """A credential's timestamp, or None when it is not one (a foreign credential's)."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _shown(credential: dict) -> dict:
    """What a page shows of a verified credential: the skill as issued, the issuer, the issue
    date and the alignments; never the subject beyond the fact that it is hashed."""
    subject = credential.get("credentialSubject") or {}
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    achievement = achievement if isinstance(achievement, dict) else {}
    issuer = credential.get("issuer")
    alignments = []
    for target in achievement.get("alignment") or ():
        if isinstance(target, dict):
            alignments.append(
                {
                    "framework": _text(target.get("targetFramework")),
                    "code": _text(target.get("targetCode")),
                    "name": _text(target.get("targetName")),
                }
            )
    return {
        "name": _text(achievement.get("name")),
        "description": _text(achievement.get("description")),
        "issuer": _text(issuer.get("name")) if isinstance(issuer, dict) else "",
        "issued_at": _moment(credential.get("validFrom")),
        "alignments": alignments,
        "hashed": any(
            isinstance(identity, dict) and identity.get("hashed") is True
            for identity in (subject.get("identifier") or () if isinstance(subject, dict) else ())
        ),
    }


async def _badge_of(verdict: verify.Verdict) -> Badge | None:
    """This lab's badge a verified credential is (by its id, the verification page's address)."""
    credential_id = (verdict.credential or {}).get("id")
    prefix = config.issuer().badge_url("")
    if isinstance(credential_id, str) and credential_id.startswith(prefix):
        match = BADGE_NAME.fullmatch(credential_id.removeprefix(prefix))
        if match and match.group(2) is None:
            return await badge_by_public_id(match.group(1))
    return None


def _context(request: Request, verdict: verify.Verdict, badge: Badge | None) -> dict:
    # A foreign or malformed credential's words are not this lab's: they are not shown.
    mine = verdict.outcome in (verify.VALID, verify.REVOKED) and verdict.credential is not None
    return {
        "outcome": verdict.outcome,
        "reason": verdict.reason,
        "status_known": verdict.status_known,
        "shown": _shown(verdict.credential) if mine and verdict.credential else None,
        "revoked_at": badge.revoked_at if badge is not None else None,
        # Dates only, in the deployment's zone (a credential says when, not where).
        "timezone": request.app.state.settings.default_timezone,
    }


def _wants_json(request: Request) -> bool:
    best = request.accept.best_match(["text/html", "application/json", LD_JSON], "text/html")
    return best != "text/html"


def _unknown(request: Request, as_json: bool) -> Response:
    if as_json:
        body = {"outcome": "unknown", "message": _("Ce badge n'existe pas.")}
        return _json(body, "application/json", "no-store", status_code=404)
    response = render(request, "badges/page.html", {"outcome": "unknown"}, status_code=404)
    response.headers["Vary"] = "Accept"
    return response


@get("/issuer", name="badge_issuer")
async def issuer_profile() -> Response:
    """The issuer's profile (JSON-LD): the ``issuer`` every credential of this lab names."""
    return _json(badges.issuer_profile(), LD_JSON, HOUR)


@get("/keys.json", name="badge_keys")
async def public_keys() -> Response:
    """The issuer's public keys (JWKS), retired ones included: older badges stay verifiable."""
    return _json(badges.public_jwks(), JWKS, HOUR)


@get("/status/{number:int}", name="badge_status_list")
async def status_list(request: Request, number: FromPath[int]) -> Response:
    """The revocation status list, a VC-JWT signed afresh on each request (one list so far)."""
    if number != badges.STATUS_LIST:
        return _unknown(request, as_json=True)
    return Response(
        await badges.status_list_credential(),
        media_type=VC_JWT,
        headers={**OPEN, "Cache-Control": FIVE_MINUTES},
    )


@get("/verify", name="badge_verify_form")
async def verify_form(request: Request) -> Response:
    return render(request, "badges/verify.html", {"checked": False})


@post(
    "/verify",
    name="badge_verify",
    opt={FILE_FIELD: FileField("file", baking.MAX_FILE)},
    request_max_body_size=UPLOAD_BODY,
)
async def verify_upload(request: Request) -> Response:
    """A baked PNG or SVG (field ``file``), or the credential's text (field ``credential``):
    the same verdict as the badge's own page. Whatever was sent, a verdict: never an error."""
    form = await request.form()
    upload = form.get("file")
    text = form.get("credential")
    # The edge already refused a file larger than baking.MAX_FILE. A browser sends an empty
    # file part when no file was chosen: the pasted text then counts.
    data = await upload.read() if isinstance(upload, UploadFile) else b""
    if not data.strip() and isinstance(text, str):
        data = text.encode("utf-8")
    if not data.strip():
        return render(
            request,
            "badges/verify.html",
            {"checked": False, "empty": True},
            status_code=422,
        )
    verdict = await badges.check_file(data)
    context = _context(request, verdict, await _badge_of(verdict))
    return render(request, "badges/verify.html", {"checked": True, **context})


@get("/{filename:str}", name="badge_page")
async def badge_page(request: Request, filename: FromPath[str]) -> Response:
    """``<id>``: the verification page (JSON to ``Accept: application/json``); ``<id>.json``:
    the verdict and the credential as issued, for programs; ``<id>.png``: the badge's image."""
    match = BADGE_NAME.fullmatch(filename)
    kind = match.group(2) if match else None
    as_json = kind == "json" or (kind is None and _wants_json(request))
    badge = await badge_by_public_id(match.group(1)) if match else None
    if badge is None:
        return _unknown(request, as_json)
    verdict = await badges.check(badge.credential)
    if kind == "png":
        # The name as issued (French, the issuer's language), so the image never varies.
        shown = _shown(verdict.credential or {})
        title = shown["name"] or (await skill_names([badge.skill]))[badge.skill]
        picture = baking.Picture(title=title, issuer=shown["issuer"] or config.issuer().name)
        return Response(
            baking.picture_png(picture),
            media_type="image/png",
            headers={"Cache-Control": DAY, **OPEN},
        )
    if as_json:
        body = {
            "outcome": verdict.outcome,
            "credential": badge.credential,
            "revoked_at": badge.revoked_at.isoformat() if badge.revoked_at else None,
        }
        response = _json(body, "application/json", "no-cache")
    else:
        context = _context(request, verdict, badge)
        response = render(request, "badges/page.html", {**context, "public_id": badge.public_id})
    response.headers["Vary"] = "Accept"
    return response


public_router = Router(
    path="/badges",
    route_handlers=[
        issuer_profile,
        public_keys,
        status_list,
        verify_form,
        verify_upload,
        badge_page,
    ],
)
