"""Reading ActivityStreams types as peers send them: `"type"` is a string or a list of strings
(AS2 allows both; we send `["Note", "LearningResource"]` ourselves). Every place that asks
"is this a Create?" or "is this a post?" asks here, so a list is never mistaken for nothing.
"""

from __future__ import annotations

from typing import Any, Final

from compagnon.domain.collections import collection_kind

# Activity types the inbox knows (AS2 core, plus the extensions we handle). Of a type list,
# the first of these names the activity; handlers are looked up by that name.
ACTIVITY_TYPES: Final = frozenset(
    {
        "Accept", "Add", "Announce", "Arrive", "Block", "Create", "Delete", "Dislike",
        "Flag", "Follow", "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move",
        "Offer", "Question", "Reject", "Read", "Remove", "TentativeAccept",
        "TentativeReject", "Travel", "Undo", "Update", "View", "EmojiReact",
    }
)  # fmt: skip

# The object types a Create may bring that we store and show as a post. Anything else
# (Tombstone, Relationship, Profile, Place, Collection, an actor ...) is not a post: a Create
# of it is ignored with the reason recorded, never shown on a timeline.
POST_TYPES: Final = frozenset(
    {
        "Note", "Article", "Page", "Question", "Event", "Video", "Image", "Audio",
        "Document", "LearningResource",
    }
)  # fmt: skip


# Collections a Create may bring that we store, though they are not posts: training modules
# and learning journeys (domain/collections.py: an OrderedCollection with `orderedItems`).
# Any other collection (an outbox, a followers list) is still refused.
def is_stored_collection(doc: Any) -> bool:
    return collection_kind(doc) is not None


def types_of(value: Any) -> list[str]:
    """The type names of a `type` value: one string, or the strings of a list."""
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str) and item]
    return []


def has_type(doc: Any, *names: str) -> bool:
    """True when `doc` is a JSON object whose type (or one of whose types) is among `names`."""
    return isinstance(doc, dict) and any(t in names for t in types_of(doc.get("type")))


def activity_type(doc: dict[str, Any]) -> str | None:
    """The name an activity is handled under: the first type we know, else its first type."""
    names = types_of(doc.get("type"))
    return next((t for t in names if t in ACTIVITY_TYPES), names[0] if names else None)


def is_post_like(doc: Any) -> bool:
    """An object we store and show as a post (see POST_TYPES)."""
    return isinstance(doc, dict) and any(t in POST_TYPES for t in types_of(doc.get("type")))


def shown_type(doc: Any) -> str:
    """The type(s) of `doc` for a recorded reason, cut short."""
    names = types_of(doc.get("type")) if isinstance(doc, dict) else []
    return ("/".join(names) or "(untyped object)")[:80]
