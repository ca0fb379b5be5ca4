"""@user@host mentions in the text of a post, found and resolved to actors.

One rule for every way a trainer writes (the web form and `compagnon post`): a word that
starts with `@` and holds exactly two `@` is a mention (trailing punctuation dropped). Handles
on this node are looked up in the database; others through WebFinger and a signed fetch
(`Resolver.find`). A mention that cannot be resolved stops the post, with a sentence that
says which one and why.
"""

from __future__ import annotations

from compagnon.federation.resolver import HANDLE_RE, ResolveError, Resolver
from compagnon.i18n import _, ngettext
from compagnon.storage.models import Actor
from compagnon.storage.queries import actors as actor_queries

TRAILING = ".,;:!?)»\"'"
MAX_MENTIONS = 20  # each one is a lookup, maybe a WebFinger request


def no_recipient_message() -> str:
    """Why a direct post without a resolvable mention is refused (translated when shown)."""
    return _("A direct post needs at least one @name@host mention of who should get it.")


class MentionError(Exception):
    """A mention that cannot be resolved; the message is for the person who wrote it."""


def mentioned_handles(text: str) -> list[str]:
    """The distinct `@user@host` words of `text`, in order."""
    found: list[str] = []
    for word in text.split():
        handle = word.rstrip(TRAILING)
        if handle.startswith("@") and handle.count("@") == 2 and handle not in found:
            found.append(handle)
    return found


async def resolve_mentions(resolver: Resolver, text: str) -> list[Actor]:
    """The actors mentioned in `text`; MentionError names the first that cannot be found."""
    handles = mentioned_handles(text)
    if len(handles) > MAX_MENTIONS:
        raise MentionError(
            ngettext(
                "Mention at most {n} person in one post.",
                "Mention at most {n} people in one post.",
                MAX_MENTIONS,
            )
        )
    ctx = resolver.ctx
    actors: list[Actor] = []
    for handle in handles:
        match = HANDLE_RE.match(handle)
        if match is None:
            raise MentionError(_("{handle} is not a handle like @name@host.", handle=handle))
        user, host = match.groups()
        if host.lower() == ctx.urls.domain.lower():
            # A trainer of this node: no need to ask ourselves over HTTP (the CLI may run
            # while the server is down).
            async with ctx.sessions() as session:
                local = await actor_queries.local_by_username(session, user.lower())
            if local is None or local.type == "Application":
                raise MentionError(_("Nobody is called {handle} on this node.", handle=handle))
            actors.append(local)
            continue
        try:
            actors.append(await resolver.find(handle))
        except ResolveError as exc:
            raise MentionError(
                _("Cannot find {handle}: {reason}", handle=handle, reason=str(exc))
            ) from None
    return list({a.id: a for a in actors}.values())
