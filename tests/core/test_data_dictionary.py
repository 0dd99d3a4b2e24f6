"""The data dictionary describes every table and column of the app, and nothing else."""

from __future__ import annotations

import csv
import io

import msgspec
import pytest

from lab.core import dictionary
from lab.piccolo_app import APP_CONFIG
from tests.helpers import login


def test_every_table_and_column_is_described_and_nothing_else():
    schema = dictionary.schema_of(APP_CONFIG.table_classes)
    assert dictionary.differences(dictionary.load(), schema) == []


def test_every_entry_has_all_its_fields_filled():
    register = dictionary.load()
    assert dictionary.problems(register) == []
    for name, table in register.tables.items():
        # A table that holds personal data names the people and who may read it.
        if table.personal:
            assert table.concerns != "aucun", name
            assert "Sans objet" not in table.legal_basis, name
        else:
            assert table.concerns == "aucun", name


def test_a_missing_column_or_table_is_found_in_both_directions():
    register = dictionary.load()
    schema = dictionary.schema_of(APP_CONFIG.table_classes)
    grown = {**schema, "visitor": schema["visitor"] | {"shoe_size"}, "pet": {"id"}}
    assert dictionary.differences(register, grown) == [
        "table pet is not in the dictionary",
        "column visitor.shoe_size is not described",
    ]
    shrunk = {name: columns for name, columns in schema.items() if name != "outbox"}
    shrunk["visitor"] = schema["visitor"] - {"email"}
    assert dictionary.differences(register, shrunk) == [
        "table outbox is in the dictionary but not in the app",
        "column visitor.email does not exist",
    ]


def test_an_incomplete_entry_is_refused():
    text = dictionary.PATH.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match=r"visitor\.email: unknown sensitivity"):
        dictionary.parse(
            _break(text, "email", 'sensitivity = "personal"', 'sensitivity = "secret"')
        )
    with pytest.raises(ValueError, match=r"visitor\.email: description is empty"):
        dictionary.parse(
            _break(text, "email", '"E-mail, facultatif, pour les confirmations et rappels."', '" "')
        )
    with pytest.raises(msgspec.ValidationError):
        dictionary.parse(text.replace('retention = "30 jours', 'retention_days = "30 jours', 1))


def _break(text: str, column: str, old: str, new: str) -> str:
    """The visitor table's line for ``column`` with ``old`` replaced."""
    start = text.index("[tables.visitor.columns]")
    line_start = text.index(f"\n{column} = ", start) + 1
    line_end = text.index("\n", line_start)
    line = text[line_start:line_end]
    return text[:line_start] + line.replace(old, new) + text[line_end:]


async def test_the_register_page_and_downloads_for_an_admin(client, cast):
    await login(client, cast.email("camille"))
    page = await client.get("/admin/data-register")
    assert page.status_code == 200
    assert "<caption>Champs de la table visitor</caption>" in page.text
    assert "Obligation légale" in page.text
    rows = list(
        csv.DictReader(
            io.StringIO((await client.get("/admin/data-register.csv")).text.lstrip("\ufeff"))
        )
    )
    assert {row["table"] for row in rows} == set(dictionary.load().tables)
    assert sum(len(t.columns) for t in dictionary.load().tables.values()) == len(rows)
    as_json = msgspec.json.decode((await client.get("/admin/data-register.json")).content)
    assert as_json["tables"]["visitor"]["columns"]["priority_area"]["sensitivity"] == "sensitive"


@pytest.mark.parametrize("persona", ["julien", "awa"])
async def test_the_register_is_for_admins_only(client, cast, persona):
    await login(client, cast.email(persona))
    for path in ("/admin/data-register", "/admin/data-register.csv", "/admin/data-register.json"):
        assert (await client.get(path)).status_code == 403, path
