"""The competence frameworks (DigComp 2.2, Pix) and the practical skills as versioned data:
the file formats, their reading with validation, and the canonical dump admins export.

Pure: no database. Every refusal is ``Invalid`` with a French message naming where the
problem is (line of bad JSON, skill code, field)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

import msgspec

from lab.core.errors import Invalid
from lab.core.i18n import _

SHIPPED_DIR = Path(__file__).parent / "data"
FRAMEWORK_FILES = ("digcomp-2.2.json", "pix.json")
SKILLS_FILE = "first-steps.json"

LANGUAGES = ("fr", "en", "nl")
SKILL_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
ENTRY_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,11}$")
# Column lengths of lab/skills/tables.py.
LABEL_MAX = 200
NAME_MAX = 120
SENTENCE_MAX = 300
PICTOGRAM_MAX = 40
FRAMEWORK_MAX = 20
VERSION_MAX = 10
MAX_FILE_BYTES = 2_000_000


class Labels(msgspec.Struct, forbid_unknown_fields=True):
    fr: str
    en: str
    nl: str


class Entry(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An area, competence, level or band (DigComp), a domain or competence (Pix).
    ``aligned``: the competences of the framework this one aligns to (Pix to DigComp)."""

    kind: Literal["area", "competence", "level", "band", "domain"]
    code: str
    label: Labels
    parent: str | None = None
    aligned: list[str] = []


class Reference(msgspec.Struct, forbid_unknown_fields=True):
    framework: str
    version: str


class Framework(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    framework: str
    version: str
    title: Labels
    entries: list[Entry]
    aligns_to: Reference | None = None

    def competences(self) -> set[str]:
        return {entry.code for entry in self.entries if entry.kind == "competence"}


class Alignment(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Where a practical skill sits: a competence, and for DigComp the proficiency level."""

    framework: str
    version: str
    code: str
    level: int | None = None


class SkillSpec(msgspec.Struct, forbid_unknown_fields=True):
    code: str
    position: int
    pictogram: str
    name: Labels
    sentence: Labels
    alignments: list[Alignment] = []


class SkillsFile(msgspec.Struct, forbid_unknown_fields=True):
    skills: list[SkillSpec]


def _json(data: bytes) -> Any:
    if len(data) > MAX_FILE_BYTES:
        raise Invalid(_("Fichier trop volumineux."), code="skills_file_too_large")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise Invalid(_("Le fichier n'est pas en UTF-8."), code="skills_file_encoding") from None
    except json.JSONDecodeError as error:
        raise Invalid(
            _(
                "JSON invalide, ligne %(line)s, colonne %(column)s.",
                line=error.lineno,
                column=error.colno,
            ),
            code="skills_file_json",
        ) from None


def _convert(raw: Any, kind: type) -> Any:
    try:
        return msgspec.convert(raw, kind)
    except msgspec.ValidationError as error:
        text = str(error)
        where = text.rsplit(" - at ", 1)[1] if " - at " in text else "$"
        missing = re.match(r"Object missing required field `([^`]+)`", text)
        unknown = re.match(r"Object contains unknown field `([^`]+)`", text)
        if missing:
            message = _("champ « %(field)s » manquant", field=missing.group(1))
        elif unknown:
            message = _("champ « %(field)s » inconnu", field=unknown.group(1))
        else:
            message = _("valeur d’un type ou d’une forme incorrects")
        raise Invalid(
            _("Fichier invalide, à %(where)s : %(problem)s.", where=where, problem=message),
            code="skills_file_shape",
        ) from None


def _fail(where: str, message: str) -> None:
    raise Invalid(
        _("Fichier invalide, %(where)s : %(problem)s.", where=where, problem=message),
        code="skills_file_invalid",
    )


def _check_labels(where: str, field: str, labels: Labels, limit: int) -> None:
    for language in LANGUAGES:
        text = getattr(labels, language)
        if not text.strip():
            _fail(where, _("« %(field)s » vide en %(language)s", field=field, language=language))
        if len(text) > limit:
            _fail(
                where,
                _(
                    "« %(field)s » en %(language)s dépasse %(limit)s caractères",
                    field=field,
                    language=language,
                    limit=limit,
                ),
            )


def read_framework(data: bytes, others: list[Framework] | tuple[Framework, ...] = ()) -> Framework:
    """A framework file, checked: codes unique, parents exist, labels in fr, en and nl within
    their columns; ``aligned`` codes must be competences of the framework named by
    ``aligns_to``, found among ``others``."""
    framework = _convert(_json(data), Framework)
    if not 0 < len(framework.framework) <= FRAMEWORK_MAX or not re.fullmatch(
        r"[a-z0-9-]+", framework.framework
    ):
        _fail("framework", _("nom de référentiel incorrect"))
    if not 0 < len(framework.version) <= VERSION_MAX:
        _fail("version", _("version incorrecte"))
    _check_labels("title", "title", framework.title, LABEL_MAX)
    target: set[str] | None = None
    if framework.aligns_to is not None:
        found = [
            other
            for other in others
            if (other.framework, other.version)
            == (framework.aligns_to.framework, framework.aligns_to.version)
        ]
        if not found:
            _fail(
                "aligns_to", _("référentiel %(name)s inconnu", name=framework.aligns_to.framework)
            )
        target = found[0].competences()
    codes: set[str] = set()
    for entry in framework.entries:
        where = _("entrée %(code)s", code=entry.code)
        if not ENTRY_CODE.fullmatch(entry.code):
            _fail(where, _("code incorrect"))
        if entry.code in codes:
            _fail(where, _("code en double"))
        codes.add(entry.code)
        _check_labels(where, "label", entry.label, LABEL_MAX)
        for code in entry.aligned:
            if target is None or code not in target:
                _fail(where, _("compétence alignée %(code)s inconnue", code=code))
    for entry in framework.entries:
        if entry.parent is not None and entry.parent not in codes:
            _fail(
                _("entrée %(code)s", code=entry.code),
                _("parent %(code)s inconnu", code=entry.parent),
            )
    return framework


def read_skills(
    data: bytes, frameworks: list[Framework] | tuple[Framework, ...]
) -> list[SkillSpec]:
    """A practical skills file, checked against ``frameworks``: codes unique and well formed,
    texts in fr, en and nl within their columns, every alignment on an existing competence,
    DigComp levels in 1..8. Returned in ``position`` order."""
    skills = _convert(_json(data), SkillsFile).skills
    known = {(f.framework, f.version): f.competences() for f in frameworks}
    seen: set[str] = set()
    for index, skill in enumerate(skills, start=1):
        where = _("compétence n° %(index)s (%(code)s)", index=index, code=skill.code)
        if not SKILL_CODE.fullmatch(skill.code):
            _fail(where, _("code incorrect (minuscules, chiffres et tirets, 2 à 40 caractères)"))
        if skill.code in seen:
            _fail(where, _("code en double"))
        seen.add(skill.code)
        if not skill.pictogram or len(skill.pictogram) > PICTOGRAM_MAX:
            _fail(where, _("pictogramme incorrect"))
        _check_labels(where, "name", skill.name, NAME_MAX)
        _check_labels(where, "sentence", skill.sentence, SENTENCE_MAX)
        for alignment in skill.alignments:
            competences = known.get((alignment.framework, alignment.version))
            if competences is None or alignment.code not in competences:
                _fail(
                    where,
                    _(
                        "compétence %(code)s inconnue dans %(name)s %(version)s",
                        code=alignment.code,
                        name=alignment.framework,
                        version=alignment.version,
                    ),
                )
            if alignment.level is not None and not 1 <= alignment.level <= 8:
                _fail(where, _("niveau %(level)s hors de 1 à 8", level=alignment.level))
    return sorted(skills, key=lambda skill: skill.position)


def _dump(value: Any) -> bytes:
    plain = json.loads(msgspec.json.encode(value))
    return (json.dumps(plain, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def dump_skills(skills: list[SkillSpec]) -> bytes:
    """The canonical file: fixed key order, 2-space indent, UTF-8 as is, skills by position."""
    return _dump(SkillsFile(skills=sorted(skills, key=lambda skill: skill.position)))


def dump_framework(framework: Framework) -> bytes:
    return _dump(framework)


def shipped_frameworks() -> list[Framework]:
    read: list[Framework] = []
    for name in FRAMEWORK_FILES:
        read.append(read_framework((SHIPPED_DIR / name).read_bytes(), read))
    return read


def shipped_skills(frameworks: list[Framework]) -> list[SkillSpec]:
    return read_skills((SHIPPED_DIR / SKILLS_FILE).read_bytes(), frameworks)
