"""The body of a card (templates/_post.html) in the reader's language.

A resource, event, module or journey of ours carries, for Mastodon, a readable `content`
written once at publishing: its own words (title, description) with ours around them (the
facts line, "When:", file kinds, "Open the module") in the content's language. On this node's
pages our words follow the reader as the rest of the page does, so a card of ours is written
again from the stored document: its text as its author wrote it, our words in the page's
language, an event's times the reader's way. Everything else (a peer's objects, posts) is
shown as stored.
"""

from __future__ import annotations

import html
import re
from typing import Any

from compagnon.federation import collection_convert, event_convert, resource_text
from compagnon.federation.resource_convert import resource_from_document
from compagnon.i18n import current_language

OURS = frozenset({"LearningResource", "Event", "Module", "Journey"})
# A module's items as collection_convert wrote them: the titles this node knew then.
_ITEM = re.compile(r'<li><a href="([^"]*)">([^<]*)</a></li>')


def card_content(obj: Any) -> str:
    """What a card shows of `obj` (a stored Object): its content, written in the reader's
    language when it is a resource, event, module or journey of this node."""
    content = str(obj.content or "")
    raw = getattr(obj, "raw", None)
    if not getattr(obj, "is_local", False) or obj.type not in OURS or not isinstance(raw, dict):
        return content
    reader = current_language.get()
    if obj.type == "LearningResource":
        resource = resource_from_document(raw)
        tags = [
            tag
            for tag in raw.get("tag") or []
            if isinstance(tag, dict) and tag.get("type") == "Hashtag"
        ]
        return resource_text.readable_content(
            resource, tags, obj.uri, resource.language, words_in=reader
        )
    if obj.type == "Event":
        event = event_convert.event_from_document(raw)
        if event is None:
            return content
        description = event.descriptions().get(event.language, "")
        return event_convert.readable_content(
            event,
            event.language,
            description,
            obj.uri,
            words_in=reader,
            when=event_convert.reader_when(event),
        )
    try:
        value = collection_convert.collection_from_document(raw, obj.language or "en")
    except collection_convert.CollectionDocumentError:
        return content
    titles = {html.unescape(u): html.unescape(t) for u, t in _ITEM.findall(content)}
    return collection_convert.readable_content(
        value, obj.uri, titles, value.language, words_in=reader
    )
