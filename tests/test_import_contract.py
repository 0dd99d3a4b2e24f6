"""Domains meet only at their public surfaces, in one direction (see import_contract.py).

The first test reads lab's own imports: it passes only when none breaks the contract. The
others plant breaches in a small package of the same shape and see each one caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.settings import PROJECT_ROOT
from tests import import_contract
from tests.import_contract import Import, imports_of, violations


def test_no_import_in_lab_breaks_the_contract():
    found = sorted(
        f"{item.importer} -> {item.imported}: {rule}"
        for item, rule in violations(imports_of(PROJECT_ROOT / "lab"))
    )
    assert not found, "imports that break the domain contract:\n" + "\n".join(found)


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "lab"
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def test_the_contract_catches_internals_routes_core_and_cycles(tmp_path):
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "core/__init__.py": "",
            "core/web.py": "from lab.bookings import services\n",
            "bookings/__init__.py": "",
            "bookings/services.py": "from lab.accounts import visitors\n",
            "bookings/tables.py": "from lab.accounts.tables import Visitor\n",
            "bookings/grid.py": "from lab.accounts.tables import Site\n",
            "accounts/__init__.py": "",
            "accounts/visitors.py": "",
            "accounts/tables.py": "",
            "accounts/services.py": "from lab.bookings.services import book\n",
            "accounts/queries.py": "import lab.bookings.routes.staff\n",
            "bookings/routes/__init__.py": "",
            "bookings/routes/staff.py": "",
        },
    )
    rules = sorted(rule for _, rule in violations(imports_of(root)))
    assert rules == [
        "accounts may not use bookings, which is not below it",
        "core imports a domain",
        "domains import each other: accounts → bookings → accounts",
        "imports accounts.tables, not its services, queries or forms",
        "imports accounts.visitors, not its services, queries or forms",
        "imports another domain's routes",
    ]


def test_domains_of_one_layer_stay_apart_and_new_domains_in_no_cycle(tmp_path, monkeypatch):
    """kiosk and me share a layer: neither may use the other. A domain not placed in the
    direction yet (network, taken out of it here) is held only to having no cycle."""
    monkeypatch.setattr(
        import_contract,
        "DIRECTION",
        tuple(layer for layer in import_contract.DIRECTION if layer != ("network",)),
    )
    root = _package(
        tmp_path,
        {
            "__init__.py": "",
            "kiosk/__init__.py": "",
            "kiosk/queries.py": "from lab.me import queries\n",
            "me/__init__.py": "",
            "me/queries.py": "",
            "network/__init__.py": "",
            "network/services.py": "from lab.skills import queries\n",
            "skills/__init__.py": "",
            "skills/queries.py": "from lab.network.services import record\n",
        },
    )
    assert sorted(rule for _, rule in violations(imports_of(root))) == [
        "domains import each other: network → skills → network",
        "kiosk may not use me, which is not below it",
    ]


@pytest.mark.parametrize(
    ("importer", "imported", "rule"),
    [
        (
            "lab.kiosk.routes.checkin",
            "lab.workshops.tables",
            "imports workshops.tables, not its services, queries or forms",
        ),
        (
            "lab.attendance.checkin",
            "lab.bookings.checkin",
            "imports bookings.checkin, not its services, queries or forms",
        ),
        (
            "lab.workshops.pages",
            "lab.attendance.queries",
            "workshops may not use attendance, which is not below it",
        ),
        (
            "lab.bookings.services",
            "lab.workshops.routes.modules",
            "imports another domain's routes",
        ),
        ("lab.core.web", "lab.accounts.queries", "core imports a domain"),
        (
            "lab.me.queries",
            "lab.reports.figures",
            "imports reports.figures, not its services, queries or forms",
        ),
        (
            "lab.bookings.services",
            "lab.reports.services",
            "bookings may not use reports, which is not below it",
        ),
    ],
)
def test_one_import_planted_in_lab_is_caught(importer, imported, rule):
    """lab's own imports plus one that breaks the contract: exactly that one is reported."""
    planted = Import(importer, imported)
    found = violations([*imports_of(PROJECT_ROOT / "lab"), planted])
    assert [(item, broken) for item, broken in found if item == planted] == [(planted, rule)]
