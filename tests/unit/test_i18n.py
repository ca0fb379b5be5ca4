"""The interface language: catalogues read from .po files, Accept-Language, negotiation,
dates and numbers in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from compagnon import config, i18n
from compagnon.server.language import accepted, negotiate
from tests.support.catalogues import use_tiny_catalogues, write_catalogue


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return use_tiny_catalogues(monkeypatch, tmp_path)


def test_a_catalogue_is_read_from_its_po_file(tiny: Path) -> None:
    token = i18n.current_language.set("fr")
    try:
        assert i18n._("Search") == "Recherche"
        assert i18n._("Nothing published yet.") == "Nothing published yet."  # English fallback
    finally:
        i18n.current_language.reset(token)
    assert i18n._("Search") == "Search"


def test_an_edited_catalogue_is_read_again(tiny: Path) -> None:
    write_catalogue(tiny, "fr", {"Search": "Chercher"})
    token = i18n.current_language.set("fr")
    try:
        assert i18n._("Search") == "Chercher"
    finally:
        i18n.current_language.reset(token)


def test_only_languages_with_translations_are_offered(tiny: Path) -> None:
    # pt's catalogue is empty: offering it would show English anyway.
    assert i18n.available_languages() == ["en", "fr", "ar"]


def test_arabic_is_written_right_to_left() -> None:
    assert i18n.direction("ar") == "rtl" and i18n.direction("fr") == "ltr"


def test_the_settings_know_the_same_languages() -> None:
    assert tuple(i18n.LANGUAGES) == config.INTERFACE_LANGUAGES
    with pytest.raises(config.SettingsError, match="language"):
        config.load_settings(None, environ={"COMPAGNON_LANGUAGE": "klingon"})
    assert config.load_settings(None, environ={"COMPAGNON_LANGUAGE": "ar"}).language == "ar"


def test_accept_language_is_read_best_first() -> None:
    assert accepted("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == [
        "fr-CH",
        "fr",
        "en",
        "de",
        "*",
    ]
    assert accepted("en;q=0.1, ar") == ["ar", "en"]
    assert accepted("pt;q=0, es") == ["es"]
    assert accepted("ñ;;q=x, , it;q=abc, ro") == ["ro"]
    assert accepted("") == []


ALL = ["en", "fr", "ar"]


@pytest.mark.parametrize(
    ("chosen", "cookie", "header", "default", "expected"),
    [
        (None, None, "pt-BR, fr;q=0.8", "en", "fr"),  # pt has no catalogue: next wish
        (None, None, "ar-EG", "en", "ar"),
        (None, None, "de, ja", "fr", "fr"),  # nothing we have: the node's default
        (None, None, "", "pt", "en"),  # a default without a catalogue: English
        (None, "ar", "fr", "en", "ar"),  # the switcher's cookie over the browser
        ("fr", "ar", "ar", "en", "fr"),  # the account's choice over everything
        ("xx", "zz", "fr", "en", "fr"),  # nonsense is ignored
    ],
)
def test_negotiation(
    chosen: str | None, cookie: str | None, header: str, default: str, expected: str
) -> None:
    found = negotiate(
        chosen=chosen, cookie=cookie, accept_language=header, default=default, available=ALL
    )
    assert found == expected


def test_dates_and_numbers_follow_the_language() -> None:
    moment = datetime(2026, 12, 6, 19, 12, tzinfo=UTC)
    shown = {}
    for language in ("en", "fr", "pt"):
        token = i18n.current_language.set(language)
        try:
            shown[language] = tuple(
                text.replace("\u202f", " ")  # CLDR's narrow no-break space
                for text in (i18n.format_moment(moment), i18n.format_number(1234567))
            )
        finally:
            i18n.current_language.reset(token)
    assert shown["en"] == ("Dec 6, 2026, 7:12 PM", "1,234,567")
    assert shown["fr"][0] == "6 déc. 2026, 19:12" and shown["fr"][1] == "1 234 567"
    assert shown["pt"][1] == "1.234.567"


def test_file_sizes_follow_the_language() -> None:
    """A resource page's file sizes: "2,4 ko" for a French reader, not "2.4 KB"."""
    shown = {}
    for language in ("en", "fr", "ar"):
        token = i18n.current_language.set(language)
        try:
            shown[language] = [i18n.format_size(n) for n in (1, 193, 2400, 10_500_000, 250_000)]
        finally:
            i18n.current_language.reset(token)
    assert shown["en"] == ["1 byte", "193 bytes", "2.4 kB", "10.5 MB", "250 kB"]
    assert [s.replace("\u202f", " ") for s in shown["fr"][2:4]] == ["2,4 ko", "10,5 Mo"]
    assert "KB" not in shown["ar"][2] and "2.4" in shown["ar"][2]


def test_a_translation_with_wrong_fields_falls_back_to_english(tiny: Path) -> None:
    write_catalogue(tiny, "fr", {"{n} voters": "{nombre} votants", "Hello, {name}": "Salut {name}"})
    token = i18n.current_language.set("fr")
    try:
        assert i18n._("{n} voters", n=3) == "3 voters"  # not a KeyError on the page
        assert i18n._("Hello, {name}", name="Lea") == "Salut Lea"
        grouped = i18n.ngettext("{n:,} resource", "{n:,} resources", 1200)
        assert grouped == "1\u202f200 resources"  # French grouping, the English fallback text
    finally:
        i18n.current_language.reset(token)
