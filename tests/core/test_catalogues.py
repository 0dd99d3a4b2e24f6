"""The English and Dutch catalogues cover every French message of the code and templates.

The messages are extracted afresh from lab/ and templates/ with the mapping of babel.cfg and the
options of `make messages` (keyword N_, no locations), so a message added without a translation
fails here, not in front of a visitor. No database is involved.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from lab.settings import PROJECT_ROOT

LANGUAGES = ("en", "nl")
LOCALES_DIR = Path(PROJECT_ROOT) / "locales"
BABEL_CFG = Path(PROJECT_ROOT) / "babel.cfg"
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# Both English and Dutch have one singular and one plural form.
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"
# Named printf placeholders, with their conversion: %(name)s, %(num)d, %(n)s …
PLACEHOLDER = re.compile(r"%\([^)]*\)[#0 +\-]*(?:\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")
SHOWN = 20


def _mapping() -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    with BABEL_CFG.open(encoding="utf-8") as handle:
        return parse_mapping_cfg(handle, filename=str(BABEL_CFG))


@cache
def _extracted() -> tuple[Catalog, frozenset[str]]:
    """A fresh template catalogue, and the extraction methods that found messages."""
    method_map, options_map = _mapping()
    root = Path(PROJECT_ROOT)
    # babel.cfg patterns start with the top folder (lab/**.py, templates/**.html): walk from
    # the project root, into those folders only. Folders such as templates/_macros are
    # included: their text is shown too.
    tops = {pattern.split("/", 1)[0] for pattern, method in method_map if method != "ignore"}

    def directory_filter(path: str) -> bool:
        parts = Path(path).relative_to(root).parts
        return parts[0] in tops and not parts[-1].startswith(".") and parts[-1] != "__pycache__"

    template = Catalog(fuzzy=False)
    methods: set[str] = set()
    for filename, lineno, message, comments, context in extract_from_dir(
        root,
        method_map,
        options_map,
        keywords=KEYWORDS,
        directory_filter=directory_filter,
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
        methods.update(method for pattern, method in method_map if pathmatch(pattern, filename))
    return template, frozenset(methods)


def _messages() -> list[Message]:
    template, _methods = _extracted()
    return [message for message in template if message.id]


@cache
def _catalogue(language: str) -> Catalog:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _header(language: str) -> dict[str, str]:
    """The raw header entry of the .po file, as written (not babel's defaults)."""
    text = (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    match = re.search(r'^msgid ""\nmsgstr ""\n((?:".*"\n)+)', text, re.MULTILINE)
    if match is None:
        return {}
    joined = "".join(line[1:-1] for line in match.group(1).splitlines())
    fields = {}
    for line in joined.split("\\n"):
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _forms(message: Message) -> tuple[str, ...]:
    if isinstance(message.string, tuple | list):
        return tuple(message.string)
    return (message.string,)


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text)) - {"%%"}


def _report(problem: str, language: str, items: list[str]) -> str:
    shown = "\n".join(f"  - {item}" for item in items[:SHOWN])
    more = f"\n  … and {len(items) - SHOWN} more" if len(items) > SHOWN else ""
    return (
        f"{len(items)} message(s) {problem} in the {language!r} catalogue "
        f"(run `make messages`, then translate):\n{shown}{more}"
    )


def test_extraction_finds_messages_in_python_code_and_templates() -> None:
    method_map, _options = _mapping()
    expected = {method for _pattern, method in method_map if method != "ignore"}
    _template, methods = _extracted()
    assert len(_messages()) > 0, "no message extracted: check babel.cfg"
    assert methods == expected, f"no message extracted for {sorted(expected - methods)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_can_be_read_and_has_a_proper_header(language: str) -> None:
    catalogue = _catalogue(language)
    assert catalogue.locale is not None and catalogue.locale.language == language
    header = _header(language)
    assert header, f"the {language!r} catalogue has no header (do not use --omit-header on it)"
    assert header.get("Language") == language, f"Language header: {header.get('Language')!r}"
    assert header.get("Plural-Forms") == PLURAL_FORMS, (
        f"Plural-Forms header: {header.get('Plural-Forms')!r}, expected {PLURAL_FORMS!r}"
    )
    content_type = header.get("Content-Type", "")
    assert "charset=utf-8" in content_type.lower(), f"Content-Type header: {content_type!r}"
    assert catalogue.num_plurals == 2


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_in_english_and_dutch(language: str) -> None:
    catalogue = _catalogue(language)
    untranslated = []
    for message in _messages():
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            untranslated.append(f"{_ids(message)[0]}  (missing from the catalogue)")
            continue
        forms = _forms(entry)
        expected_forms = catalogue.num_plurals if message.pluralizable else 1
        if len(forms) != expected_forms or not all(form.strip() for form in forms):
            untranslated.append(f"{_ids(message)[0]}  (empty translation or plural form)")
    assert not untranslated, _report("not translated", language, untranslated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_translation_is_marked_fuzzy(language: str) -> None:
    catalogue = _catalogue(language)
    fuzzy = []
    for message in _messages():
        entry = catalogue.get(message.id, context=message.context)
        if entry is not None and entry.fuzzy:
            fuzzy.append(_ids(message)[0])
    assert not fuzzy, _report("marked fuzzy (ignored at runtime)", language, fuzzy)
    assert not catalogue.fuzzy, f"the {language!r} catalogue header is marked fuzzy"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_french_text(language: str) -> None:
    catalogue = _catalogue(language)
    wrong = []
    for message in _messages():
        entry = catalogue.get(message.id, context=message.context)
        if entry is None:
            continue
        ids = _ids(message)
        for index, form in enumerate(_forms(entry)):
            if not form:
                continue
            # Form 0 is the singular; every other form follows the plural msgid.
            source = ids[min(index, len(ids) - 1)]
            expected, found = _placeholders(source), _placeholders(form)
            if expected != found:
                wrong.append(f"{source!r}: expected {sorted(expected)}, found {sorted(found)}")
                continue
            if expected or message.pluralizable:
                # At runtime the text is %-formatted with these parameters: it must not raise.
                names = re.findall(r"%\(([^)]*)\)", source)
                try:
                    form % dict.fromkeys([*names, "num"], 1)
                except (KeyError, ValueError, TypeError) as error:
                    wrong.append(f"{source!r}: {form!r} cannot be formatted ({error})")
    assert not wrong, _report("with placeholders that differ from the French", language, wrong)
