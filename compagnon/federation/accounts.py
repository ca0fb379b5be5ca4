"""Local actors and the users who own them: creation with keys, passwords."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.signing.signatures import generate_ed25519_keypair, generate_rsa_keypair
from compagnon.federation.urls import INSTANCE_USERNAME, Urls
from compagnon.storage.models import Actor, NodeFact, User
from compagnon.storage.queries import actors as actor_queries

USERNAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]{0,29}$")
RESERVED = frozenset({INSTANCE_USERNAME, "centre", "relay", "inbox", "actor", "nodeinfo"})
_hasher = PasswordHasher()


class AccountError(ValueError):
    """A username or password that cannot be used; the message tells the user why."""


def check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise AccountError(
            "usernames are 1-30 characters: lowercase letters, digits, _ . - "
            "(not starting with . or -)"
        )
    if name in RESERVED:
        raise AccountError(f"the username {name!r} is reserved")
    return name


async def create_local_actor(
    session: AsyncSession,
    urls: Urls,
    username: str,
    actor_type: str,
    name: str = "",
    summary: str = "",
) -> Actor:
    private_pem, public_pem = generate_rsa_keypair()
    uri = urls.instance_actor if username == INSTANCE_USERNAME else urls.actor(username)
    inbox = urls.shared_inbox if username == INSTANCE_USERNAME else urls.inbox(username)
    actor = Actor(
        uri=uri,
        type=actor_type,
        username=username,
        domain=urls.domain,
        is_local=True,
        name=name or username,
        summary=summary,
        inbox=inbox,
        outbox=urls.outbox(username),
        shared_inbox=urls.shared_inbox,
        followers_url=urls.followers(username),
        following_url=urls.following(username),
        url=urls.profile(username) if username != INSTANCE_USERNAME else uri,
        public_key_id=urls.key_id(uri),
        public_key_pem=public_pem,
        private_key_pem=private_pem,
        proof_private_key_pem=generate_ed25519_keypair()[0],
        manually_approves_followers=False,
    )
    session.add(actor)
    await session.flush()
    return actor


async def create_user(
    session: AsyncSession,
    urls: Urls,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    display_name: str = "",
) -> User:
    name = check_username(username)
    if len(password) < 8:
        raise AccountError("passwords need at least 8 characters")
    if await actor_queries.user_by_username(session, name) is not None:
        raise AccountError(f"a user named {name!r} exists already")
    if await actor_queries.local_by_username(session, name) is not None:
        raise AccountError(f"the name {name!r} is taken by another actor of this node")
    actor = await create_local_actor(session, urls, name, "Person", display_name)
    user = User(
        username=name, actor_id=actor.id, password_hash=_hasher.hash(password), is_admin=is_admin
    )
    session.add(user)
    await session.flush()
    return user


def hash_password(password: str) -> str:
    """argon2id, as every password of this node (argon2-cffi's defaults)."""
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def ensure_node_actors(session: AsyncSession, urls: Urls, centre_name: str) -> Actor:
    """The instance actor (signs fetches) and the centre's Organization actor; idempotent.
    Returns the instance actor."""
    known = await session.get(NodeFact, "instance_actor")
    if known is not None and known.value != urls.instance_actor:
        raise AccountError(
            f"this database belongs to the node {known.value.rsplit('/', 1)[0]}, not to "
            f"{urls.base}: set `domain` and `scheme` back, or use another database"
        )
    instance = await actor_queries.by_uri(session, urls.instance_actor)
    if instance is None:
        instance = await create_local_actor(
            session,
            urls,
            INSTANCE_USERNAME,
            "Application",
            centre_name,
            "The node itself: signs the requests it makes on behalf of everyone here.",
        )
        session.add(NodeFact(key="instance_actor", value=instance.uri))
    if await actor_queries.local_by_username(session, "centre") is None:
        await create_local_actor(session, urls, "centre", "Organization", centre_name)
    await _add_missing_proof_keys(session)
    return instance


async def _add_missing_proof_keys(session: AsyncSession) -> None:
    """Local actors made before integrity proofs existed get their Ed25519 key now."""
    result = await session.execute(
        select(Actor).where(Actor.is_local.is_(True), Actor.proof_private_key_pem.is_(None))
    )
    for actor in result.scalars():
        actor.proof_private_key_pem = generate_ed25519_keypair()[0]
