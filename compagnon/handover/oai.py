"""OAI-PMH 2.0 (http://www.openarchives.org/OAI/openarchivesprotocol.html): the six verbs,
their arguments and errors, resumption tokens, and the XML of the answers (lxml).

Every request gets an OAI-PMH document, errors included (HTTP 200, as the protocol wants);
nothing a harvester sends can make a 500.

Resumption tokens are keyset cursors, signed with the node's secret so a forged or damaged
one is refused (`badResumptionToken`): the harvest's filters, the datestamp and id of the
last record sent, how many were sent, the complete list's size, and the end of the window
frozen at the harvest's start, so records arriving or changing during a harvest neither
shift its pages nor make it endless (they are in the next incremental harvest, `from` the
last one's responseDate).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lxml import etree

from compagnon.domain.safe_urls import http_url
from compagnon.handover import queries, rendered
from compagnon.handover.metadata import FORMATS, NOT_XML
from compagnon.handover.sets import PARENTS, SET_SPEC_RE, set_name
from compagnon.i18n import _

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
TOKEN_LIFETIME = timedelta(hours=24)
ONE_SECOND = timedelta(seconds=1) - timedelta(microseconds=1)
ONE_DAY = timedelta(days=1) - timedelta(microseconds=1)
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
PREFIX_RE = re.compile(r"[A-Za-z0-9\-_.!~*'()]{1,64}")
SECOND_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")

# Which arguments each verb takes: (required, optional, exclusive)
VERBS: dict[str, tuple[frozenset[str], frozenset[str], str | None]] = {
    "Identify": (frozenset(), frozenset(), None),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"}), None),
    "ListSets": (frozenset(), frozenset(), "resumptionToken"),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset(), None),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set"}),
        "resumptionToken",
    ),
}


class OaiError(Exception):
    """An OAI-PMH error condition: `code` as the protocol names it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# badVerb and badArgument answers echo no arguments in `request` (the protocol says so).
ECHO_REFUSED = frozenset({"badVerb", "badArgument"})


@dataclass(frozen=True)
class Repository:
    """What the answers say of this node."""

    name: str
    base_url: str  # the OAI endpoint
    admin_email: str
    secret: bytes
    page_url: Callable[[queries.Record], str]  # the human page of a record
    describe: rendered.Describe  # async: {object id: AMB record}
    rendering: str  # what stored metadata must have been made for (rendered.rendering)
    page_size: int = queries.PAGE_SIZE


def read_arguments(pairs: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    """The verb and the arguments of a request, checked against the verb's grammar."""
    verbs = [value for key, value in pairs if key == "verb"]
    if len(verbs) != 1:
        raise OaiError(
            "badVerb", _("Give exactly one verb.") if verbs else _("The verb is missing.")
        )
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", _("{verb} is not an OAI-PMH verb.", verb=repr(verb)))
    args: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key in args:
            raise OaiError("badArgument", _("The argument {name} is given twice.", name=key))
        args[key] = value
    required, optional, exclusive = VERBS[verb]
    if exclusive is not None and exclusive in args:
        if len(args) > 1:
            raise OaiError("badArgument", _("{name} goes alone, with the verb.", name=exclusive))
        return verb, args
    allowed = required | optional
    unknown = sorted(set(args) - allowed - ({exclusive} if exclusive else set()))
    if unknown:
        raise OaiError(
            "badArgument", _("{verb} takes no argument {name}.", verb=verb, name=unknown[0])
        )
    missing = sorted(required - set(args))
    if missing:
        raise OaiError(
            "badArgument", _("{verb} needs the argument {name}.", verb=verb, name=missing[0])
        )
    if "metadataPrefix" in args and not PREFIX_RE.fullmatch(args["metadataPrefix"]):
        raise OaiError("badArgument", _("metadataPrefix is not a metadata prefix (oai_dc, lom)."))
    if "identifier" in args and http_url(args["identifier"]) is None:
        # Every identifier here is a resource's http(s) address (an anyURI of the schema).
        raise OaiError("badArgument", _("identifier is a resource's http(s) address."))
    return verb, args


def parse_datestamp(value: str, name: str) -> tuple[datetime, bool]:
    """A from/until value: (moment, at day granularity)."""
    try:
        if DAY_RE.fullmatch(value):
            return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC), True
        if SECOND_RE.fullmatch(value):
            return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC), False
    except ValueError:
        pass
    raise OaiError(
        "badArgument",
        _(
            "{name} is a UTC date (YYYY-MM-DD) or moment to the second (YYYY-MM-DDThh:mm:ssZ).",
            name=name,
        ),
    )


def window_of(args: dict[str, str], now: datetime) -> queries.Window:
    start = end = None
    start_day = end_day = None
    if "from" in args:
        start, start_day = parse_datestamp(args["from"], "from")
    if "until" in args:
        until, end_day = parse_datestamp(args["until"], "until")
        end = until + (ONE_DAY if end_day else ONE_SECOND)
    if start_day is not None and end_day is not None and start_day != end_day:
        raise OaiError("badArgument", _("from and until have different granularities."))
    if start is not None and end is not None and start > end:
        raise OaiError("badArgument", _("from is later than until."))
    set_spec = args.get("set")
    if set_spec is not None and (len(set_spec) > 64 or not SET_SPEC_RE.fullmatch(set_spec)):
        raise OaiError("badArgument", _("set is not a setSpec (e.g. isced:0715, eqf:4)."))
    # Frozen at the harvest's start: what arrives meanwhile waits for the next harvest.
    return queries.Window(set_spec, start, min(end, now) if end is not None else now)


# --- resumption tokens ------------------------------------------------------------------


def _micros(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000) if moment.tzinfo else 0


def _moment(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def _mac(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def make_token(secret: bytes, state: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode())
    text = payload.decode().rstrip("=")
    return f"{text}.{_mac(secret, text)}"


def read_token(secret: bytes, token: str, verb: str, now: datetime) -> dict[str, Any]:
    bad = OaiError("badResumptionToken", _("This resumption token is not one of ours."))
    text, _dot, mac = token.partition(".")
    if not text or len(token) > 2000 or not hmac.compare_digest(_mac(secret, text), mac):
        raise bad
    try:
        state = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except ValueError:
        raise bad from None
    if not isinstance(state, dict) or state.get("v") != verb:
        raise bad
    if state["e"] < _micros(now):
        raise OaiError("badResumptionToken", _("This resumption token has expired."))
    return state


# --- the answers --------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(
    repo: Repository, now: datetime, verb: str | None, args: dict[str, str] | None
) -> etree._Element:
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    etree.SubElement(root, f"{{{OAI}}}responseDate").text = _stamp(now)
    request = etree.SubElement(root, f"{{{OAI}}}request")
    request.text = repo.base_url
    if verb is not None and args is not None:
        request.set("verb", verb)
        for key, value in args.items():
            request.set(key, value)
    return root


def error_document(
    repo: Repository, now: datetime, error: OaiError, verb: str | None, args: dict[str, str]
) -> bytes:
    echo = error.code not in ECHO_REFUSED
    root = envelope(repo, now, verb if echo else None, args if echo else None)
    element = etree.SubElement(root, f"{{{OAI}}}error", code=error.code)
    element.text = error.message
    return serialise(root)


class Splices:
    """Records (bytes: their headers, and the stored metadata) to put into a document at
    serialisation: the tree holds a marker comment where each goes, and serialise() replaces
    the markers. No text of the tree can look like a marker (lxml escapes `<` in text and
    attributes)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def marker(self, part: bytes) -> etree._Comment:
        self.parts.append(part)
        return etree.Comment(f"m{len(self.parts) - 1}")


MARKER_RE = re.compile(rb"<!--m(\d+)-->")


def serialise(root: etree._Element, splices: Splices | None = None) -> bytes:
    document = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    if splices is None or not splices.parts:
        return document
    parts = splices.parts
    return MARKER_RE.sub(lambda match: parts[int(match.group(1))], document)


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{OAI}}}{name}")
    if text is not None:
        element.text = text
    return element


def identify(repo: Repository, root: etree._Element, earliest: datetime | None) -> None:
    body = _sub(root, "Identify")
    _sub(body, "repositoryName", repo.name)
    _sub(body, "baseURL", repo.base_url)
    _sub(body, "protocolVersion", "2.0")
    _sub(body, "adminEmail", repo.admin_email)
    _sub(body, "earliestDatestamp", _stamp(earliest or datetime.now(UTC)))
    _sub(body, "deletedRecord", "persistent")
    _sub(body, "granularity", "YYYY-MM-DDThh:mm:ssZ")


def list_metadata_formats(root: etree._Element) -> None:
    body = _sub(root, "ListMetadataFormats")
    for prefix, (schema, namespace, _build) in FORMATS.items():
        item = _sub(body, "metadataFormat")
        _sub(item, "metadataPrefix", prefix)
        _sub(item, "schema", schema)
        _sub(item, "metadataNamespace", namespace)


def list_sets(root: etree._Element, specs: Sequence[str]) -> None:
    body = _sub(root, "ListSets")
    for spec in dict.fromkeys([*PARENTS, *specs]):
        item = _sub(body, "set")
        _sub(item, "setSpec", spec)
        _sub(item, "setName", set_name(spec))


def _text(value: str) -> str:
    """Element text written by hand: escaped, and without what XML cannot carry."""
    return html.escape(NOT_XML.sub("", value), quote=False)


def header_bytes(record: queries.Record) -> bytes:
    """A record's header as bytes, in the envelope's default (OAI) namespace. Written by
    hand and spliced like the stored metadata: as lxml elements, a header's ~10 elements (its
    set specs among them) were 16 % of a stored ListRecords page under cProfile, and as bytes
    a stored page went from 19.5 to 12-14 ms (bench/README.md, "The million")."""
    status = ' status="deleted"' if record.deleted else ""
    specs = "".join(f"<setSpec>{_text(spec)}</setSpec>" for spec in record.set_specs)
    return (
        f"<header{status}><identifier>{_text(record.uri)}</identifier>"
        f"<datestamp>{_stamp(record.datestamp)}</datestamp>{specs}</header>"
    ).encode()


def header(parent: etree._Element, record: queries.Record, splices: Splices) -> None:
    parent.append(splices.marker(header_bytes(record)))


def record_element(
    parent: etree._Element, record: queries.Record, metadata: bytes | None, splices: Splices
) -> None:
    """A record: its header, and its metadata (stored bytes), spliced in at serialisation."""
    parts = [b"<record>", header_bytes(record)]
    if not record.deleted and metadata is not None:
        parts += [b"<metadata>", metadata, b"</metadata>"]
    parts.append(b"</record>")
    parent.append(splices.marker(b"".join(parts)))


def resumption(
    parent: etree._Element,
    token: str | None,
    expires: datetime | None,
    size: int | None,
    cursor: int,
) -> None:
    """`size` None: not counted (a list past queries.COUNT_CAP); the attribute is optional."""
    element = _sub(parent, "resumptionToken", token)
    if expires is not None:
        element.set("expirationDate", _stamp(expires))
    if size is not None:
        element.set("completeListSize", str(size))
    element.set("cursor", str(cursor))
