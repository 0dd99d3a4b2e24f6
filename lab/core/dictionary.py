"""The data dictionary: every table and column of lab, described for the register of processing
activities (purpose, legal basis, retention, who sees it, sensitivity of each column).

The descriptions live in data_dictionary.toml, in French, the language of the data-protection
authority; tests/core/test_data_dictionary.py keeps the file and the tables in step.
"""

from __future__ import annotations

import csv
import io
import tomllib
from functools import cache
from pathlib import Path

import msgspec

from lab.core.i18n import french_typography

PATH = Path(__file__).with_name("data_dictionary.toml")
SENSITIVITIES = ("public", "internal", "personal", "sensitive")
CATEGORIES = (
    "identifiant",
    "identite",
    "contact",
    "profil",
    "activite",
    "securite",
    "technique",
    "reference",
)
VIEWERS = ("admin", "network_manager", "manager", "facilitator", "visitor")


class Column(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    description: str
    category: str
    sensitivity: str
    personal: bool


class Table(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    domain: str
    purpose: str
    concerns: str
    legal_basis: str
    retention: str
    visible_to: list[str]
    columns: dict[str, Column]

    @property
    def personal(self) -> bool:
        return any(column.personal for column in self.columns.values())


class Dictionary(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    tables: dict[str, Table]


def problems(dictionary: Dictionary) -> list[str]:
    """What is empty or outside the allowed values, one sentence each."""
    found = []
    for name, table in dictionary.tables.items():
        for field in ("domain", "purpose", "concerns", "legal_basis", "retention"):
            if not getattr(table, field).strip():
                found.append(f"{name}: {field} is empty")
        found += [f"{name}: unknown viewer {v}" for v in table.visible_to if v not in VIEWERS]
        if not table.columns:
            found.append(f"{name}: no columns")
        for column_name, column in table.columns.items():
            where = f"{name}.{column_name}"
            if not column.description.strip():
                found.append(f"{where}: description is empty")
            if column.category not in CATEGORIES:
                found.append(f"{where}: unknown category {column.category}")
            if column.sensitivity not in SENSITIVITIES:
                found.append(f"{where}: unknown sensitivity {column.sensitivity}")
    return found


def parse(text: str) -> Dictionary:
    dictionary = msgspec.convert(tomllib.loads(text), Dictionary)
    if found := problems(dictionary):
        raise ValueError("; ".join(found))
    return dictionary


@cache
def load() -> Dictionary:
    return parse(PATH.read_text(encoding="utf-8"))


def schema_of(table_classes) -> dict[str, set[str]]:
    """Each table's name and its columns' names, as the app defines them."""
    return {
        table._meta.tablename: {column._meta.name for column in table._meta.columns}
        for table in table_classes
    }


def differences(dictionary: Dictionary, schema: dict[str, set[str]]) -> list[str]:
    """What the database has that the dictionary does not describe, and the reverse."""
    found = []
    for name in sorted(schema.keys() - dictionary.tables.keys()):
        found.append(f"table {name} is not in the dictionary")
    for name in sorted(dictionary.tables.keys() - schema.keys()):
        found.append(f"table {name} is in the dictionary but not in the app")
    for name in sorted(schema.keys() & dictionary.tables.keys()):
        described = dictionary.tables[name].columns.keys()
        found += [f"column {name}.{c} is not described" for c in sorted(schema[name] - described)]
        found += [f"column {name}.{c} does not exist" for c in sorted(described - schema[name])]
    return found


def by_domain(dictionary: Dictionary) -> dict[str, list[tuple[str, Table]]]:
    grouped: dict[str, list[tuple[str, Table]]] = {}
    for name, table in dictionary.tables.items():
        grouped.setdefault(table.domain, []).append((name, table))
    return dict(sorted(grouped.items()))


def for_reading(dictionary: Dictionary) -> dict[str, list[tuple[str, dict]]]:
    """The register by domain, each table as plain data with its French texts set with French
    typography's no-break spaces: what the admin's page shows."""
    return {
        domain: [(name, _typeset(msgspec.structs.asdict(table))) for name, table in tables]
        for domain, tables in by_domain(dictionary).items()
    }


def _typeset(value: object) -> object:
    if isinstance(value, str):
        return french_typography(value)
    if isinstance(value, dict):
        return {key: _typeset(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typeset(item) for item in value]
    if isinstance(value, msgspec.Struct):
        return _typeset(msgspec.structs.asdict(value))
    return value


CSV_HEADER = (
    "domain",
    "table",
    "purpose",
    "concerns",
    "legal_basis",
    "retention",
    "visible_to",
    "column",
    "description",
    "category",
    "sensitivity",
    "personal",
)


def as_csv(dictionary: Dictionary) -> str:
    """One row per column, with its table's purpose, basis, retention and readers repeated."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for domain, tables in by_domain(dictionary).items():
        for name, table in tables:
            for column_name, column in table.columns.items():
                writer.writerow(
                    (
                        domain,
                        name,
                        table.purpose,
                        table.concerns,
                        table.legal_basis,
                        table.retention,
                        " ".join(table.visible_to),
                        column_name,
                        column.description,
                        column.category,
                        column.sensitivity,
                        "oui" if column.personal else "non",
                    )
                )
    return out.getvalue()


def as_json(dictionary: Dictionary) -> bytes:
    return msgspec.json.encode(dictionary)
