"""Tiny translation catalogues written into a temporary locale directory, so tests can see
the interface in French or Arabic before (and whatever) the translators' catalogues say."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from compagnon import i18n

FRENCH = {
    "Search": "Recherche",
    "Language": "Langue",
    "Change": "Changer",
    "My settings": "Mes réglages",
    "Log in": "Se connecter",
}
ARABIC = {
    "Search": "بحث",
    "Language": "اللغة",
    "Change": "تغيير",
    "My settings": "إعداداتي",
    "Log in": "تسجيل الدخول",
    "Profile": "الملف الشخصي",
}


def write_catalogue(locale_dir: Path, language: str, messages: dict[str, str]) -> Path:
    catalog = Catalog(locale=language, domain=i18n.DOMAIN)
    for msgid, msgstr in messages.items():
        catalog.add(msgid, msgstr)
    path = i18n.catalogue_path(language, locale_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        write_po(fh, catalog)
    return path


def use_tiny_catalogues(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point i18n at a locale directory holding French and Arabic catalogues of a few
    messages, and an empty Portuguese one (a translation not started)."""
    locale_dir = tmp_path / "locale"
    write_catalogue(locale_dir, "fr", FRENCH)
    write_catalogue(locale_dir, "ar", ARABIC)
    write_catalogue(locale_dir, "pt", {})
    monkeypatch.setattr(i18n, "LOCALE_DIR", locale_dir)
    return locale_dir
