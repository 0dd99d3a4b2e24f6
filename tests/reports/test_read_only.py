"""Reports read every domain's tables and write none of them: the only rows they write are
their own closed periods (and the audit entry that records a closing)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lab.settings import PROJECT_ROOT

# On a table class (capitalised name): any of these writes. On an instance: save and remove.
TABLE_WRITES = {"insert", "update", "delete", "save", "add_m2m", "alter"}
ROW_WRITES = {"save", "remove"}
OWN = {"ClosedPeriod", "row", "audit"}  # row: a ClosedPeriod built in services.close_month


def _writes(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = node.func.value
            while isinstance(target, ast.Call | ast.Attribute):
                target = target.func if isinstance(target, ast.Call) else target.value
            name = target.id if isinstance(target, ast.Name) else "?"
            writes = TABLE_WRITES if name[:1].isupper() else ROW_WRITES
            if node.func.attr in writes:
                found.append((node.lineno, f"{name}.{node.func.attr}"))
    return found


def test_reports_write_no_other_domains_table() -> None:
    folder = Path(PROJECT_ROOT) / "lab" / "reports"
    writes = {
        f"{path.relative_to(folder)}:{line} {call}"
        for path in folder.rglob("*.py")
        for line, call in _writes(path.read_text(encoding="utf-8"))
        if call.split(".")[0] not in OWN
    }
    assert writes == set()


# Raw SQL in reports reads (SELECT … anti-joins for speed): no statement that writes.
SQL_WRITE = re.compile(r"\b(INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|TRUNCATE)\b", re.I)


def test_reports_raw_sql_only_reads() -> None:
    folder = Path(PROJECT_ROOT) / "lab" / "reports"
    found = [
        f"{path.name}: {match.group(0)}"
        for path in folder.rglob("*.py")
        for match in SQL_WRITE.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert SQL_WRITE.search("x = 'update attendance set status = 1'")


def test_the_check_finds_a_write() -> None:
    assert _writes("Attendance.update({Attendance.status: 'x'}).where(True)") == [
        (1, "Attendance.update")
    ]
    assert _writes("await Visitor(first_name='x').save()") == [(1, "Visitor.save")]
