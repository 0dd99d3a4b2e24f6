"""The register of processing activities: the data dictionary as a page and as downloads for
the data-protection officer (admins only, through the admin router's guard)."""

from __future__ import annotations

from litestar import Request, Response, get

from lab.core import dictionary
from lab.core.roles import ROLE_LABELS
from lab.core.web import render


@get("/data-register", name="admin_data_register")
async def data_register(request: Request) -> Response:
    register = dictionary.load()
    return render(
        request,
        "admin/data_register.html",
        {
            "domains": dictionary.for_reading(register),
            "table_count": len(register.tables),
            "role_labels": ROLE_LABELS,
        },
    )


@get("/data-register.csv", name="admin_data_register_csv")
async def data_register_csv(request: Request) -> Response:
    return Response(
        dictionary.as_csv(dictionary.load()).encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="registre-des-traitements.csv"'},
    )


@get("/data-register.json", name="admin_data_register_json")
async def data_register_json(request: Request) -> Response:
    return Response(
        dictionary.as_json(dictionary.load()),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="registre-des-traitements.json"'},
    )


register_handlers = [data_register, data_register_csv, data_register_json]
