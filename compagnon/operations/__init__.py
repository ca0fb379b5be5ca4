"""What the admin commands do, apart from parsing arguments: used by the CLI (and tests).

Each operation opens the database with the node's settings, does one thing in one transaction,
and returns plain data for the caller to print. Nothing here sends over the network, except
resolving a remote handle for `follow` (a signed GET): delivery stays with the worker.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.config import Settings
from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import LearningResource, normalised
from compagnon.federation import accounts
from compagnon.federation import social as social_actions
from compagnon.federation.context import FederationContext, SigningKey, open_context
from compagnon.federation.mentions import MentionError, no_recipient_message, resolve_mentions
from compagnon.federation.outbox import publish
from compagnon.federation.resolver import Resolver
from compagnon.federation.resource_convert import resource_from_document
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.urls import Urls
from compagnon.handover import records as handover_records
from compagnon.i18n import _
from compagnon.storage.db import create_engine, create_sessionmaker, hold_startup_lock
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import Actor, Object, Report
from compagnon.storage.queries import activities, deliveries, follows, peers
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries


class OperationError(Exception):
    """Something the admin asked cannot be done; the message says why."""


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.resolved_database_url)
    try:
        await upgrade(engine)
        sessions = create_sessionmaker(engine)
        async with sessions.begin() as session:
            await hold_startup_lock(session)  # a command starting beside the web processes
            await accounts.ensure_node_actors(session, Urls(settings.base_url), settings.node_name)
            await handover_records.remember_country(session, settings.country)  # OAI sets
        yield sessions
    finally:
        await engine.dispose()


@asynccontextmanager
async def federation(settings: Settings) -> AsyncIterator[FederationContext]:
    async with database(settings) as sessions:
        urls = Urls(settings.base_url)
        async with sessions() as session:
            instance = await actor_queries.by_uri(session, urls.instance_actor)
        assert instance is not None and instance.private_key_pem
        key = SigningKey(instance.public_key_id, instance.private_key_pem)
        async with open_context(settings, sessions, key) as ctx:
            yield ctx


@dataclass(frozen=True)
class CreatedUser:
    username: str
    password: str | None  # set when generated here, so it can be shown once
    actor_uri: str


async def create_user(
    settings: Settings, username: str, password: str | None, *, is_admin: bool = False
) -> CreatedUser:
    generated = password is None
    password = password if password is not None else secrets.token_urlsafe(12)
    async with database(settings) as sessions, sessions.begin() as session:
        try:
            user = await accounts.create_user(
                session, Urls(settings.base_url), username, password, is_admin=is_admin
            )
        except accounts.AccountError as exc:
            raise OperationError(str(exc)) from None
        actor = await session.get(Actor, user.actor_id)
        assert actor is not None
        return CreatedUser(user.username, password if generated else None, actor.uri)


async def list_users(settings: Settings) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await actor_queries.users_with_actors(session)
    return [
        {"username": u.username, "admin": u.is_admin, "role": u.role, "actor": a.uri}
        for u, a in rows
    ]


async def _local_actor(session: AsyncSession, username: str) -> Actor:
    actor = await actor_queries.local_by_username(session, username)
    if actor is None or actor.type == "Application":
        raise OperationError(_("no local account named {name!r}", name=username))
    return actor


async def post(settings: Settings, username: str, text: str, visibility: str) -> str:
    if visibility not in publish.VISIBILITIES:
        raise OperationError(_("visibility must be one of {v}", v=", ".join(publish.VISIBILITIES)))
    if not text.strip():
        raise OperationError(_("the post is empty"))
    async with federation(settings) as ctx:
        try:
            mentions = await resolve_mentions(Resolver(ctx), text)
        except MentionError as exc:
            raise OperationError(str(exc)) from None
        if visibility == "direct" and not mentions:
            raise OperationError(no_recipient_message())
        async with ctx.sessions.begin() as session:
            author = await _local_actor(session, username)
            obj = await publish.publish_note(
                session,
                ctx.urls,
                author,
                text_to_html(text, tags_base=ctx.urls.base),
                visibility=visibility,
                mentions=mentions,
                language=settings.language_list[0],
            )
            await social_actions.notify_local_post(session, obj, author, mentions)
            return obj.uri


def _checked(resource: LearningResource) -> LearningResource:
    """The resource in its canonical form, or an OperationError naming every mistake."""
    resource = normalised(resource)
    mistakes = problems(resource)
    if mistakes:
        raise OperationError("\n".join(mistakes))  # one line per mistaken field
    return resource


async def publish_resource(
    settings: Settings,
    username: str,
    resource: LearningResource,
    visibility: str,
    *,
    licence_checked: bool = False,
    warn: Callable[[str], None] | None = None,
) -> str:
    """Publish a resource of `username`. A remix or translation is checked against its
    sources' licences first (operations/lineage.py) and addressed to their authors too."""
    async with federation(settings) as ctx:
        return await publish_resource_in(
            ctx, username, resource, visibility, licence_checked=licence_checked, warn=warn
        )


async def publish_resource_in(
    ctx: FederationContext,
    username: str,
    resource: LearningResource,
    visibility: str,
    *,
    licence_checked: bool = False,
    warn: Callable[[str], None] | None = None,
) -> str:
    """`publish_resource` with the node's context already open (the web form runs it in the
    server's own)."""
    if visibility not in ("public", "unlisted", "followers"):
        raise OperationError(_("Choose who can see the resource."))
    resource = _checked(resource)
    authors = await _lineage_checked(ctx, resource, licence_checked, warn)
    async with ctx.sessions.begin() as session:
        author = await _local_actor(session, username)
        obj = await publish.publish_resource(
            session,
            ctx.urls,
            author,
            resource,
            visibility=visibility,
            sources_authors=authors,
        )
        return obj.uri


async def _lineage_checked(
    ctx: FederationContext,
    resource: LearningResource,
    licence_checked: bool,
    warn: Callable[[str], None] | None,
) -> list[Actor]:
    if not resource.sources:
        return []
    from compagnon.operations import lineage  # it imports what this module does

    try:
        return await lineage.check(ctx, resource, licence_checked=licence_checked, warn=warn)
    except lineage.LineageRefused as exc:
        raise OperationError(str(exc)) from None


async def _own_resource(session: AsyncSession, username: str, uri: str) -> tuple[Actor, Object]:
    author = await _local_actor(session, username)
    obj = await object_queries.by_uri(session, uri.strip())
    if obj is None or obj.deleted_at is not None or obj.type != "LearningResource":
        raise OperationError(_("There is no learning resource at {uri}.", uri=uri))
    if obj.actor_id != author.id or not obj.is_local or obj.raw is None:
        raise OperationError(_("{uri} is not a resource of {name}.", uri=uri, name=username))
    return author, obj


async def resource_of(settings: Settings, username: str, uri: str) -> LearningResource:
    """A published resource of `username`, as it stands."""
    async with database(settings) as sessions, sessions() as session:
        _author, obj = await _own_resource(session, username, uri)
        assert obj.raw is not None
        return resource_from_document(obj.raw)


async def edit_resource(
    settings: Settings,
    username: str,
    uri: str,
    change: Callable[[LearningResource], Any],
    *,
    licence_checked: bool = False,
    warn: Callable[[str], None] | None = None,
) -> str:
    """Edit a resource of `username`: `change` gets the resource as it stands and returns the
    new one; the Update is queued for everyone who can see it and every host that got it.
    When the edit changes the sources or the licence, the licence rule is checked again."""
    async with federation(settings) as ctx:
        return await edit_resource_in(
            ctx, username, uri, change, licence_checked=licence_checked, warn=warn
        )


async def edit_resource_in(
    ctx: FederationContext,
    username: str,
    uri: str,
    change: Callable[[LearningResource], Any],
    *,
    licence_checked: bool = False,
    warn: Callable[[str], None] | None = None,
) -> str:
    """`edit_resource` with the node's context already open (the web form's)."""
    async with ctx.sessions() as session:
        _author, obj = await _own_resource(session, username, uri)
        assert obj.raw is not None
        before = resource_from_document(obj.raw)
    resource = _checked(change(before))
    authors: list[Actor] = []
    if (resource.sources, resource.license) != (before.sources, before.license):
        authors = await _lineage_checked(ctx, resource, licence_checked, warn)
    async with ctx.sessions.begin() as session:
        author, obj = await _own_resource(session, username, uri)
        await publish.update_resource(session, ctx.urls, author, obj, resource, authors)
        return obj.uri


async def delete_resource(settings: Settings, username: str, uri: str) -> str:
    """Delete a resource of `username`: out of search at once, a Delete to every host that
    got it, and whatever was still queued for the others cancelled."""
    async with database(settings) as sessions:
        return await delete_resource_in(sessions, Urls(settings.base_url), username, uri)


async def delete_resource_in(
    sessions: async_sessionmaker[AsyncSession], urls: Urls, username: str, uri: str
) -> str:
    """`delete_resource` with the node's database already open (the web page's)."""
    async with sessions.begin() as session:
        author, obj = await _own_resource(session, username, uri)
        await publish.delete_note(session, urls, author, obj)
        return obj.uri


async def follow(settings: Settings, username: str, handle_or_url: str) -> str:
    async with federation(settings) as ctx:
        try:
            target = await Resolver(ctx).find(handle_or_url)
        except Exception as exc:
            raise OperationError(str(exc)) from None
        async with ctx.sessions.begin() as session:
            follower = await _local_actor(session, username)
            if target.id == follower.id:
                raise OperationError(_("an account cannot follow itself"))
            row = await publish.follow(session, ctx.urls, follower, target)
            return f"{row.state}: {follower.uri} → {target.uri}"


async def peer_list(settings: Settings) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await peers.all_peers(session)
    return [
        {
            "host": p.host,
            "blocked": p.blocked,
            "silenced": p.silenced,
            "unreachable": p.unreachable,
            "last_success_at": p.last_success_at,
            "note": p.note,
        }
        for p in rows
    ]


async def peer_block(settings: Settings, host: str, blocked: bool, note: str = "") -> None:
    async with database(settings) as sessions, sessions.begin() as session:
        await peers.set_blocked(session, host.strip().lower(), blocked, note)


async def delivery_report(settings: Settings, object_uri: str) -> list[dict[str, Any]]:
    async with database(settings) as sessions, sessions() as session:
        rows = await deliveries.for_object(session, object_uri)
    return [
        {
            "inbox": d.inbox,
            "state": d.state,
            "attempts": d.attempts,
            "last_status": d.last_status,
            "last_error": d.last_error,
            "next_attempt_at": d.next_attempt_at,
        }
        for d in rows
    ]


async def set_manual_approval(settings: Settings, username: str, manual: bool) -> None:
    async with database(settings) as sessions, sessions.begin() as session:
        actor = await _local_actor(session, username)
        actor.manually_approves_followers = manual


async def followers_of(settings: Settings, username: str) -> list[dict[str, str]]:
    """Everyone following `username`, pending requests first."""
    async with database(settings) as sessions, sessions() as session:
        actor = await _local_actor(session, username)
        pending = await follows.followers(session, actor.id, state="pending")
        accepted = await follows.followers(session, actor.id, state="accepted")
    return [
        {"state": "pending", "actor": a.uri, "handle": f"@{a.username}@{a.domain}"} for a in pending
    ] + [
        {"state": "accepted", "actor": a.uri, "handle": f"@{a.username}@{a.domain}"}
        for a in accepted
    ]


async def answer_follower(
    settings: Settings, username: str, follower_uri: str, *, accept: bool
) -> str:
    """Accept or reject a pending follow request; the answer is queued for the worker."""
    async with database(settings) as sessions, sessions.begin() as session:
        local = await _local_actor(session, username)
        follower = await actor_queries.by_uri(session, follower_uri)
        row = await follows.get(session, follower.id, local.id) if follower else None
        if follower is None or row is None or row.state != "pending":
            raise OperationError(_("no pending follow request from {uri}", uri=follower_uri))
        request = await activities.by_uri(session, row.activity_uri)
        follow_doc: Any = request.raw if request is not None else row.activity_uri
        await publish.answer_follow(
            session, Urls(settings.base_url), local, follower, follow_doc, accept=accept
        )
        if accept:
            row.state = "accepted"
        else:
            await follows.remove(session, follower.id, local.id)
        return f"{'accepted' if accept else 'rejected'}: {follower_uri}"


async def open_reports(settings: Settings) -> list[dict[str, Any]]:
    """Reports sent to this node's moderators that nobody has dealt with yet."""
    async with database(settings) as sessions, sessions() as session:
        rows = await session.execute(
            select(Report, Actor)
            .join(Actor, Actor.id == Report.reporter_id)
            .where(Report.resolved_at.is_(None))
            .order_by(Report.id)
        )
        return [
            {
                "id": r.id,
                "from": a.uri,
                "about": r.targets.get("uris", []),
                "comment": r.comment,
                "at": r.created_at,
            }
            for r, a in rows
        ]
