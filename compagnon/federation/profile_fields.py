"""A profile's fields (Mastodon's "profile metadata": a name and a value, such as
"Workshop" / "Hall B, Lyon"): kept on the actor (`actors.profile_fields`, migration 0029)
as `{"name": text, "value": HTML}`, the value's HTML sanitised; a local trainer's typed
values also in `raw["fields_text"]` (the apps' `source.fields`), as `summary_text` is.

On the wire, as Mastodon writes and reads them: the actor's `attachment` holds one
`{"type": "PropertyValue", "name", "value"}` per field, the value HTML. A peer's fields are
read from the `attachment` entries typed `PropertyValue` (`from_document`, unsanitised like
the rest of `actor_fields_from_document`) and sanitised when the actor is stored
(actor_store.py: `sanitised`), the one path every remote actor takes.
"""

from __future__ import annotations

from typing import Any, Final

from compagnon.federation.as_types import types_of
from compagnon.federation.sanitize import sanitize_html, text_to_html

MAX_FIELDS: Final = 4  # a trainer's, as Mastodon's default
MAX_NAME: Final = 255  # characters of a name and of a typed value, as Mastodon's limits
MAX_VALUE: Final = 255
MAX_REMOTE_FIELDS: Final = 16  # a peer may allow more than 4; a document with more is hostile
MAX_REMOTE_VALUE: Final = 4000  # characters of a peer's value HTML; a longer one is left out


def value_html(text: str) -> str:
    """A typed value as Mastodon shows a field: escaped, its http(s) addresses linked, one
    line, no paragraph around it."""
    one_line = " ".join(text.split())
    made = text_to_html(one_line)
    if made.startswith("<p>") and made.endswith("</p>"):
        made = made[3:-4]
    return made


def typed(pairs: list[tuple[str, str]]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The stored fields and the typed text of a trainer's `(name, value)` pairs (checked
    by the caller); a pair with neither name nor value is left out, as Mastodon does."""
    texts = [
        {"name": " ".join(name.split()), "value": " ".join(value.split())}
        for name, value in pairs
        if name.strip() or value.strip()
    ]
    stored = [{"name": t["name"], "value": value_html(t["value"])} for t in texts]
    return stored, texts


def from_document(doc: dict[str, Any]) -> list[dict[str, str]]:
    """A peer's fields from its actor document's `attachment`, not yet sanitised."""
    items = doc.get("attachment")
    found: list[dict[str, str]] = []
    for item in items if isinstance(items, list) else [items]:
        if not isinstance(item, dict) or "PropertyValue" not in types_of(item.get("type")):
            continue
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        if len(value) > MAX_REMOTE_VALUE:
            continue
        found.append({"name": name, "value": value})
        if len(found) == MAX_REMOTE_FIELDS:
            break
    return found


def sanitised(fields: Any) -> list[dict[str, str]]:
    """A peer's fields made safe to show: the name plain text (any markup in it read as
    text, as Mastodon shows names), the value's HTML cleaned as a post's is."""
    clean: list[dict[str, str]] = []
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict):
            continue
        name = " ".join(str(field.get("name") or "").split())[:MAX_NAME]
        value = sanitize_html(str(field.get("value") or ""))
        if name or value:
            clean.append({"name": name, "value": value})
    return clean


def attachment(fields: list[dict[str, str]] | None) -> list[dict[str, str]]:
    """The actor document's `attachment` for its fields, as Mastodon writes it."""
    return [{"type": "PropertyValue", "name": f["name"], "value": f["value"]} for f in fields or []]
