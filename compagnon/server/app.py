"""create_app(settings): wiring only. Lifetimes live in cleanup contexts, state in AppKeys."""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from compagnon import i18n
from compagnon.config import Settings
from compagnon.federation.accounts import ensure_node_actors
from compagnon.federation.blocklist import BlockList
from compagnon.federation.context import SigningKey, open_context
from compagnon.federation.inbox.rate_limit import HostRateLimiter
from compagnon.federation.inbox.writer import InboxWriter
from compagnon.federation.resolver import Resolver
from compagnon.handover import records as handover_records
from compagnon.media.stores import open_media_store
from compagnon.server import (
    auth,
    errors,
    gc_tuning,
    language,
    quiet_errors,
    security_headers,
    templating,
)
from compagnon.server.keys import (
    BLOCKED,
    CHANGES,
    ENGINE,
    FEDERATION,
    INBOX_RATE,
    INBOX_WRITER,
    MEDIA,
    RESOLVER,
    SECRET,
    SESSIONS,
    SETTINGS,
    SIGNIN_LIMITER,
    STOP,
    WORKER,
)
from compagnon.server.routes import add_routes
from compagnon.server.signin_limit import SignInLimiter
from compagnon.server.watch.middleware import watch_middleware
from compagnon.server.worker import Worker
from compagnon.storage.db import (
    create_engine,
    create_sessionmaker,
    hold_startup_lock,
    is_sqlite,
)
from compagnon.storage.migrate import upgrade
from compagnon.storage.models import NodeFact
from compagnon.storage.notify import ChangeListener
from compagnon.storage.queries import peers

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


def create_app(
    settings: Settings, *, worker_name: str | None = None, tune_gc: bool = False
) -> web.Application:
    """The node's web application. `tune_gc`: a process of its own that serves until it
    stops (`compagnon serve`, a web process), not a test: its collector is settled once
    started (gc_tuning.py)."""
    quiet_errors.install()  # malformed HTTP and lost clients: one INFO line, no trace
    app = web.Application(
        # Metrics see every request; then the language, so error pages are translated too.
        middlewares=[watch_middleware, language.language_middleware, errors.error_middleware],
        client_max_size=settings.max_body_bytes + 1,
    )
    app[SETTINGS] = settings
    app[STOP] = asyncio.Event()
    app[SIGNIN_LIMITER] = SignInLimiter(settings)  # in memory: see signin_limit.py
    app.on_response_prepare.append(auth.set_csrf_cookie)
    env = aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals["_"] = i18n._  # templates translate through the same function as the code
    env.globals["ngettext"] = i18n.ngettext
    templating.install(env)  # links through the URL rule, content warnings
    language.install(env)  # the footer's language switcher on every page
    security_headers.install(app)
    app.cleanup_ctx.append(_media)
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(_federation)
    app.cleanup_ctx.append(_inbox_writer)
    app.cleanup_ctx.append(lambda a: _worker(a, worker_name))
    app.cleanup_ctx.append(_change_listener)
    if tune_gc:
        app.cleanup_ctx.append(_settled)  # last: everything above is built
    add_routes(app)
    return app


async def _settled(_app: web.Application) -> AsyncIterator[None]:
    gc_tuning.settle()
    yield


async def _media(app: web.Application) -> AsyncIterator[None]:
    async with open_media_store(app[SETTINGS]) as store:
        app[MEDIA] = store
        yield


async def _database(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    engine = create_engine(settings.resolved_database_url)
    await upgrade(engine)
    app[ENGINE] = engine
    app[SESSIONS] = create_sessionmaker(engine)
    yield
    await engine.dispose()


async def _node_secret_and_key(app: web.Application) -> tuple[bytes, SigningKey]:
    settings = app[SETTINGS]
    from compagnon.federation.urls import Urls

    urls = Urls(settings.base_url)
    async with app[SESSIONS].begin() as session:
        await hold_startup_lock(session)  # N web processes make the node's rows once
        instance = await ensure_node_actors(session, urls, settings.node_name)
        await handover_records.remember_country(session, settings.country)  # OAI sets
        fact = await session.get(NodeFact, "secret")
        if fact is None:
            fact = NodeFact(key="secret", value=secrets.token_hex(32))
            session.add(fact)
        for host in settings.blocked_domain_list:
            await peers.set_blocked(session, host, True, "from settings")
    app[BLOCKED] = BlockList(app[SESSIONS])
    assert instance.private_key_pem is not None
    return bytes.fromhex(fact.value), SigningKey(instance.public_key_id, instance.private_key_pem)


async def _federation(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    secret, key = await _node_secret_and_key(app)
    app[SECRET] = secret
    async with open_context(settings, app[SESSIONS], key) as ctx:
        app[FEDERATION] = ctx
        app[RESOLVER] = Resolver(ctx)
        yield


async def _inbox_writer(app: web.Application) -> AsyncIterator[None]:
    writer = InboxWriter(app[SESSIONS])
    app[INBOX_WRITER] = writer
    settings = app[SETTINGS]
    app[INBOX_RATE] = HostRateLimiter(
        settings.inbox_rate_per_host, settings.inbox_rate_window, settings.inbox_rate_burst
    )
    yield
    await writer.stop()


async def _change_listener(app: web.Application) -> AsyncIterator[None]:
    """With PostgreSQL other processes may share the database: hear what they change."""
    url = app[SETTINGS].resolved_database_url
    if is_sqlite(url):
        yield
        return
    listener = ChangeListener(url)
    listener.on("peers", app[BLOCKED].changed)
    listener.on("peers", app[INBOX_WRITER].peers_changed)
    listener.on("actor-keys", app[FEDERATION].keys.changed)
    app[CHANGES] = listener
    stop = asyncio.Event()
    task = asyncio.create_task(listener.run(stop), name="change-listener")
    yield
    stop.set()
    await task


async def _worker(app: web.Application, name: str | None) -> AsyncIterator[None]:
    worker = Worker(app[FEDERATION], name=name)
    app[WORKER] = worker
    app[INBOX_WRITER].on_commit.append(worker.arrived)
    worker.on_unreachable.append(app[INBOX_WRITER].note_unreachable)
    task = None
    if app[SETTINGS].run_worker:
        task = asyncio.create_task(worker.run_forever(app[STOP]), name="worker")
    yield
    app[STOP].set()
    if task is not None:
        await task
