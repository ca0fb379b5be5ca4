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
    "{name}: interface language {language}": "{name} : langue de l'interface {language}",
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


# ---- what the source asks translators for (as `make i18n` / pybabel extract sees it) ------

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "ngettext": (1, 2)}  # `-k _ -k ngettext:1,2`, beside Babel's defaults


def extracted() -> Catalog:
    """Every message of the source, extracted with Babel's API over babel.cfg."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    catalog = Catalog(domain=i18n.DOMAIN)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords={**DEFAULT_KEYWORDS, **KEYWORDS},
        comment_tags=(),
        strip_comment_tags=True,
        # babel.cfg maps only compagnon/: do not walk .venv, node_modules and the rest.
        directory_filter=lambda d: Path(d).resolve().is_relative_to(ROOT / "compagnon"),
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog
