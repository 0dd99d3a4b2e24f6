"""The competence frameworks and the practical skills in the database: loading the shipped
data (idempotent, never overwriting an admin's edit), an admin's import and export of the
practical skills file, an admin's edit of one skill, and the reads pages use."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import msgspec

from lab.core import audit
from lab.core.audit import Actor
from lab.core.db import write_transaction
from lab.core.errors import Forbidden, Invalid, NotFound
from lab.core.i18n import _, current_language
from lab.skills import framework as files
from lab.skills.forms import SkillInput
from lab.skills.tables import FrameworkEntry, PracticalSkill

__all__ = [
    "ImportResult",
    "LoadResult",
    "export_skills",
    "framework_labels",
    "import_skills",
    "load_shipped",
    "skills_list",
    "update_skill",
]


@dataclasses.dataclass(frozen=True)
class LoadResult:
    entries_written: int
    skills_created: int


@dataclasses.dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _alignments(row: dict[str, Any]) -> list[dict[str, Any]]:
    value = row["alignments"]
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _skill_values(spec: files.SkillSpec) -> dict[str, Any]:
    return {
        "pictogram": spec.pictogram,
        "name_fr": spec.name.fr,
        "name_en": spec.name.en,
        "name_nl": spec.name.nl,
        "sentence_fr": spec.sentence.fr,
        "sentence_en": spec.sentence.en,
        "sentence_nl": spec.sentence.nl,
        "alignments": json.dumps(msgspec.to_builtins(spec.alignments)),
        "position": spec.position,
    }


async def _frameworks_in_db() -> list[files.Framework]:
    """The frameworks as stored, for checking an import against what is loaded."""
    rows = await FrameworkEntry.select().order_by(FrameworkEntry.position)
    grouped: dict[tuple[str, str], list[files.Entry]] = {}
    for row in rows:
        grouped.setdefault((row["framework"], row["version"]), []).append(
            files.Entry(
                kind=row["kind"],
                code=row["code"],
                parent=row["parent"],
                label=files.Labels(fr=row["label_fr"], en=row["label_en"], nl=row["label_nl"]),
            )
        )
    title = files.Labels(fr="-", en="-", nl="-")
    return [
        files.Framework(framework=name, version=version, title=title, entries=entries)
        for (name, version), entries in grouped.items()
    ]


async def _upsert_entries(framework: files.Framework) -> int:
    """Insert or correct each entry of a framework; returns how many rows changed."""
    existing = {
        row["code"]: row
        for row in await FrameworkEntry.select().where(
            (FrameworkEntry.framework == framework.framework)
            & (FrameworkEntry.version == framework.version)
        )
    }
    changed = 0
    missing: list[FrameworkEntry] = []
    for position, entry in enumerate(framework.entries):
        values = {
            "kind": entry.kind,
            "parent": entry.parent,
            "label_fr": entry.label.fr,
            "label_en": entry.label.en,
            "label_nl": entry.label.nl,
            "position": position,
        }
        row = existing.get(entry.code)
        if row is None:
            missing.append(
                FrameworkEntry(
                    framework=framework.framework,
                    version=framework.version,
                    code=entry.code,
                    **values,
                )
            )
            changed += 1
        elif any(row[key] != value for key, value in values.items()):
            await FrameworkEntry.update(values).where(FrameworkEntry.id == row["id"])
            changed += 1
    if missing:  # one statement: this runs before each PostgreSQL test, too
        await FrameworkEntry.insert(*missing)
    return changed


async def load_shipped() -> LoadResult:
    """Load the shipped frameworks (insert or correct their entries) and insert the shipped
    practical skills whose code is missing. Practical skills already there are left as they
    are: an admin may have edited them. A second run changes nothing. Not audited: it is the
    shipped data, the same on every install, not anyone's decision."""
    frameworks = files.shipped_frameworks()
    skills = files.shipped_skills(frameworks)
    written = 0
    async with write_transaction(FrameworkEntry._meta.db):
        for framework in frameworks:
            written += await _upsert_entries(framework)
        present = {row["code"] for row in await PracticalSkill.select(PracticalSkill.code)}
        new = [
            PracticalSkill(code=spec.code, **_skill_values(spec))
            for spec in skills
            if spec.code not in present
        ]
        if new:  # one statement: this runs before each PostgreSQL test, too
            await PracticalSkill.insert(*new)
        created = len(new)
    return LoadResult(entries_written=written, skills_created=created)


def _spec(row: dict[str, Any]) -> files.SkillSpec:
    return files.SkillSpec(
        code=row["code"],
        position=row["position"],
        pictogram=row["pictogram"],
        name=files.Labels(fr=row["name_fr"], en=row["name_en"], nl=row["name_nl"]),
        sentence=files.Labels(fr=row["sentence_fr"], en=row["sentence_en"], nl=row["sentence_nl"]),
        alignments=[msgspec.convert(a, files.Alignment) for a in _alignments(row)],
    )


async def export_skills() -> bytes:
    """The practical skills as the canonical file admins edit and import again."""
    rows = (
        await PracticalSkill.select()
        .order_by(PracticalSkill.position)
        .order_by(PracticalSkill.code)
    )
    return files.dump_skills([_spec(row) for row in rows])


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise Forbidden(_("Réservé aux administrateurs."), code="skills_admin_only")


async def import_skills(actor: Actor, data: bytes) -> ImportResult:
    """Create or update practical skills from a file (admins only), all or nothing.

    Errors: ``skills_admin_only`` (not an admin); ``skills_file_*`` (the file is refused with
    where and why; nothing changes)."""
    _require_admin(actor)
    frameworks = await _frameworks_in_db()
    skills = files.read_skills(data, frameworks)
    created = updated = 0
    async with write_transaction(PracticalSkill._meta.db):
        existing = {row["code"]: row for row in await PracticalSkill.select()}
        for spec in skills:
            values = _skill_values(spec)
            row = existing.get(spec.code)
            if row is None:
                await PracticalSkill.insert(PracticalSkill(code=spec.code, **values))
                created += 1
                continue
            same = all(row[key] == value for key, value in values.items() if key != "alignments")
            if not same or _alignments(row) != json.loads(values["alignments"]):
                await PracticalSkill.update(values).where(PracticalSkill.id == row["id"])
                updated += 1
        await audit.record(actor, "skills.imported", "skills", created=created, updated=updated)
    return ImportResult(created=created, updated=updated)


async def update_skill(actor: Actor, code: str, data: SkillInput) -> None:
    """An admin's edit of one practical skill; ``load_shipped`` never undoes it.

    Errors: ``skills_admin_only``; ``skill_not_found``; ``invalid`` (blank text)."""
    _require_admin(actor)
    values = {field: getattr(data, field) for field in data.__struct_fields__}
    for field, value in values.items():
        if isinstance(value, str) and not value.strip():
            raise Invalid(
                _("Ce champ ne peut pas être vide."),
                field_errors={field: _("Ce champ ne peut pas être vide.")},
            )
    async with write_transaction(PracticalSkill._meta.db):
        row = (
            await PracticalSkill.select(PracticalSkill.id)
            .where(PracticalSkill.code == code)
            .first()
        )
        if row is None:
            raise NotFound(_("Compétence introuvable."), code="skill_not_found")
        await PracticalSkill.update(values).where(PracticalSkill.id == row["id"])
        await audit.record(actor, "skill.updated", f"skill:{code}", **values)


@dataclasses.dataclass(frozen=True)
class SkillRow:
    code: str
    pictogram: str
    name: str
    sentence: str
    position: int
    active: bool
    alignments: list[dict[str, Any]]


async def skills_list(include_inactive: bool = False) -> list[SkillRow]:
    """The practical skills in the reader's language, in order."""
    language = current_language()
    query = PracticalSkill.select().order_by(PracticalSkill.position).order_by(PracticalSkill.code)
    if not include_inactive:
        query = query.where(PracticalSkill.active == True)  # noqa: E712 (a query, not a test)
    return [
        SkillRow(
            code=row["code"],
            pictogram=row["pictogram"],
            name=row[f"name_{language}"],
            sentence=row[f"sentence_{language}"],
            position=row["position"],
            active=row["active"],
            alignments=_alignments(row),
        )
        for row in await query
    ]


async def framework_labels(
    framework: str = "digcomp", version: str = "2.2", language: str | None = None
) -> dict[str, str]:
    """Code -> label of every entry of a framework, in ``language`` (the reader's by default)."""
    language = language or current_language()
    if language not in files.LANGUAGES:
        language = "fr"
    rows = (
        await FrameworkEntry.select(
            FrameworkEntry.code, getattr(FrameworkEntry, f"label_{language}")
        )
        .where((FrameworkEntry.framework == framework) & (FrameworkEntry.version == version))
        .order_by(FrameworkEntry.position)
    )
    return {row["code"]: row[f"label_{language}"] for row in rows}
