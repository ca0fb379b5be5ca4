"""The sign-in of phone apps (server/api/oauth.py): registered apps, one-use authorization
codes and access tokens. Every secret is handed out once and kept only as its SHA-256."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.storage.models import OAuthApp, OAuthCode, OAuthToken, User, utcnow
from compagnon.storage.queries import push

CODE_LIFETIME = timedelta(minutes=10)


def sha256(secret: str) -> str:
    # A header's bytes that are not UTF-8 arrive as surrogates: hashed as they came, they
    # match no secret (a 401), rather than failing to encode.
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


async def register_app(
    session: AsyncSession, name: str, redirect_uris: list[str], scopes: str, website: str | None
) -> tuple[OAuthApp, str]:
    """A new app and its client secret (the only time the secret is seen)."""
    secret = secrets.token_urlsafe(32)
    app = OAuthApp(
        name=name,
        website=website,
        client_id=secrets.token_urlsafe(32),
        client_secret_sha256=sha256(secret),
        redirect_uris="\n".join(redirect_uris),
        scopes=scopes,
    )
    session.add(app)
    await session.flush()
    return app, secret


async def app_by_client_id(session: AsyncSession, client_id: str) -> OAuthApp | None:
    return await session.scalar(select(OAuthApp).where(OAuthApp.client_id == client_id[:64]))


async def issue_code(
    session: AsyncSession,
    app: OAuthApp,
    user: User,
    redirect_uri: str,
    scopes: str,
    code_challenge: str | None,
) -> str:
    code = secrets.token_urlsafe(32)
    session.add(
        OAuthCode(
            code_sha256=sha256(code),
            app_id=app.id,
            user_id=user.id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            code_challenge=code_challenge,
            expires_at=utcnow() + CODE_LIFETIME,
        )
    )
    await session.flush()
    return code


async def take_code(
    session: AsyncSession, code: str, now: datetime | None = None
) -> OAuthCode | None:
    """The unused, unexpired code, now used (a code works once)."""
    row = await session.scalar(select(OAuthCode).where(OAuthCode.code_sha256 == sha256(code)))
    now = now or utcnow()
    if row is None or row.used_at is not None or row.expires_at < now:
        return None
    row.used_at = now
    return row


async def issue_token(
    session: AsyncSession, app_id: int, user_id: int | None, scopes: str
) -> tuple[OAuthToken, str]:
    token = secrets.token_urlsafe(32)
    row = OAuthToken(token_sha256=sha256(token), app_id=app_id, user_id=user_id, scopes=scopes)
    session.add(row)
    await session.flush()
    return row, token


async def token_by_secret(session: AsyncSession, token: str) -> OAuthToken | None:
    row = await session.scalar(
        select(OAuthToken).where(OAuthToken.token_sha256 == sha256(token[:512]))
    )
    if row is None or row.revoked_at is not None:
        return None
    return row


async def revoke(session: AsyncSession, token: str, app_id: int) -> bool:
    result = await session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.token_sha256 == sha256(token[:512]),
            OAuthToken.app_id == app_id,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    await push.drop_revoked(session)  # a revoked token's app hears nothing more
    return bool(getattr(result, "rowcount", 0))


async def authorised_apps(session: AsyncSession, user_id: int) -> list[tuple[OAuthApp, datetime]]:
    """The apps holding a live token of `user_id`, with when the newest was given."""
    rows = await session.execute(
        select(OAuthApp, OAuthToken.created_at)
        .join(OAuthToken, OAuthToken.app_id == OAuthApp.id)
        .where(OAuthToken.user_id == user_id, OAuthToken.revoked_at.is_(None))
        .order_by(OAuthToken.created_at.desc())
    )
    seen: dict[int, tuple[OAuthApp, datetime]] = {}
    for app, when in rows:
        seen.setdefault(app.id, (app, when))
    return list(seen.values())


async def revoke_app(session: AsyncSession, user_id: int, app_id: int) -> int:
    """Every token `user_id` gave the app, revoked; how many."""
    result = await session.execute(
        update(OAuthToken)
        .where(
            OAuthToken.user_id == user_id,
            OAuthToken.app_id == app_id,
            OAuthToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    await push.drop_revoked(session)
    return int(getattr(result, "rowcount", 0) or 0)
