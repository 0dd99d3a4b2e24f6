"""Pages shared by the visitor's space and the pass landing page (lab.me.routes.landing)."""

from __future__ import annotations

from litestar import Request, Response

from lab.core.errors import LabError
from lab.core.web import render


def sign_in_page(
    request: Request,
    *,
    mode: str,
    token: str = "",
    code: str = "",
    error: LabError | None = None,
    has_pin: bool = True,
    valid: bool = True,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    """The PIN form after a scan (``mode="pass"``, the token in a hidden field) or with the
    short code typed (``mode="start"``). No name, ever: the person is not known yet."""
    response = render(
        request,
        "me/sign_in.html",
        {
            "mode": mode,
            "token": token,
            "code": code,
            "valid": valid,
            "notice": notice,
            "has_pin": has_pin,
            "locked": error is not None and error.code == "pin_locked",
            "message": error.message if error else None,
            "error_code": error.code if error else None,
            "errors": error.field_errors if error else {},
            # Where the language switch comes back to: a page one may GET again.
            "current_path": f"/p/{token}" if mode == "pass" and token else "/me/start",
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response
