"""The shipped frameworks and practical skills as files: read, checked, dumped the same."""

from __future__ import annotations

import json

import pytest

from lab.core.errors import Invalid
from lab.skills import framework as files


@pytest.fixture(scope="module")
def frameworks() -> list[files.Framework]:
    return files.shipped_frameworks()


def _shipped_skills_json() -> dict:
    return json.loads((files.SHIPPED_DIR / files.SKILLS_FILE).read_bytes())


def test_digcomp_has_5_areas_21_competences_8_levels_in_4_bands(frameworks):
    digcomp = next(f for f in frameworks if (f.framework, f.version) == ("digcomp", "2.2"))
    kinds: dict[str, list[str]] = {}
    for entry in digcomp.entries:
        kinds.setdefault(entry.kind, []).append(entry.code)
    assert kinds["area"] == ["1", "2", "3", "4", "5"]
    assert len(kinds["competence"]) == 21
    assert len(kinds["band"]) == 4 and len(kinds["level"]) == 8
    assert {entry.code[0] for entry in digcomp.entries if entry.kind == "competence"} == set(
        "12345"
    )
    for entry in digcomp.entries:
        assert entry.label.fr and entry.label.en and entry.label.nl


def test_pix_has_5_domains_16_competences_each_aligned_to_digcomp(frameworks):
    pix = next(f for f in frameworks if f.framework == "pix")
    digcomp = next(f for f in frameworks if f.framework == "digcomp").competences()
    competences = [entry for entry in pix.entries if entry.kind == "competence"]
    assert len([entry for entry in pix.entries if entry.kind == "domain"]) == 5
    assert len(competences) == 16
    for entry in competences:
        assert entry.aligned and set(entry.aligned) <= digcomp


def test_every_shipped_skill_maps_to_existing_competences(frameworks):
    skills = files.shipped_skills(frameworks)
    assert len(skills) >= 30
    assert "studio" in {skill.code for skill in skills}
    known = {(f.framework, f.version): f.competences() for f in frameworks}
    for skill in skills:
        assert any(a.framework == "digcomp" for a in skill.alignments), skill.code
        for alignment in skill.alignments:
            assert alignment.code in known[(alignment.framework, alignment.version)]


def test_read_then_dump_gives_the_shipped_bytes(frameworks):
    data = (files.SHIPPED_DIR / files.SKILLS_FILE).read_bytes()
    assert files.dump_skills(files.read_skills(data, frameworks)) == data
    for name, framework in zip(files.FRAMEWORK_FILES, frameworks, strict=True):
        assert files.dump_framework(framework) == (files.SHIPPED_DIR / name).read_bytes()


def _refused(frameworks, document) -> str:
    data = document if isinstance(document, bytes) else json.dumps(document).encode()
    with pytest.raises(Invalid) as refused:
        files.read_skills(data, frameworks)
    return refused.value.message


def test_bad_json_names_the_line(frameworks):
    assert "ligne 3" in _refused(frameworks, b'{\n  "skills": [\n  ,]}')


def test_missing_language_names_the_field(frameworks):
    document = _shipped_skills_json()
    del document["skills"][2]["name"]["nl"]
    message = _refused(frameworks, document)
    assert "nl" in message and "skills[2].name" in message


def test_unknown_competence_is_refused(frameworks):
    document = _shipped_skills_json()
    document["skills"][0]["alignments"][0]["code"] = "6.1"
    message = _refused(frameworks, document)
    assert "6.1" in message and document["skills"][0]["code"] in message


def test_duplicate_code_is_refused(frameworks):
    document = _shipped_skills_json()
    document["skills"][1]["code"] = document["skills"][0]["code"]
    assert "double" in _refused(frameworks, document)


def test_bad_code_pattern_is_refused(frameworks):
    document = _shipped_skills_json()
    document["skills"][0]["code"] = "Send Mail"
    assert "code incorrect" in _refused(frameworks, document)


@pytest.mark.parametrize("level", [0, 9])
def test_level_outside_1_to_8_is_refused(frameworks, level):
    document = _shipped_skills_json()
    document["skills"][0]["alignments"][0]["level"] = level
    assert f"niveau {level}" in _refused(frameworks, document)


def test_too_long_text_is_refused(frameworks):
    document = _shipped_skills_json()
    document["skills"][0]["sentence"]["fr"] = "x" * 301
    message = _refused(frameworks, document)
    assert "sentence" in message and "300" in message


def test_every_shipped_pictogram_is_drawn_by_the_kiosk(frameworks):
    from lab.settings import PROJECT_ROOT

    macros = (PROJECT_ROOT / "templates" / "kiosk" / "_macros.html").read_text()
    for skill in files.shipped_skills(frameworks):
        assert f'name == "{skill.pictogram}"' in macros, skill.code
