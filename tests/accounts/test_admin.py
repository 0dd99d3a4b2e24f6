"""Administration of sites and staff accounts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from lab.accounts import sites, staff
from lab.accounts.forms import GrantInput, NewStaffInput, SiteInput, StaffUpdateInput
from lab.accounts.tables import Role, Site, StaffUser
from lab.core.errors import Conflict, Forbidden, Invalid
from lab.core.tables import AuditLog
from lab.settings import PROJECT_ROOT
from tests.conftest import SECRET
from tests.forms import NEW_SITE, new_account
from tests.helpers import login


def test_opening_hours_are_read_the_way_people_write_them():
    assert sites.parse_hours("9h00-12:30, 13h30 - 17h00") == [
        ["09:00", "12:30"],
        ["13:30", "17:00"],
    ]
    assert sites.parse_hours("") == []
    for impossible in ("12:00-09:00", "09:00-12:00, 11:00-14:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            sites.parse_hours(impossible)


async def test_an_admin_creates_a_site_with_its_opening_hours(cast):
    camille = await cast.principal("camille")
    site = await sites.create_site(
        camille,
        SiteInput(
            name="Lab Molenbeek",
            slug="molenbeek",
            timezone="Europe/Brussels",
            hours_mon="08:30-12:30",
        ),
    )
    assert json.loads(site.opening_hours)["mon"] == [["08:30", "12:30"]]
    with pytest.raises(Conflict) as taken:
        await sites.create_site(
            camille, SiteInput(name="Other", slug="molenbeek", timezone="Europe/Brussels")
        )
    assert taken.value.code == "slug_taken"
    julien = await cast.principal("julien")
    with pytest.raises(Forbidden):
        await sites.create_site(julien, SiteInput(name="X", slug="x", timezone="Europe/Paris"))


async def test_a_site_role_needs_a_site_and_an_email_is_used_once(cast):
    camille = await cast.principal("camille")
    data = {
        "email": "New@Lab.test",
        "name": "Lina",
        "password": "a long password",
        "role": "manager",
    }
    with pytest.raises(Invalid) as refused:
        await staff.create_staff(camille, NewStaffInput(**data))
    assert "site_id" in refused.value.field_errors
    user = await staff.create_staff(camille, NewStaffInput(**data, site_id=cast.brussels.id))
    assert user.email == "new@lab.test"
    with pytest.raises(Conflict):
        await staff.create_staff(camille, NewStaffInput(**data, site_id=cast.brussels.id))


async def test_role_changes_are_audited_and_the_last_admin_stays(cast):
    camille = await cast.principal("camille")
    awa = cast.users["awa"]
    await staff.add_grant(camille, awa.id, GrantInput(role="manager", site_id=cast.saint_denis.id))
    with pytest.raises(Conflict):
        await staff.add_grant(
            camille, awa.id, GrantInput(role="manager", site_id=cast.saint_denis.id)
        )
    grant = await Role.objects().get((Role.user == awa.id) & (Role.role == "manager"))
    await staff.remove_grant(camille, awa.id, grant.id)
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action)]
    assert actions.count("role.granted") == 1 and actions.count("role.revoked") == 1
    admin_grant = await Role.objects().get(Role.role == "admin")
    with pytest.raises(Conflict) as refused:
        await staff.remove_grant(camille, cast.users["camille"].id, admin_grant.id)
    assert refused.value.code == "last_admin"


async def test_a_deactivated_account_loses_its_open_session(client, cast):
    await login(client, cast.email("awa"))
    camille = await cast.principal("camille")
    await staff.update_staff(
        camille, cast.users["awa"].id, StaffUpdateInput(name="Awa", language="fr", active=False)
    )
    assert (await client.get("/")).status_code == 303
    with pytest.raises(Conflict):
        await staff.update_staff(
            camille, camille.user_id, StaffUpdateInput(name="C", language="fr", active=False)
        )


async def test_the_admin_pages_create_a_site_and_an_account(client, cast):
    await login(client, cast.email("camille"))
    assert (await client.get("/admin/sites/new")).status_code == 200
    created = await client.post("/admin/sites", data=NEW_SITE)
    assert created.status_code == 303
    site = await Site.objects().get(Site.slug == "ixelles")
    assert (await client.get(f"/admin/sites/{site.id}/edit")).status_code == 200
    account = await client.post("/admin/users", data=new_account(site.id))
    assert account.status_code == 303
    user = await StaffUser.objects().get(StaffUser.email == "eline@lab.test")
    page = await client.get(f"/admin/users/{user.id}")
    assert "Lab Ixelles" in page.text
    assert (await client.get("/admin/users")).status_code == 200
    assert "staff.created" in (await client.get("/admin/audit")).text


def test_create_user_on_the_command_line(tmp_path, database_url, engine):
    env = {
        **os.environ,
        "LAB_DATABASE_URL": database_url,
        "LAB_DATA_DIR": str(tmp_path),
        "LAB_SECRET_KEY": SECRET,
        "LAB_NEW_PASSWORD": "a long enough password",
    }

    def create_user(*options: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "lab.cli", "create-user", "--email", "ops@lab.test"]
        return subprocess.run(
            [*command, "--name", "Ops", *options],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    created = create_user("--role", "admin")
    assert created.returncode == 0, created.stderr
    assert "Staff account" in created.stdout
    refused = create_user("--role", "manager", "--site", "nowhere")
    assert refused.returncode != 0
    assert "no site with slug 'nowhere'" in refused.stderr


def test_the_command_lines_roles_are_the_roles():
    from lab.cli import create_user
    from lab.core.roles import ROLES

    [role] = [option for option in create_user.params if option.name == "role"]
    assert tuple(role.type.choices) == ROLES
