"""Processes of one node starting at the same moment on a fresh PostgreSQL database (gunicorn
forks its web processes together; workers on other machines start beside them): each one
migrates and makes the node's own rows (instance actor, secret) in turn, so none fails on a
unique key and all sign with the same secret. Unserialised, the second process died at
boot about one start in ten, and gunicorn then stopped the whole cluster."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from pathlib import Path

import pytest
from aiohttp import web

from compagnon import operations
from compagnon.config import Settings
from compagnon.server.app import create_app
from compagnon.server.keys import SECRET
from tests.support.databases import fresh_database

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL"), reason="several processes need PostgreSQL"
)


async def test_processes_starting_together_make_the_node_once(tmp_path: Path) -> None:
    async with fresh_database("postgresql", tmp_path) as url:
        settings = dataclasses.replace(
            Settings(), database_url=url, data_dir=str(tmp_path), run_worker=False
        )
        runners = [web.AppRunner(create_app(settings)) for _ in range(4)]
        try:
            # four web processes and a command at once on an empty database
            await asyncio.gather(command(settings), *(runner.setup() for runner in runners))
            secrets = {runner.app[SECRET] for runner in runners}
            assert len(secrets) == 1
        finally:
            for runner in runners:
                await runner.cleanup()


async def command(settings: Settings) -> None:
    async with operations.database(settings):
        pass
