"""What every inbox handler takes and may raise: the activity's context (`Handling`: the
federation context, the worker's session, the verified sender) and `Ignored`, a valid activity
with nothing to do, recorded as its outcome. Handlers live in handlers.py and, by kind, in the
modules beside it; `handlers.HANDLERS` is the one table of them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.context import FederationContext
from compagnon.storage.models import Actor


class Ignored(Exception):
    """The activity is valid but there is nothing to do (recorded as the outcome)."""


@dataclass
class Handling:
    ctx: FederationContext
    session: AsyncSession
    sender: Actor


Handler = Callable[[Handling, dict[str, Any]], Awaitable[None]]
