"""OAuth scopes as Mastodon has them: `read`, `write`, `follow`, `push`, and sub-scopes such
as `read:statuses` that a top-level scope includes. An endpoint names the sub-scope it needs;
a token holding it, or its top-level scope, may call it."""

from __future__ import annotations

TOP = ("read", "write", "follow", "push", "profile")
SUB = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
}
# The old `follow` scope: what it covered before sub-scopes existed.
FOLLOW_COVERS = (
    "read:follows",
    "write:follows",
    "read:blocks",
    "write:blocks",
    "read:mutes",
    "write:mutes",
)
KNOWN = frozenset([*TOP, *(f"{top}:{sub}" for top, subs in SUB.items() for sub in subs)])


def parse(text: str) -> list[str] | None:
    """The scopes of a space-separated list (default `read`), or None when one is unknown."""
    names = [s for s in text.replace("+", " ").split() if s] or ["read"]
    if any(name not in KNOWN for name in names):
        return None
    return list(dict.fromkeys(names))


def covers(held: str, needed: str) -> bool:
    """Whether the scopes `held` (space-separated) allow an endpoint needing `needed`."""
    names = set(held.split())
    if needed in names:
        return True
    top = needed.split(":", 1)[0]
    if top in names:
        return True
    return "follow" in names and needed in FOLLOW_COVERS


def within(asked: list[str], allowed: str) -> bool:
    """Whether every scope `asked` is one the app registered (or covered by one of them)."""
    return all(covers(allowed, name) for name in asked)
