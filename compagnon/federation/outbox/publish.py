"""Publishing: the object, its activity and one Delivery row per unique inbox, written in the
caller's transaction. Nothing here sends: the worker does, from the rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.domain.resources import LearningResource
from compagnon.federation import hashtags
from compagnon.federation.convert import addressing, to_note, wrap
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.lineage import record as record_lineage
from compagnon.federation.outbox import centre as centre_announces
from compagnon.federation.outbox.recipients import inbox_for, inboxes
from compagnon.federation.resource_convert import to_resource_object
from compagnon.federation.search_index import forget, index_stored
from compagnon.federation.signing.integrity import signed_activity
from compagnon.federation.urls import Urls
from compagnon.storage.models import Activity, Actor, Follow, Object, utcnow
from compagnon.storage.queries import activities, deliveries, notifications, status_edits
from compagnon.storage.queries import follows as follow_queries
from compagnon.storage.queries import objects as object_queries

VISIBILITIES = ("public", "unlisted", "followers", "direct")


async def send(
    session: AsyncSession,
    sender: Actor,
    doc: dict[str, Any],
    *,
    addressed: list[str] | None = None,
    extra_inboxes: list[str] | None = None,
    object_uri: str | None = None,
) -> Activity:
    """Store a local activity, with its actor's integrity proof, and queue it for every inbox
    its addressing reaches."""
    doc = signed_activity(doc, sender)
    obj = doc.get("object")
    target = obj.get("id") if isinstance(obj, dict) else obj
    activity = await activities.add_local(
        session,
        doc["id"],
        doc["type"],
        sender.uri,
        target if isinstance(target, str) else None,
        doc,
    )
    found = await inboxes(session, sender, addressed or []) if addressed else []
    targets = [*found, *(extra_inboxes or [])]
    await deliveries.supersede_updates(session, activity, targets)
    await deliveries.enqueue(session, activity.id, targets, object_uri)
    return activity


async def reach_local_readers(
    session: AsyncSession, obj: Object, author: Actor, addressees: list[int]
) -> None:
    """A new local object reaches its readers here, who get no HTTP delivery (recipients.py):
    its author's, its local addressees' (`addressees`: mentioned, or a source's author) and,
    unless it is a direct message, its author's local followers' home timelines, as a
    peer's post reaches them (federation/ingest.py). The followers who asked to be told of
    the author's new posts (follows.notify) get a `status` notification when it is an
    original post or the author's reply to themselves (Mastodon's rule); an addressee hears
    of it as a mention or a reply instead (federation/social.py: notify_local_post)."""
    readers = [author.id, *addressees]
    if obj.visibility != "direct":
        readers += await follow_queries.local_followers_of(session, author.id)
    await object_queries.push_to_timelines(session, obj.id, list(dict.fromkeys(readers)))
    if obj.visibility == "direct":
        return
    wanted = (await follow_queries.notified_followers(session, [author.id])).get(author.id, [])
    if not wanted:
        return
    if obj.in_reply_to:
        parent_author = await session.scalar(
            select(Object.actor_id).where(Object.uri == obj.in_reply_to)
        )
        if parent_author != author.id:
            return  # a reply to someone else is no news to the author's followers
    for follower_id in wanted:
        if follower_id not in addressees:
            await notifications.notify(session, follower_id, "status", author, obj.uri)


async def new_local_object(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    kind: str,
    visibility: str,
    recipients: dict[str, Any],
    **fields: Any,
) -> Object:
    """A new object of ours (a post, a resource, a question, an event, a module ...) at a new
    URL, published now unless `published` is given; the caller builds its document."""
    return await object_queries.add(
        session,
        uri=urls.new_object(),
        type=kind,
        actor_id=author.id,
        is_local=True,
        visibility=visibility,
        recipients=recipients,
        **{"published": utcnow(), **fields},
    )


def mention_tags(mentions: list[Actor]) -> list[dict[str, str]]:
    return [
        {"type": "Mention", "href": m.uri, "name": f"@{m.username}@{m.domain}"} for m in mentions
    ]


async def publish_note(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    content_html: str,
    *,
    visibility: str = "public",
    mentions: list[Actor] | None = None,
    language: str | None = None,
    in_reply_to: str | None = None,
    summary: str = "",
    attachments: list[dict[str, Any]] | None = None,
) -> Object:
    """A new Note, sent. Its hashtags are the links `sanitize.text_to_html(text,
    tags_base=urls.base)` wrote into `content_html` (federation/hashtags.py), kept in
    `recipients["tag"]` beside the mentions. `summary` is a content warning (plain text, as
    Mastodon's spoiler_text), empty for none; `attachments` are files stored here, as AS2
    `Document`s whose `name` is the alt text (as Mastodon sends them)."""
    if visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    mentions = mentions or []
    recipients: dict[str, Any] = addressing(
        visibility, author.followers_url, [m.uri for m in mentions]
    )
    recipients["tag"] = mention_tags(mentions) + hashtags.tags_in(content_html, urls.base)
    obj = await new_local_object(
        session,
        urls,
        author,
        "Note",
        visibility,
        recipients,
        content=content_html,
        language=language,
        in_reply_to=in_reply_to,
        summary=summary,
    )
    if attachments:
        obj.raw = {"attachment": attachments}  # what to_note carries on, edits included
    note = to_note(obj, author)
    obj.raw = note
    create = wrap("Create", urls.new_activity(), author.uri, note, recipients)
    await send(
        session, author, create, addressed=recipients["to"] + recipients["cc"], object_uri=obj.uri
    )
    await reach_local_readers(session, obj, author, [m.id for m in mentions if m.is_local])
    return obj


async def update_note(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    obj: Object,
    content_html: str,
    *,
    summary: str | None = None,
    language: str | None = None,
    sensitive: bool | None = None,
) -> Object:
    """Edit: the new version goes to every inbox the object's addressing reaches now, and to
    every host that got the original. Its hashtags are read again from `content_html` (an
    edit that drops a tag takes the post off that tag's page). `summary` (the content
    warning), `language` and `sensitive` change when given (the client API edits them) and
    stay as they were when None (the web form and the CLI edit the text only)."""
    was_sensitive = (obj.raw or {}).get("sensitive") is True
    now_sensitive = was_sensitive if sensitive is None else sensitive
    new = status_edits.Version(
        content_html, obj.summary if summary is None else summary, obj.name or "", now_sensitive
    )
    await status_edits.keep_version(session, obj, new)  # the version replaced, for /history
    obj.content = content_html
    kept = hashtags.without_hashtags(obj.recipients.get("tag"))  # the mentions stay
    obj.recipients = {**obj.recipients, "tag": kept + hashtags.tags_in(content_html, urls.base)}
    if summary is not None:
        obj.summary = summary
    if language is not None:
        obj.language = language
    obj.updated = utcnow()
    note = to_note(obj, author)
    note["sensitive"] = now_sensitive
    obj.raw = note
    await notifications.notify_edited(session, obj.uri, author.id)
    await refresh_create(session, author, obj.uri, note)
    update = wrap("Update", urls.new_activity(), author.uri, note, obj.recipients)
    received = await deliveries.inboxes_that_received(session, obj.uri)
    await send(
        session,
        author,
        update,
        addressed=obj.recipients.get("to", []) + obj.recipients.get("cc", []),
        extra_inboxes=received,
        object_uri=obj.uri,
    )
    return obj


async def delete_note(session: AsyncSession, urls: Urls, author: Actor, obj: Object) -> None:
    """Delete: a Tombstone goes only to the hosts that received the object; what was still
    queued for the others is cancelled, so they never see it at all."""
    received = await deliveries.inboxes_that_received(session, obj.uri)
    # The centre's followers may hold it from the centre's outbox without a delivery.
    received += await centre_announces.follower_inboxes(session, obj, author)
    await deliveries.cancel_pending_for_object(session, obj.uri)
    await forget(session, [obj])
    obj.deleted_at = utcnow()
    obj.content = ""
    obj.summary = ""
    tombstone = {"id": obj.uri, "type": "Tombstone", "formerType": obj.type}
    delete = wrap("Delete", urls.new_activity(), author.uri, tombstone, obj.recipients)
    await send(session, author, delete, extra_inboxes=sorted(set(received)), object_uri=None)


async def follow(session: AsyncSession, urls: Urls, follower: Actor, followee: Actor) -> Follow:
    activity_uri = urls.new_activity()
    state = "accepted" if followee.is_local else "pending"
    row = await follow_queries.upsert(session, follower.id, followee.id, activity_uri, state)
    if not followee.is_local:
        doc = wrap("Follow", activity_uri, follower.uri, followee.uri, {"to": [followee.uri]})
        await send(session, follower, doc, extra_inboxes=[followee.inbox])
    return row


async def unfollow(session: AsyncSession, urls: Urls, follower: Actor, followee: Actor) -> bool:
    row = await follow_queries.get(session, follower.id, followee.id)
    if row is None:
        return False
    await follow_queries.remove(session, follower.id, followee.id)
    # A later follow starts afresh, shares shown (as on Mastodon, where the choice is the
    # follow's own).
    follow_queries.set_showing_reblogs(follower, followee.id, True)
    if not followee.is_local:
        original = wrap("Follow", row.activity_uri, follower.uri, followee.uri)
        original.pop("@context")
        undo = wrap("Undo", urls.new_activity(), follower.uri, original, {"to": [followee.uri]})
        await send(session, follower, undo, extra_inboxes=[followee.inbox])
    return True


async def answer_follow(
    session: AsyncSession,
    urls: Urls,
    local: Actor,
    follower: Actor,
    follow_doc: Any,
    *,
    accept: bool,
) -> None:
    """Accept or Reject a Follow we received, echoing the Follow as its object."""
    kind = "Accept" if accept else "Reject"
    doc = wrap(kind, urls.new_activity(), local.uri, follow_doc, {"to": [follower.uri]})
    await send(session, local, doc, extra_inboxes=[inbox_for(follower)])


async def react(
    session: AsyncSession, urls: Urls, actor: Actor, kind: str, obj: Object, author: Actor
) -> Activity:
    """Like or Announce (boost) someone's object. A Like goes to the author; an Announce to
    our followers and the author, addressed publicly as Mastodon does."""
    if kind not in ("Like", "Announce"):
        raise ValueError("kind must be Like or Announce")
    recipients = (
        {"to": [author.uri], "cc": []}
        if kind == "Like"
        else {"to": [AS_PUBLIC], "cc": [actor.followers_url, author.uri]}
    )
    doc = wrap(kind, urls.new_activity(), actor.uri, obj.uri, recipients)
    return await send(session, actor, doc, addressed=recipients["to"] + recipients["cc"])


async def publish_resource(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    resource: LearningResource,
    *,
    visibility: str = "public",
    sources_authors: list[Actor] | None = None,
) -> Object:
    """A learning resource, published like a post: one object Mastodon shows in full, with
    its educational metadata riding along (resource_convert.py). `resource` is valid and
    normalised (domain/resources.py: `normalised`, `problems`). A remix or translation is
    also addressed to its sources' authors (`sources_authors`, as Mastodon addresses a reply
    to the replied-to author), so their nodes hear of it even if they follow nobody here."""
    authors = [a for a in sources_authors or [] if a.id != author.id]
    recipients: dict[str, Any] = addressing(
        visibility, author.followers_url, list(dict.fromkeys(a.uri for a in authors))
    )
    obj = await new_local_object(session, urls, author, "LearningResource", visibility, recipients)
    doc = _store_resource(obj, urls, author, resource)
    await index_stored(session, [obj])
    await record_lineage(session, [(obj.id, doc)], fresh=True)
    create = wrap("Create", urls.new_activity(), author.uri, doc, recipients)
    await send(
        session, author, create, addressed=recipients["to"] + recipients["cc"], object_uri=obj.uri
    )
    # Following the centre brings its whole catalogue: the centre announces the resource.
    await centre_announces.announce_resource(session, urls, obj, author, doc)
    await reach_local_readers(session, obj, author, [a.id for a in authors if a.is_local])
    return obj


def _store_resource(
    obj: Object, urls: Urls, author: Actor, resource: LearningResource
) -> dict[str, Any]:
    """Write the resource's wire object, and the columns pages and lists read, into `obj`."""
    recipients = {"to": obj.recipients.get("to", []), "cc": obj.recipients.get("cc", [])}
    obj.recipients = recipients
    doc = to_resource_object(resource, obj, author, urls.base, publisher=urls.actor("centre"))
    obj.name = resource.title
    obj.summary = resource.description  # a column of ours for lists; not sent as `summary`
    obj.language = resource.language
    obj.url = resource.url or None
    obj.content = doc["content"]
    obj.recipients = {**recipients, "tag": doc["tag"]}
    obj.raw = doc
    return doc


async def refresh_create(
    session: AsyncSession, author: Actor, object_uri: str, doc: dict[str, Any]
) -> None:
    """An edited object's Create carries the current version, with a fresh proof (the old one
    no longer matches): deliveries of it still queued (a peer that was down, or one the Update
    overtakes and which ignores an Update of a post it does not hold) bring the edited text,
    not the first one; and the outbox, which catalogue sync walks, serves it as Mastodon's
    shows the current status."""
    create = await activities.local_create_of(session, object_uri)
    if create is not None:
        fresh = {k: v for k, v in create.raw.items() if k != "proof"}
        create.raw = signed_activity({**fresh, "object": doc}, author)


async def _send_create_to(
    session: AsyncSession, author: Actor, obj: Object, readers: list[Actor]
) -> None:
    """Queue the object's stored Create (current version) for these actors too: remote ones
    by their inbox, local ones in their home timeline."""
    create = await activities.local_create_of(session, obj.uri)
    if create is not None:
        remote = [a.uri for a in readers if not a.is_local]
        found = await inboxes(session, author, remote) if remote else []
        await deliveries.enqueue(session, create.id, found, obj.uri)
    local = [a.id for a in readers if a.is_local]
    if local:
        await object_queries.push_to_timelines(session, obj.id, local)


async def update_resource(
    session: AsyncSession,
    urls: Urls,
    author: Actor,
    obj: Object,
    resource: LearningResource,
    sources_authors: list[Actor] | None = None,
) -> Object:
    """Edit a resource: the new description replaces the old one in the search index, and the
    Update goes to every inbox the addressing reaches now and every host that got it. The
    authors of sources the edit names (`sources_authors`) are addressed from now on. The
    version replaced is kept (status_edits) when its text, title or description changed, for
    the versions page and the API's history, as a post's."""
    before = status_edits.held(obj)
    obj.updated = utcnow()
    cc = obj.recipients.get("cc", [])
    added = [a.uri for a in sources_authors or [] if a.id != author.id and a.uri not in cc]
    if added:
        obj.recipients = {**obj.recipients, "cc": [*cc, *dict.fromkeys(added)]}
    doc = _store_resource(obj, urls, author, resource)
    await status_edits.keep(session, obj.id, before, status_edits.version_of(obj))
    await index_stored(session, [obj])
    await record_lineage(session, [(obj.id, doc)])
    recipients = {"to": obj.recipients.get("to", []), "cc": obj.recipients.get("cc", [])}
    update = wrap("Update", urls.new_activity(), author.uri, doc, recipients)
    await refresh_create(session, author, obj.uri, doc)
    await centre_announces.refresh_announce(session, obj.uri, doc)
    if added:  # they never got the resource: an Update of it would be ignored there
        await _send_create_to(
            session, author, obj, [a for a in sources_authors or [] if a.uri in added]
        )
    received = await deliveries.inboxes_that_received(session, obj.uri)
    received += await centre_announces.follower_inboxes(session, obj, author)
    await send(
        session,
        author,
        update,
        addressed=recipients["to"] + recipients["cc"],
        extra_inboxes=sorted(set(received)),
        object_uri=obj.uri,
    )
    return obj


async def report(
    session: AsyncSession,
    urls: Urls,
    instance: Actor,
    account: Actor,
    object_uris: list[str],
    comment: str,
) -> Activity:
    """Report a remote account (and some of its posts) to its server's moderators. Sent by
    the instance actor, as Mastodon does, so the reporter stays anonymous to them."""
    doc = wrap(
        "Flag",
        urls.new_activity(),
        instance.uri,
        [account.uri, *object_uris],
        {"to": [account.uri]},
    )
    doc["content"] = comment
    return await send(session, instance, doc, extra_inboxes=[inbox_for(account)])
