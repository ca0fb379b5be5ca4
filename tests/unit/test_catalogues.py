"""The translation catalogues against the source: the template (.pot) holds every message the
code and templates ask for, and each language's catalogue translates every one of them, with
the same `{fields}`.

A language whose catalogue is still entirely empty (its translation not started) is skipped,
by name; the moment its first translation lands, every message is required.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from compagnon import i18n
from tests.support.catalogues import extracted

TEMPLATE = i18n.LOCALE_DIR / f"{i18n.DOMAIN}.pot"
TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.DEFAULT_LANGUAGE]


@cache
def source() -> Catalog:
    return extracted()


def _ids(catalog: Catalog) -> set[tuple[str, ...]]:
    return {
        message.id if isinstance(message.id, tuple) else (message.id,)
        for message in catalog
        if message.id
    }


def _fields(text: str) -> set[str] | None:
    """The `{name}` fields of a format string; None when it cannot be read as one."""
    try:
        return {
            name.split(".")[0].split("[")[0]
            for _, name, _, _ in string.Formatter().parse(text)
            if name is not None
        }
    except ValueError:
        return None


def test_the_template_is_current_with_the_source() -> None:
    with TEMPLATE.open("rb") as fh:
        template = read_po(fh)
    missing = sorted(_ids(source()) - _ids(template))
    stale = sorted(_ids(template) - _ids(source()))
    assert not missing and not stale, (
        f"compagnon.pot is out of date: run `make i18n`. Missing: {missing[:10]}; "
        f"no longer in the source: {stale[:10]}"
    )


def _problems(message: Message, found: Message | None) -> list[str]:
    key = message.id if isinstance(message.id, str) else message.id[0]
    if found is None:
        return [f"missing: {key!r}"]
    if found.fuzzy:
        return [f"fuzzy: {key!r}"]
    forms = found.string if isinstance(found.string, tuple) else (found.string,)
    if not forms or not all(forms):
        return [f"not translated: {key!r}"]
    plural = isinstance(message.id, tuple)
    wanted = _fields(message.id[1] if isinstance(message.id, tuple) else message.id)

    def ok(got: set[str] | None) -> bool:
        if not plural:
            return wanted is None or got == wanted
        # A plural form may leave {n} out (Arabic's "one" and "two" say the number in words).
        return got is not None and wanted is not None and got <= wanted and wanted - got <= {"n"}

    return [
        f"fields differ in {key!r}: {sorted(wanted or ())} -> {form!r}"
        for form in forms
        if not ok(_fields(form))
    ]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language: str) -> None:
    path = i18n.catalogue_path(language)
    with path.open("rb") as fh:
        catalogue = read_po(fh, locale=language)
    translated = [
        m
        for m in catalogue
        if m.id and (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    if not translated:
        pytest.skip(f"{language}: catalogue still empty (translation not started)")
    problems = [
        p
        for message in source()
        if message.id
        for p in _problems(message, catalogue.get(message.id))
    ]
    assert not problems, f"{language}: {len(problems)} problems, first: " + "; ".join(problems[:15])


def test_the_check_names_what_is_wrong() -> None:
    """The check itself, on a catalogue with one of each mistake."""
    catalogue = Catalog(locale="fr")
    catalogue.add("Search", "Recherche")
    catalogue.add("{n} voters", "{nombre} votants")
    catalogue.add("Home", "Accueil", flags=["fuzzy"])
    catalogue.add(("{n} resource", "{n} resources"), ("{n} ressource", "{n} ressources"))
    catalogue.add(("{n} voter", "{n} voters"), ("un votant", ""))
    wanted = Catalog()
    for msgid in ["Search", "{n} voters", "Home", "Log in"]:
        wanted.add(msgid)
    wanted.add(("{n} resource", "{n} resources"))
    wanted.add(("{n} voter", "{n} voters"))
    found = [p for m in wanted if m.id for p in _problems(m, catalogue.get(m.id))]
    assert found == [
        "fields differ in '{n} voters': ['n'] -> '{nombre} votants'",
        "fuzzy: 'Home'",
        "missing: 'Log in'",
        "not translated: '{n} voter'",
    ]


# ---- every entry of each catalogue, as the translators' branch checked them (fields spelled
# exactly, `{n:,}` included; every plural form the language has) -------------------------

FIELD = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")
CATALOGUES = sorted(i18n.LOCALE_DIR.glob("*/LC_MESSAGES/compagnon.po"))


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _messages(path: Path) -> Iterator[Message]:
    return (m for m in _read(path) if m.id)


def _spelled_fields(text: str) -> set[str]:
    return set(FIELD.findall(text))


def test_every_language_has_a_catalogue() -> None:
    assert {p.parent.parent.name for p in CATALOGUES} >= {"fr", "es", "it", "pt", "ro", "ar"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_with_the_same_fields(path: Path) -> None:
    wrong = []
    plurals = _read(path).num_plurals
    for m in _messages(path):
        if isinstance(m.id, str):
            forms, wanted = [m.string], _spelled_fields(m.id)
        else:
            forms, wanted = list(m.string), _spelled_fields(m.id[0]) | _spelled_fields(m.id[1])
            if len(forms) != plurals:
                wrong.append(f"{m.id!r}: {len(forms)} forms, not {plurals}")
        if m.fuzzy:
            wrong.append(f"{m.id!r}: fuzzy")
        for form in forms:
            if not form:
                wrong.append(f"{m.id!r}: not translated")
            elif _spelled_fields(form) != wanted:
                wrong.append(f"{m.id!r}: {form!r} has other fields")
    assert not wrong, "\n".join(wrong)
