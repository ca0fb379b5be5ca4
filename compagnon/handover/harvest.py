"""Answering one OAI-PMH request: the verbs read the repository (queries.py) a page at a
time and oai.py writes the XML. `respond` never raises for anything the harvester sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from compagnon.handover import oai, queries, rendered
from compagnon.handover.metadata import FORMATS
from compagnon.i18n import _


async def respond(
    repo: oai.Repository,
    sessions: async_sessionmaker[AsyncSession],
    pairs: Sequence[tuple[str, str]],
    now: datetime,
) -> bytes:
    verb: str | None = None
    args: dict[str, str] = {}
    try:
        verb, args = oai.read_arguments(pairs)
        root = oai.envelope(repo, now, verb, args)
        splices = oai.Splices()
        async with sessions() as session:
            await _answer(repo, session, root, splices, verb, args, now)
        return oai.serialise(root, splices)
    except oai.OaiError as error:
        return oai.error_document(repo, now, error, verb, args)


async def _answer(
    repo: oai.Repository,
    session: AsyncSession,
    root: etree._Element,
    splices: oai.Splices,
    verb: str,
    args: dict[str, str],
    now: datetime,
) -> None:
    if verb == "Identify":
        oai.identify(repo, root, await queries.earliest(session))
    elif verb == "ListMetadataFormats":
        if "identifier" in args and await queries.by_uri(session, args["identifier"]) is None:
            raise oai.OaiError("idDoesNotExist", _("No record has this identifier."))
        oai.list_metadata_formats(root)
    elif verb == "ListSets":
        if "resumptionToken" in args:
            raise oai.OaiError("badResumptionToken", _("ListSets answers in one page."))
        oai.list_sets(root, await queries.set_specs(session))
    elif verb == "GetRecord":
        prefix = _prefix(args["metadataPrefix"])
        record = await queries.by_uri(session, args["identifier"], prefix)
        if record is None:
            raise oai.OaiError("idDoesNotExist", _("No record has this identifier."))
        body = oai._sub(root, "GetRecord")
        found = await _metadata(repo, session, [record], prefix)
        oai.record_element(body, record, found.get(record.object_id), splices)
    else:
        await _list(repo, session, root, splices, verb, args, now)


async def _metadata(
    repo: oai.Repository, session: AsyncSession, records: list[queries.Record], prefix: str
) -> dict[int, bytes]:
    return await rendered.metadata(
        session, records, prefix, repo.rendering, repo.describe, repo.page_url
    )


def _prefix(value: str) -> str:
    if value not in FORMATS:
        raise oai.OaiError(
            "cannotDisseminateFormat",
            _("Formats: {formats} (ListMetadataFormats).", formats=", ".join(FORMATS)),
        )
    return value


async def _list(
    repo: oai.Repository,
    session: AsyncSession,
    root: etree._Element,
    splices: oai.Splices,
    verb: str,
    args: dict[str, str],
    now: datetime,
) -> None:
    """ListIdentifiers and ListRecords: one page of the harvest, and the token of the next."""
    after: tuple[datetime, int] | None = None
    if "resumptionToken" in args:
        state = oai.read_token(repo.secret, args["resumptionToken"], verb, now)
        try:
            prefix = _prefix(state["p"])
            window = queries.Window(
                state["s"],
                oai._moment(state["f"]) if state["f"] is not None else None,
                oai._moment(state["u"]),
            )
            after = (oai._moment(state["d"]), int(state["i"]))
            cursor, expires = int(state["c"]), oai._moment(state["e"])
            total = None if state["n"] is None else int(state["n"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise oai.OaiError(
                "badResumptionToken", _("This resumption token is damaged.")
            ) from None
    else:
        window = oai.window_of(args, now)
        prefix = _prefix(args["metadataPrefix"])
        total = await queries.count(session, window)  # None: more than COUNT_CAP
        cursor, expires = 0, now + oai.TOKEN_LIFETIME
        if total == 0:
            raise oai.OaiError("noRecordsMatch", _("No record matches these arguments."))
    wanted = prefix if verb == "ListRecords" else None  # ListIdentifiers: headers only
    found = await queries.page(session, window, after, repo.page_size + 1, wanted)
    records, more = found[: repo.page_size], len(found) > repo.page_size
    if not records:
        raise oai.OaiError("noRecordsMatch", _("No record matches these arguments."))
    body = oai._sub(root, verb)
    if verb == "ListRecords":
        metadata = await _metadata(repo, session, records, prefix)
        for record in records:
            oai.record_element(body, record, metadata.get(record.object_id), splices)
    else:
        for record in records:
            oai.header(body, record, splices)
    sent = cursor + len(records)
    # The complete size when counted (or once the last page shows it).
    size = max(total, sent + (1 if more else 0)) if total is not None else None
    if size is None and not more:
        size = sent
    if more:
        last = records[-1]
        state_next: dict[str, Any] = {
            "v": verb,
            "p": prefix,
            "s": window.set_spec,
            "f": oai._micros(window.start) if window.start is not None else None,
            "u": oai._micros(window.end),
            "d": oai._micros(last.datestamp),
            "i": last.object_id,
            "c": sent,
            "n": size,
            "e": oai._micros(expires),
        }
        oai.resumption(body, oai.make_token(repo.secret, state_next), expires, size, cursor)
    elif cursor > 0:
        oai.resumption(body, None, None, size, cursor)  # the last page: an empty token
