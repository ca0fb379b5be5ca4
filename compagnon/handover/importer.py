"""`compagnon catalogue import FILE`: AMB JSON Lines (another node's `catalogue export`)
stored here as peers' resources, through the same ingest as a received Create
(federation/ingest.py: sanitised, indexed for search, lineage and collections kept).

Idempotent and resumable: lines are read in batches, each committed in its own
transaction; a resource already held saying the same is counted and left alone, so a run
after an interruption passes quickly over what the first one stored and goes on from there.
A record of a resource held here from a file is replaced when it changed; one that came by
federation only by a record dated later. This node's own resources and deleted ones are
never touched. A line that cannot be read is reported with its number and skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.convert import object_fields_from_note, parse_time
from compagnon.federation.ingest import (
    Incoming,
    Stored,
    store_collection_items,
    store_remote_objects,
)
from compagnon.federation.json_limits import storage_problem
from compagnon.federation.lineage import record as record_lineage
from compagnon.federation.sanitize import sanitize_html
from compagnon.federation.search_index import index_stored
from compagnon.federation.urls import host_of
from compagnon.handover.amb_import import (
    BadRecord,
    creator_of,
    document_from_record,
    imported_from_file,
    same_resource,
    with_provenance,
)
from compagnon.i18n import _
from compagnon.storage.models import Actor, Object, Peer, utcnow
from compagnon.storage.queries import actors as actor_queries

MAX_LINE_BYTES = 1 << 20  # what the inbox takes for one activity
MAX_PROBLEMS_KEPT = 1000


@dataclass
class ImportReport:
    lines: int = 0
    imported: int = 0
    updated: int = 0
    held: int = 0  # already held, the same (or this node's own, or deleted here)
    blocked: int = 0  # from a host this node blocks
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    bad_lines: int = 0

    def refuse(self, line_number: int, reason: str) -> None:
        self.bad_lines += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            self.problems.append((line_number, reason))


def read_line(line: bytes, max_depth: int) -> dict[str, Any]:
    """One line as a document, or BadRecord with the reason."""
    if len(line) > MAX_LINE_BYTES:
        raise BadRecord(_("longer than {n} bytes", n=MAX_LINE_BYTES))
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BadRecord(_("not JSON: {reason}", reason=str(exc)[:200])) from None
    problem = storage_problem(value, max_depth, line)
    if problem:
        raise BadRecord(problem)
    return document_from_record(value)


async def _senders(session: AsyncSession, records: Sequence[dict[str, str]]) -> dict[str, Actor]:
    """The actors the resources are by: held ones, else a row made from the record's name
    (not fetched: the resolver fetches it the first time it is needed, as it is stale)."""
    wanted = {r["id"]: r for r in records}
    found = await actor_queries.by_uris(session, set(wanted))
    for uri, person in wanted.items():
        if uri in found:
            continue
        actor = Actor(
            uri=uri,
            type=person.get("type", "Person"),
            username=uri.rstrip("/").rsplit("/", 1)[-1][:255] or host_of(uri),
            domain=host_of(uri),
            is_local=False,
            name=person.get("name", ""),
            fetched_at=None,
        )
        session.add(actor)
        found[uri] = actor
    await session.flush()
    return found


async def _replace(session: AsyncSession, held: Object, sender: Actor, doc: dict[str, Any]) -> None:
    """What the inbox's Update does, for a record that changed."""
    fields = object_fields_from_note(doc, sender.followers_url)
    held.content = sanitize_html(fields["content"])
    held.summary = sanitize_html(fields["summary"])
    held.name = fields["name"]
    held.language = fields["language"] or held.language
    held.updated = fields["updated"] or utcnow()
    held.raw = doc
    await index_stored(session, [held])
    await record_lineage(session, [(held.id, doc)])
    await store_collection_items(session, [Stored(held.id, held.uri, sender.id, doc)])


def _newer(doc: dict[str, Any], held: dict[str, Any] | None) -> bool:
    mine = parse_time(doc.get("updated") or doc.get("published"))
    theirs = parse_time((held or {}).get("updated") or (held or {}).get("published"))
    return mine is not None and (theirs is None or mine > theirs)


async def store_batch(
    session: AsyncSession,
    docs: Sequence[tuple[int, dict[str, Any]]],
    report: ImportReport,
    *,
    own_host: str,
    file_name: str,
) -> None:
    """Store one batch of (line number, document) in the caller's transaction."""
    when = utcnow().isoformat()
    latest: dict[str, dict[str, Any]] = {}
    for _number, doc in docs:  # a resource twice in a file: the last line counts
        latest[doc["id"]] = doc
    blocked = set(
        (await session.execute(select(Peer.host).where(Peer.blocked.is_(True)))).scalars()
    )
    for uri in list(latest):
        if host_of(uri) == own_host:
            report.held += 1  # this node's own: never replaced from a file
            del latest[uri]
        elif host_of(uri) in blocked:
            report.blocked += 1  # refused both ways, by file too
            del latest[uri]
    held_rows = await session.execute(select(Object).where(Object.uri.in_(list(latest))))
    held = {obj.uri: obj for obj in held_rows.scalars()}
    senders = await _senders(session, [creator_of_doc(doc) for doc in latest.values()])
    fresh: list[Incoming] = []
    for uri, doc in latest.items():
        sender = senders[doc["attributedTo"]]
        obj = held.get(uri)
        if obj is None:
            fresh.append(Incoming(sender, with_provenance(doc, file_name, when)))
        elif obj.deleted_at is not None or obj.is_local or same_resource(obj.raw, doc):
            report.held += 1
        elif obj.actor_id != sender.id:
            report.held += 1  # held here as someone else's: left as it is
        elif imported_from_file(obj.raw) or _newer(doc, obj.raw):
            await _replace(session, obj, sender, with_provenance(doc, file_name, when))
            report.updated += 1
        else:
            report.held += 1
    stored = await store_remote_objects(session, fresh)
    report.imported += len(stored)
    report.held += len(fresh) - len(stored)


def creator_of_doc(doc: dict[str, Any]) -> dict[str, str]:
    """The creator entry of a converted document (its `attributedTo`, named and typed)."""
    for person in doc.get("creator", []) + doc.get("publisher", []):
        if person.get("id") == doc["attributedTo"]:
            return dict(person)
    return {"id": doc["attributedTo"]}


__all__ = ["ImportReport", "creator_of", "read_line", "store_batch"]
