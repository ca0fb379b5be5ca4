"""The metadata formats of the OAI repository, made with lxml from a record's AMB record
(federation/amb.py: the same description every page and JSON answer gives):

- `oai_dc`: unqualified Dublin Core, as OAI-PMH requires of every repository;
- `lom`: IEEE LOM in its XML binding (IEEE 1484.12.3, namespace http://ltsc.ieee.org/xsd/LOM),
  the format learning-object repositories exchange; LOMv1.0 vocabularies where LOM has one,
  ISCED-F and EQF as classifications (taxon paths).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from compagnon.domain.resources import EQF, ISCED_F
from compagnon.domain.vocabularies import label

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
LOM = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _names(value: Any) -> list[str]:
    return [x["name"] for x in _items(value) if isinstance(x, dict) and x.get("name")]


def _language(record: dict[str, Any]) -> str:
    context = record.get("@context")
    for part in _items(context):
        if isinstance(part, dict) and isinstance(part.get("@language"), str):
            return str(part["@language"])
    return "en"


def _alignment(record: dict[str, Any], base: str) -> str | None:
    for item in _items(record.get("educationalAlignment")):
        url = item.get("targetUrl") if isinstance(item, dict) else None
        if isinstance(url, str) and url.startswith(base):
            return url[len(base) :]
    return None


def _concept_labels(value: Any) -> list[str]:
    found = []
    for item in _items(value):
        labels = item.get("prefLabel") if isinstance(item, dict) else None
        if isinstance(labels, dict) and labels:
            found.append(str(labels.get("en") or next(iter(labels.values()))))
    return found


# What XML 1.0 cannot carry: control characters but tab, newline and return, lone
# surrogates, U+FFFE and U+FFFF.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _clean(text: str) -> str:
    """A peer's text may hold what XML cannot carry: removed (one regex; a loop per
    character was a fifth of rendering a record)."""
    return NOT_XML.sub("", text)


def oai_dc(record: dict[str, Any], page_url: str) -> etree._Element:
    root = etree.Element(
        f"{{{OAI_DC}}}dc",
        nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI},
    )
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
    lang = _language(record)

    def add(name: str, text: Any, language: str | None = None) -> None:
        if isinstance(text, str) and text.strip():
            element = etree.SubElement(root, f"{{{DC}}}{name}")
            element.text = _clean(text)
            if language:
                element.set(XML_LANG, language)

    add("title", record.get("name"), lang)
    for name in _names(record.get("creator")):
        add("creator", name)
    for keyword in _items(record.get("keywords")):
        add("subject", keyword, lang)
    isced = _alignment(record, ISCED_F)
    if isced:
        add("subject", f"ISCED-F {isced} {label('isced-f', isced, 'en') or ''}".strip(), "en")
    eqf = _alignment(record, EQF)
    if eqf:
        add("subject", f"EQF level {eqf}", "en")
    add("description", record.get("description"), lang)
    for name in _names(record.get("publisher")):
        add("publisher", name)
    add("date", record.get("datePublished"))
    for kind in _concept_labels(record.get("learningResourceType")) or ["Learning resource"]:
        add("type", kind, "en")
    for encoding in _items(record.get("encoding")):
        if isinstance(encoding, dict):
            add("format", encoding.get("encodingFormat"))
    add("identifier", record.get("id"))
    if page_url != record.get("id"):
        add("identifier", page_url)
    for code in _items(record.get("inLanguage")):
        add("language", code)
    for source in _items(record.get("isBasedOn")):
        if isinstance(source, dict):
            add("relation", source.get("id"))
    licence = record.get("license")
    if isinstance(licence, dict):
        add("rights", licence.get("id"))
    return root


def _lom(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{LOM}}}{name}")
    if text is not None:
        element.text = _clean(text)
    return element


def _lang_string(parent: etree._Element, name: str, text: str, language: str) -> None:
    holder = _lom(parent, name)
    string = _lom(holder, "string", text)
    string.set("language", language)


def _vocab(parent: etree._Element, name: str, value: str, source: str = "LOMv1.0") -> None:
    holder = _lom(parent, name)
    _lom(holder, "source", source)
    _lom(holder, "value", value)


def _vcard(name: str) -> str:
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return f"BEGIN:VCARD\nVERSION:3.0\nFN:{escaped}\nN:{escaped};;;;\nEND:VCARD"


def _taxon_path(parent: etree._Element, purpose: str, source: str, code: str, text: str) -> None:
    classification = _lom(parent, "classification")
    _vocab(classification, "purpose", purpose)
    path = _lom(classification, "taxonPath")
    _lang_string(path, "source", source, "en")
    taxon = _lom(path, "taxon")
    _lom(taxon, "id", code)
    _lang_string(taxon, "entry", text, "en")


def lom(record: dict[str, Any], page_url: str) -> etree._Element:
    root = etree.Element(f"{{{LOM}}}lom", nsmap={None: LOM, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", f"{LOM} http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd")
    lang = _language(record)
    general = _lom(root, "general")
    identifier = _lom(general, "identifier")
    _lom(identifier, "catalog", "URI")
    _lom(identifier, "entry", str(record.get("id") or page_url))
    _lang_string(general, "title", str(record.get("name") or ""), lang)
    for code in _items(record.get("inLanguage")):
        _lom(general, "language", str(code))
    if isinstance(record.get("description"), str):
        _lang_string(general, "description", record["description"], lang)
    for keyword in _items(record.get("keywords")):
        if isinstance(keyword, str):
            _lang_string(general, "keyword", keyword, lang)
    people = [("author", n) for n in _names(record.get("creator"))]
    people += [("publisher", n) for n in _names(record.get("publisher"))]
    if people:
        life = _lom(root, "lifeCycle")
        for role, name in people:
            contribute = _lom(life, "contribute")
            _vocab(contribute, "role", role)
            _lom(contribute, "entity", _vcard(name))
            if role == "publisher" and isinstance(record.get("datePublished"), str):
                date = _lom(contribute, "date")
                _lom(date, "dateTime", record["datePublished"])
    meta = _lom(root, "metaMetadata")
    _lom(meta, "metadataSchema", "LOMv1.0")
    _lom(meta, "language", lang)
    technical = _lom(root, "technical")
    for encoding in _items(record.get("encoding")):
        if isinstance(encoding, dict) and isinstance(encoding.get("encodingFormat"), str):
            _lom(technical, "format", encoding["encodingFormat"])
    _lom(technical, "location", page_url)
    for encoding in _items(record.get("encoding")):
        if isinstance(encoding, dict) and isinstance(encoding.get("contentUrl"), str):
            _lom(technical, "location", encoding["contentUrl"])
    educational = _lom(root, "educational")
    for role in _items(record.get("audience")):
        key = str(role.get("id", "")).rsplit("/", 1)[-1] if isinstance(role, dict) else ""
        if key in {"teacher", "author", "learner", "manager"}:
            _vocab(educational, "intendedEndUserRole", key)
        elif key == "student":
            _vocab(educational, "intendedEndUserRole", "learner")
    if isinstance(record.get("timeRequired"), str):
        learning_time = _lom(educational, "typicalLearningTime")
        _lom(learning_time, "duration", record["timeRequired"])
    for code in _items(record.get("inLanguage")):
        _lom(educational, "language", str(code))
    rights = _lom(root, "rights")
    _vocab(rights, "cost", "no")
    licence = record.get("license")
    licence_id = licence.get("id") if isinstance(licence, dict) else None
    _vocab(rights, "copyrightAndOtherRestrictions", "yes" if licence_id else "no")
    if isinstance(licence_id, str):
        _lang_string(rights, "description", licence_id, "x-none")
    for source in _items(record.get("isBasedOn")):
        if isinstance(source, dict) and isinstance(source.get("id"), str):
            relation = _lom(root, "relation")
            _vocab(relation, "kind", "isbasedon")
            resource = _lom(relation, "resource")
            related = _lom(resource, "identifier")
            _lom(related, "catalog", "URI")
            _lom(related, "entry", source["id"])
    isced = _alignment(record, ISCED_F)
    if isced:
        text = label("isced-f", isced, "en") or isced
        _taxon_path(root, "discipline", "ISCED-F 2013", isced, text)
    eqf = _alignment(record, EQF)
    if eqf:
        _taxon_path(root, "educational level", "EQF", eqf, f"EQF level {eqf}")
    return root


FORMATS: dict[str, tuple[str, str, Callable[[dict[str, Any], str], etree._Element]]] = {
    # prefix: (schema, namespace, builder)
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC, oai_dc),
    "lom": ("http://ltsc.ieee.org/xsd/lomv1.0/lom.xsd", LOM, lom),
}
