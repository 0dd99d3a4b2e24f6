"""Every form, fed empty, oversized, mistyped or hostile input, answers 422 with field errors in
the user's language, keeps the page intact, and never answers 500."""

from __future__ import annotations

import pytest

from tests.helpers import login
from tests.personas import make_visitor

SCRIPT = "<script>alert(1)</script>"

FORMS = {
    "/login": ["email", "password"],
    "/visitors": ["first_name", "last_name", "birth_date", "postcode", "status", "site_id"],
    "/visitors/{visitor}": ["first_name", "last_name", "birth_date", "postcode", "status"],
    "/visitors/search": ["q"],
    "/admin/sites": ["name", "slug", "timezone", "hours_mon"],
    "/admin/sites/{site}": ["name", "slug", "timezone", "hours_tue"],
    "/admin/users": ["email", "name", "password", "role", "site_id", "language"],
    "/admin/users/{user}": ["name", "language"],
    "/admin/users/{user}/grants": ["role", "site_id"],
    "/admin/users/{user}/password": ["password"],
    "/language": ["language"],
}

VALID = {
    "first_name": "Inès",
    "last_name": "Traoré",
    "birth_date": "2007-03-14",
    "postcode": "93200",
    "status": "job_seeker",
    "name": "Lab test",
    "slug": "lab-test",
    "timezone": "Europe/Paris",
    "email": "new.person@lab.test",
    "password": "a long enough password",
    "role": "facilitator",
    "language": "en",
    "q": "x",
}


def payloads(fields: list[str]):
    yield "empty form", {}
    for field in fields:
        yield f"{field} blank", {**VALID, field: ""}
        yield f"{field} too long", {**VALID, field: "x" * 5000}
        yield f"{field} script", {**VALID, field: SCRIPT}
        yield (
            f"{field} wrong type",
            {**VALID, field: "🙂" * 3 if field != "birth_date" else "31/02/2007"},
        )


def _cases():
    for path, fields in FORMS.items():
        for label, data in payloads(fields):
            yield pytest.param(path, data, id=f"{path} {label}")


@pytest.fixture
async def logged_in_admin(client, cast):
    visitor = await make_visitor(cast.saint_denis)
    await login(client, cast.email("camille"))
    return {"visitor": visitor.id, "site": cast.saint_denis.id, "user": cast.users["awa"].id}


async def test_every_form_refuses_bad_input_with_field_errors_and_no_500(client, logged_in_admin):
    refused, accepted = 0, []
    for path_template, fields in FORMS.items():
        path = path_template.format(**logged_in_admin)
        for label, data in payloads(fields):
            response = await client.post(path, data=data)
            assert response.status_code < 500, f"{path} {label}: {response.status_code}"
            assert SCRIPT not in response.text, f"{path} {label}: script echoed unescaped"
            if response.status_code in (200, 303):
                # Some bad-looking input is valid (a long search, a name with emoji is refused…).
                accepted.append(f"{path} {label}")
                continue
            assert response.status_code in (409, 422, 429), (
                f"{path} {label}: {response.status_code}"
            )
            assert 'class="field-error"' in response.text or 'class="alert' in response.text, (
                f"{path} {label}: no error shown"
            )
            refused += 1
    # Only input that is valid after all may pass: a search for anything (results are escaped),
    # blank optional fields, a password made of any characters, a site named with emoji.
    valid_after_all = (
        "site_id blank",
        "hours_mon blank",
        "hours_tue blank",
        "password script",
        "name wrong type",
    )
    unexpected = [
        item
        for item in accepted
        if not item.startswith("/visitors/search")
        and not (item.startswith("/admin/") and item.endswith(valid_after_all))
    ]
    assert not unexpected, f"accepted bad input: {unexpected}"
    assert refused > 120  # the 300-odd cases above, less the valid-after-all ones


async def test_field_errors_are_in_the_users_language(client, cast):
    await login(client, cast.email("awa"))
    await client.post("/language", data={"language": "en", "next": "/"})
    response = await client.post("/visitors", data={"first_name": SCRIPT})
    assert response.status_code == 422
    assert '<html lang="en">' in response.text
    assert "This field is required." in response.text


async def test_an_htmx_form_gets_its_form_block_back_with_422(client, cast):
    await login(client, cast.email("awa"))
    response = await client.post(
        "/visitors", data={"first_name": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<form method="post" id="visitor-form"')
    assert 'aria-invalid="true"' in response.text


async def test_an_out_of_range_id_is_a_clean_error(client, cast):
    await login(client, cast.email("camille"))
    response = await client.get("/visitors/99999999999999999999")
    assert response.status_code in (404, 422)
    response = await client.get("/visitors/0")
    assert response.status_code in (404, 422)
