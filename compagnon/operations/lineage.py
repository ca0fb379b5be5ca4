"""The licence rule, checked when a remix or translation is published or edited.

Each source's licence is read from the stored object (ours, or a peer's we hold); a source
not held is fetched (signed, as the instance actor, with the node's size and depth limits:
`FederationContext.fetch_signed`) and stored like a received post, so the derivative's page
can name it. domain/licence_rules.py decides; a refusal names the source and its licence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from compagnon.domain.licence_rules import Decision, Verdict, may_derive
from compagnon.domain.resources import LearningResource, licence_uri
from compagnon.domain.safe_urls import same_origin
from compagnon.federation.as_types import is_post_like
from compagnon.federation.context import FederationContext
from compagnon.federation.fetch import FetchError
from compagnon.federation.ingest import Incoming, store_remote_objects
from compagnon.federation.jsonld import first_id, ids
from compagnon.federation.resolver import Resolver
from compagnon.i18n import _
from compagnon.storage.models import Actor
from compagnon.storage.queries import objects as object_queries


class LineageRefused(Exception):
    """The sources' licences do not allow this remix or translation; one line per source."""


@dataclass(frozen=True)
class Source:
    uri: str
    licence: str | None  # None: no licence could be read; `problem` says why
    author: Actor | None
    problem: str = ""  # the whole sentence shown when the licence cannot be checked


def _licence_of(doc: dict[str, Any] | None) -> str | None:
    found = ids(doc.get("license")) if isinstance(doc, dict) else []
    return licence_uri(found[0]) if found else None


# Why a source's licence cannot be checked: one whole sentence per case.
def _deleted() -> str:
    return _(
        "its licence is unknown (it has been deleted): read its terms, and publish with "
        "--licence-checked if they allow a remix or translation."
    )


def _no_licence() -> str:
    return _(
        "its licence is unknown (it names no licence): read its terms, and publish with "
        "--licence-checked if they allow a remix or translation."
    )


def _not_a_resource() -> str:
    return _(
        "its licence is unknown (there is no resource at this address): read its terms, and "
        "publish with --licence-checked if they allow a remix or translation."
    )


def _unfetchable(reason: str) -> str:
    return _(
        "its licence is unknown (it could not be fetched: {reason}): read its terms, and "
        "publish with --licence-checked if they allow a remix or translation.",
        reason=reason,
    )


async def find_source(ctx: FederationContext, uri: str) -> Source:
    """A source as the node knows it: held (local or remote), else fetched and stored."""
    async with ctx.sessions() as session:
        held = await object_queries.by_uri(session, uri)
        author = await session.get(Actor, held.actor_id) if held is not None else None
    if held is not None:
        if held.deleted_at is not None:
            return Source(uri, None, author, _deleted())
        licence = _licence_of(held.raw)
        return Source(uri, licence, author, "" if licence else _no_licence())
    if ctx.urls.is_ours(uri):
        return Source(uri, None, None, _not_a_resource())
    try:
        doc = await ctx.fetch_signed(uri)
    except FetchError as exc:
        return Source(uri, None, None, _unfetchable(exc.reason))
    owner = first_id(doc.get("attributedTo"))
    if not is_post_like(doc) or owner is None or not same_origin(owner, uri):
        return Source(uri, None, None, _not_a_resource())
    author = await Resolver(ctx).actor(owner)
    if author is not None and not author.is_local:
        async with ctx.sessions.begin() as session:
            await store_remote_objects(session, [Incoming(author, doc)])
    licence = _licence_of(doc)
    return Source(uri, licence, author, "" if licence else _no_licence())


def decide(source: Source, licence: str) -> Decision:
    if source.licence is None:
        return Decision(
            Verdict.UNCHECKED,
            source.problem,
        )
    return may_derive(source.licence, licence)


async def check(
    ctx: FederationContext,
    resource: LearningResource,
    *,
    licence_checked: bool = False,
    warn: Callable[[str], None] | None = None,
) -> list[Actor]:
    """The authors of the resource's sources (to address the derivative to), when every
    source's licence allows it under the resource's licence; else LineageRefused naming each
    source that does not. A licence that cannot be checked refuses too, unless
    `licence_checked` (the trainer read the terms): then it is only a warning."""
    refused: list[str] = []
    authors: list[Actor] = []
    for uri in resource.sources:
        source = await find_source(ctx, uri)
        decision = decide(source, resource.license)
        line = _("{uri}: {reason}", uri=uri, reason=decision.reason)
        if decision.verdict is Verdict.REFUSED or (
            decision.verdict is Verdict.UNCHECKED and not licence_checked
        ):
            refused.append(line)
        elif decision.verdict is Verdict.UNCHECKED and warn is not None:
            warn(line)
        if source.author is not None:
            authors.append(source.author)
    if refused:
        raise LineageRefused("\n".join(refused))
    return authors
