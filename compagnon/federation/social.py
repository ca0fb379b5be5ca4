"""What a trainer does to posts and people, in the caller's transaction, for the web pages
and the CLI alike: like, share and their undo, reply, report, and the notifications these and
received activities create (storage/queries/notifications.py: notify).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.convert import wrap
from compagnon.federation.ingest import Stored
from compagnon.federation.jsonld import AS_PUBLIC, ids
from compagnon.federation.lineage import sources_in
from compagnon.federation.outbox import publish
from compagnon.federation.urls import Urls
from compagnon.storage.models import Actor, Notification, Object, Reaction, Report
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries.notifications import notify, notify_many

REACTIONS = {"like": "Like", "share": "Announce"}
STORED_KIND = {"like": "like", "share": "announce"}


async def my_reactions(
    session: AsyncSession, actor_id: int, uris: Sequence[str]
) -> set[tuple[str, str]]:
    """(kind, object uri) of what `actor_id` liked or shared among `uris`."""
    if not uris:
        return set()
    rows = await session.execute(
        select(Reaction.kind, Reaction.object_uri).where(
            Reaction.actor_id == actor_id, Reaction.object_uri.in_(list(uris))
        )
    )
    back = {v: k for k, v in STORED_KIND.items()}
    return {(back.get(kind, kind), uri) for kind, uri in rows}


async def react(
    session: AsyncSession, urls: Urls, actor: Actor, kind: str, obj: Object, author: Actor
) -> bool:
    """Like or share `obj` once (False when already done): the activity goes out, the
    reaction is kept here (so it can be undone and the page shows it), and a local author is
    told."""
    stored = STORED_KIND[kind]
    held = await session.scalar(
        select(Reaction.id).where(
            Reaction.actor_id == actor.id, Reaction.object_uri == obj.uri, Reaction.kind == stored
        )
    )
    if held is not None:
        return False
    activity = await publish.react(session, urls, actor, REACTIONS[kind], obj, author)
    session.add(
        Reaction(kind=stored, actor_id=actor.id, object_uri=obj.uri, activity_uri=activity.uri)
    )
    if author.is_local:
        await notify(session, author.id, kind, actor, obj.uri)
    return True


async def undo(
    session: AsyncSession, urls: Urls, actor: Actor, kind: str, obj: Object, author: Actor
) -> bool:
    """Take back a like or a share: an Undo of the original activity to whoever got it."""
    stored = STORED_KIND[kind]
    row = await session.scalar(
        select(Reaction).where(
            Reaction.actor_id == actor.id, Reaction.object_uri == obj.uri, Reaction.kind == stored
        )
    )
    if row is None:
        return False
    await session.execute(delete(Reaction).where(Reaction.id == row.id))
    original = {
        "id": row.activity_uri,
        "type": REACTIONS[kind],
        "actor": actor.uri,
        "object": obj.uri,
    }
    recipients = (
        {"to": [author.uri], "cc": []}
        if kind == "like"
        else {"to": [AS_PUBLIC], "cc": [actor.followers_url, author.uri]}
    )
    doc = wrap("Undo", urls.new_activity(), actor.uri, original, recipients)
    await publish.send(session, actor, doc, addressed=recipients["to"] + recipients["cc"])
    return True


async def notify_local_post(
    session: AsyncSession, obj: Object, author: Actor, mentions: Sequence[Actor]
) -> None:
    """A local post: its local addressees hear of it (a reply to their post, or a mention)."""
    parent_author_id: int | None = None
    if obj.in_reply_to:
        parent = await session.scalar(select(Object).where(Object.uri == obj.in_reply_to))
        if parent is not None and parent.is_local:
            parent_author_id = parent.actor_id
            await notify(session, parent.actor_id, "reply", author, obj.uri)
    for mentioned in mentions:
        if mentioned.is_local and mentioned.id != parent_author_id:
            await notify(session, mentioned.id, "mention", author, obj.uri)


async def notify_created(session: AsyncSession, stored: Sequence[Stored]) -> None:
    """Received posts: a reply to a local post tells its author; a post addressing a local
    actor tells them (a mention); a new post of an account a local follower rings the bell
    for tells that follower (`status`, `_new_posts`). A few SELECTs and one INSERT for the
    batch."""
    parents = {d for s in stored if isinstance(d := s.doc.get("inReplyTo"), str)}
    addressed = {uri for s in stored for uri in ids(s.doc.get("to")) + ids(s.doc.get("cc"))}
    local_parents: dict[str, int] = {}
    if parents:
        rows = await session.execute(
            select(Object.uri, Object.actor_id).where(
                Object.uri.in_(list(parents)), Object.is_local.is_(True)
            )
        )
        local_parents = {uri: actor_id for uri, actor_id in rows}
    local_actors = await actor_queries.local_ids_by_uris(session, addressed)
    new_posts = await _new_posts(session, stored)
    remixed = await _told_of_remixes(session, [s.uri for s in stored if sources_in(s.doc)])
    notifications: list[tuple[int, str, int | None, str | None]] = []
    for s in stored:
        told: set[int] = set(remixed.get(s.uri, ()))  # the source's author: "remixed your …"
        parent_author = local_parents.get(str(s.doc.get("inReplyTo")))
        if parent_author is not None:
            notifications.append((parent_author, "reply", s.sender_id, s.uri))
            told.add(parent_author)
        for uri in ids(s.doc.get("to")) + ids(s.doc.get("cc")):
            actor_id = local_actors.get(uri)
            if actor_id is not None and actor_id not in told:
                notifications.append((actor_id, "mention", s.sender_id, s.uri))
                told.add(actor_id)
        # One notification a post: who was replied to or mentioned already heard of it.
        for follower_id in new_posts.get(s.id, ()):
            if follower_id not in told:
                notifications.append((follower_id, "status", s.sender_id, s.uri))
    await notify_many(session, notifications)  # one INSERT for the batch


async def _told_of_remixes(session: AsyncSession, uris: list[str]) -> dict[str, set[int]]:
    """{object URI: local authors already told that it remixes or translates their resource}
    (federation/lineage.py, on storing it): a remix addresses its sources' authors, who would
    otherwise hear of it twice, as a remix and as a mention. Only derivatives are asked
    about: a batch of plain posts costs no statement."""
    if not uris:
        return {}
    rows = await session.execute(
        select(Notification.object_uri, Notification.recipient_id).where(
            Notification.kind == "remix", Notification.object_uri.in_(uris)
        )
    )
    found: dict[str, set[int]] = {}
    for uri, recipient_id in rows:
        if uri is not None:
            found.setdefault(uri, set()).add(recipient_id)
    return found


async def _new_posts(session: AsyncSession, stored: Sequence[Stored]) -> dict[int, list[int]]:
    """{object id: the local followers to tell of it} among received posts: as Mastodon, an
    original post (or its author's reply to themselves: a thread) that reaches followers
    (not a direct message), told to the followers who asked (follows.notify). A reply to
    someone else, or to a post not held here, tells no one. One SELECT when nobody asked."""
    wanted = await follow_queries.notified_followers(session, {s.sender_id for s in stored})
    candidates = [s for s in stored if s.sender_id in wanted]
    if not candidates:
        return {}
    rows = await session.execute(
        select(Object.id, Object.visibility, Object.in_reply_to).where(
            Object.id.in_([s.id for s in candidates])
        )
    )
    columns = {object_id: (visibility, parent) for object_id, visibility, parent in rows}
    parents = {parent for _visibility, parent in columns.values() if parent}
    parent_authors: dict[str, int] = {}
    if parents:
        found = await session.execute(
            select(Object.uri, Object.actor_id).where(Object.uri.in_(list(parents)))
        )
        parent_authors = {uri: actor_id for uri, actor_id in found}
    told: dict[int, list[int]] = {}
    for s in candidates:
        visibility, parent = columns.get(s.id, ("direct", None))
        if visibility == "direct":
            continue
        if parent and parent_authors.get(parent) != s.sender_id:
            continue
        told[s.id] = wanted[s.sender_id]
    return told


async def notify_reaction(session: AsyncSession, kind: str, sender: Actor, target_uri: str) -> None:
    """A received like or share of a local object tells its author."""
    author_id = await session.scalar(
        select(Object.actor_id).where(Object.uri == target_uri, Object.is_local.is_(True))
    )
    if author_id is not None:
        await notify(session, author_id, kind, sender, target_uri)


async def report(
    session: AsyncSession,
    urls: Urls,
    reporter: Actor,
    obj: Object,
    author: Actor,
    comment: str,
    *,
    forward: bool,
) -> Report:
    """Report a post to this node's moderators (a Report row, their queue) and, when the
    reporter chooses and the post is remote, to its origin node (a Flag sent by the instance
    actor, so the reporter stays anonymous there)."""
    activity_uri = urls.new_activity()
    if forward and not author.is_local:
        instance = await actor_queries.by_uri(session, urls.instance_actor)
        if instance is not None:
            flag = await publish.report(session, urls, instance, author, [obj.uri], comment)
            activity_uri = flag.uri
    row = Report(
        activity_uri=activity_uri,
        reporter_id=reporter.id,
        targets={"uris": [author.uri, obj.uri]},
        comment=comment,
    )
    session.add(row)
    await session.flush()
    return row
