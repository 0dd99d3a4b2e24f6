"""The import contract between lab's domains, read from the source (no module is imported).

- ``lab.core`` knows no domain.
- Nothing imports a domain's ``routes`` but the app (and the domain's own routes).
- A domain uses another only through its public surface: ``services`` (writes), ``queries``
  (reads) and ``forms`` (the input types its services take); ``tables`` only from its own
  ``tables`` (foreign keys). ``reports`` may read tables.
- Domains do not import each other in a cycle, and each imports only the domains below it in
  ``DIRECTION`` (a domain not placed there yet is held to the other rules only).
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path

DOMAINS = (
    "accounts",
    "bookings",
    "workshops",
    "attendance",
    "kiosk",
    "me",
    "visits",
    "skills",
    "network",
)
READS_TABLES = ("reports",)
# Every domain the rules hold, as importer and as imported: reports too is used only through
# its public surface, and only by the domains above it.
CHECKED = DOMAINS + READS_TABLES
PUBLIC = ("services", "queries", "forms")
# The dependency direction, lowest first: a domain may use those of the layers below its own.
DIRECTION = (
    ("accounts",),
    ("bookings",),
    ("workshops", "visits"),
    ("attendance",),
    ("skills",),  # evidence from sessions and their completion; bookings asks it through a gate
    # partners, meetings, actions (a module born of one) and referrals; reports count them
    ("network",),
    ("reports",),  # reads every table below it; /me shows a visitor's own hours through it
    ("kiosk", "me"),
)
# Wiring at the top of the package: it may import anything.
WIRING = {
    "lab.app",
    "lab.cli",
    "lab.demo",
    "lab.piccolo_app",
    "lab.piccolo_conf",
    "lab.retention",
    "lab.system",
    "lab.wiring",
}


@dataclasses.dataclass(frozen=True, order=True)
class Import:
    importer: str  # lab.kiosk.checkin
    imported: str  # lab.attendance.tables


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(root: Path) -> Iterator[Import]:
    """Every ``lab.…`` import in the package below ``root`` (``from x import y`` counts ``x.y``
    when ``x.y`` is a module, else ``x``)."""
    modules = {module_name(root, path) for path in root.rglob("*.py")}
    for path in sorted(root.rglob("*.py")):
        importer = module_name(root, path)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [
                    f"{node.module}.{alias.name}"
                    if f"{node.module}.{alias.name}" in modules
                    else node.module
                    for alias in node.names
                ]
            else:
                continue
            for name in names:
                if name.startswith("lab.") and name != importer:
                    yield Import(importer, name)


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) > 2 else None


def _layer(domain: str) -> int | None:
    return next((i for i, layer in enumerate(DIRECTION) if domain in layer), None)


def violations(found: Iterable[Import]) -> list[tuple[Import, str]]:
    """Each import that breaks the contract, with the rule it breaks."""
    broken: list[tuple[Import, str]] = []
    edges: dict[str, set[str]] = {}
    for item in found:
        importer, imported = item.importer, item.imported
        if importer in WIRING:
            continue
        source, target = _domain(importer), _domain(imported)
        if source == "core" and target != "core" and imported not in WIRING:
            if target in DOMAINS or target in READS_TABLES:
                broken.append((item, "core imports a domain"))
            continue
        if _part(imported) == "routes" and source != target:
            broken.append((item, "imports another domain's routes"))
            continue
        if source not in CHECKED or target not in CHECKED or source == target:
            continue
        edges.setdefault(source, set()).add(target)
        if _layer(target) is not None and _layer(source) is not None:
            if _layer(target) >= _layer(source):
                broken.append((item, f"{source} may not use {target}, which is not below it"))
                continue
        part = _part(imported)
        if part in PUBLIC:
            continue
        if part == "tables" and (_part(importer) == "tables" or source in READS_TABLES):
            continue
        broken.append((item, f"imports {target}.{part}, not its services, queries or forms"))
    for cycle in _cycles(edges):
        first = Import(f"lab.{cycle[0]}", f"lab.{cycle[1]}")
        broken.append((first, "domains import each other: " + " → ".join(cycle)))
    return broken


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Each pair or ring of domains that import each other (reported once, from its least name)."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for following in sorted(edges.get(node, ())):
            if following == start:
                found.append([*path, start])
            elif following not in path and following > start:
                walk(start, following, [*path, following])

    for start in sorted(edges):
        walk(start, start, [start])
    return found
