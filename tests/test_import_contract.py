"""Domains meet only at their public surfaces, and never in a cycle (see import_contract.py).

The imports that break the contract today are listed, one per line, in
``import_contract_debt.txt``: the list may only shrink. A new breach fails, and so does a line
that no longer breaks anything (delete it: the debt is paid)."""

from __future__ import annotations

from pathlib import Path

from lab.settings import PROJECT_ROOT
from tests.import_contract import Import, imports_of, violations

DEBT = Path(__file__).with_name("import_contract_debt.txt")


def _line(item: Import, rule: str) -> str:
    return f"{item.importer} -> {item.imported}  # {rule}"


def _debt() -> set[str]:
    lines = DEBT.read_text().splitlines()
    return {line for line in lines if line.strip() and not line.startswith("#")}


def test_no_new_import_breaks_the_contract_and_the_debt_only_shrinks():
    found = {_line(item, rule) for item, rule in violations(imports_of(PROJECT_ROOT / "lab"))}
    new, paid = sorted(found - _debt()), sorted(_debt() - found)
    assert not new, "imports that break the domain contract:\n" + "\n".join(new)
    assert not paid, f"no longer broken: delete these lines from {DEBT.name}:\n" + "\n".join(paid)


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
        "core imports a domain",
        "domains import each other: accounts → bookings → accounts",
        "imports accounts.tables, not its services, queries or forms",
        "imports accounts.visitors, not its services, queries or forms",
        "imports another domain's routes",
    ]
