"""The translation catalogues a reader gets: every message translated (every plural form the
language needs), nothing left fuzzy, and the same `{fields}` as the English source, so that
filling a message never raises and never drops a value."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from compagnon.i18n import LOCALE_DIR

FIELD = re.compile(r"(?<!\{)\{[^{}]*\}(?!\})")
CATALOGUES = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/compagnon.po"))


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def messages(path: Path) -> Iterator[Message]:
    return (m for m in read(path) if m.id)


def fields(text: str) -> set[str]:
    return set(FIELD.findall(text))


def test_every_language_has_a_catalogue() -> None:
    assert {p.parent.parent.name for p in CATALOGUES} >= {"fr", "es", "it", "pt", "ro", "ar"}


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_with_the_same_fields(path: Path) -> None:
    wrong = []
    plurals = read(path).num_plurals
    for m in messages(path):
        if isinstance(m.id, str):
            forms, wanted = [m.string], fields(m.id)
        else:
            forms, wanted = list(m.string), fields(m.id[0]) | fields(m.id[1])
            if len(forms) != plurals:
                wrong.append(f"{m.id!r}: {len(forms)} forms, not {plurals}")
        if m.fuzzy:
            wrong.append(f"{m.id!r}: fuzzy")
        for form in forms:
            if not form:
                wrong.append(f"{m.id!r}: not translated")
            elif fields(form) != wanted:
                wrong.append(f"{m.id!r}: {form!r} has other fields")
    assert not wrong, "\n".join(wrong)
