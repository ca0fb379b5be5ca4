"""Typed application keys: what the server keeps for the lifetime of the app."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from compagnon.config import Settings
from compagnon.federation.blocklist import BlockList
from compagnon.federation.context import FederationContext
from compagnon.federation.inbox.rate_limit import HostRateLimiter
from compagnon.federation.inbox.writer import InboxWriter
from compagnon.federation.resolver import Resolver
from compagnon.media.store import MediaStore
from compagnon.server.signin_limit import SignInLimiter
from compagnon.server.worker import Worker
from compagnon.storage.notify import ChangeListener

SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker[AsyncSession])
FEDERATION = web.AppKey("federation", FederationContext)
RESOLVER = web.AppKey("resolver", Resolver)
INBOX_WRITER = web.AppKey("inbox_writer", InboxWriter)
INBOX_RATE = web.AppKey("inbox_rate", HostRateLimiter)  # inbound activities per remote host
WORKER = web.AppKey("worker", Worker)
STOP = web.AppKey("stop", asyncio.Event)
SECRET = web.AppKey("secret", bytes)
BLOCKED = web.AppKey("blocked", BlockList)
SIGNIN_LIMITER = web.AppKey("signin_limiter", SignInLimiter)
MEDIA = web.AppKey("media", MediaStore)  # type: ignore[type-abstract]
# Hears what other processes sharing the PostgreSQL database change (absent on SQLite).
CHANGES = web.AppKey("changes", ChangeListener)
