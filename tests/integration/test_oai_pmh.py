"""OAI-PMH 2.0 at /oai: every verb and every error as the protocol names them, each answer
valid against the OAI-PMH schema (tests/fixtures/oai), and a real harvester from PyPI
(Sickle) harvesting a node completely over HTTP, across resumption tokens, while resources
keep arriving."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

import httpx
import pytest
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from compagnon.handover import queries as handover_queries
from compagnon.operations import admin as admin_ops
from compagnon.server.keys import FEDERATION
from tests.conftest import NodeFactory
from tests.support.nodes import settle
from tests.support.oai import NS, ask, error_code, publish_resource, texts, valid
from tests.support.resources import WELDING


async def test_every_verb_answers_a_valid_document(make_node: NodeFactory, backend: str) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    quiz = await publish_resource(a, "ana", "Licensing quiz")
    welding = await publish_resource(a, "ana", WELDING.title, **_fields_of_welding())
    async with httpx.AsyncClient() as http:
        identify = await ask(http, a, "verb=Identify")
        assert texts(identify, "//oai:baseURL") == [f"{a.base}/oai"]
        assert texts(identify, "//oai:deletedRecord") == ["persistent"]
        assert texts(identify, "//oai:granularity") == ["YYYY-MM-DDThh:mm:ssZ"]

        formats = await ask(http, a, "verb=ListMetadataFormats")
        assert texts(formats, "//oai:metadataPrefix") == ["oai_dc", "lom"]
        one = await ask(http, a, f"verb=ListMetadataFormats&identifier={quote(quiz.uri)}")
        assert len(texts(one, "//oai:metadataPrefix")) == 2

        sets = texts(await ask(http, a, "verb=ListSets"), "//oai:setSpec")
        assert {"isced", "isced:0715", "isced:0611", "eqf:3", "eqf:4", "lang:en", "lang:pt"} <= set(
            sets
        )

        record = await ask(
            http, a, f"verb=GetRecord&metadataPrefix=oai_dc&identifier={quote(welding.uri)}"
        )
        assert texts(record, "//dc:title") == [WELDING.title]
        assert "EQF level 3" in texts(record, "//dc:subject")
        assert texts(record, "//dc:rights") == [WELDING.license]
        assert set(texts(record, "//oai:header/oai:setSpec")) >= {"isced:0715", "eqf:3"}

        lom = await ask(http, a, f"verb=GetRecord&metadataPrefix=lom&identifier={quote(quiz.uri)}")
        assert texts(lom, "//lom:general/lom:title/lom:string") == ["Licensing quiz"]
        assert texts(lom, "//lom:classification/lom:taxonPath/lom:taxon/lom:id") == ["0611", "4"]
        assert texts(lom, "//lom:educational/lom:typicalLearningTime/lom:duration") == ["PT20M"]

        listed = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        assert texts(listed, "//oai:header/oai:identifier") == [quiz.uri, welding.uri]
        records = await ask(http, a, "verb=ListRecords&metadataPrefix=lom&set=isced:0715")
        assert texts(records, "//oai:header/oai:identifier") == [welding.uri]

        posted = await http.post(
            f"{a.base}/oai", data={"verb": "ListRecords", "metadataPrefix": "oai_dc"}
        )
        assert texts(valid(posted.content), "//oai:header/oai:identifier") == [
            quiz.uri,
            welding.uri,
        ]


def _fields_of_welding() -> dict[str, object]:
    return {
        "description": WELDING.description,
        "eqf_level": WELDING.eqf_level,
        "isced_field": WELDING.isced_field,
        "resource_type": WELDING.resource_type,
        "translations": WELDING.translations,
    }


async def test_sickle_harvests_everything_across_tokens_while_records_arrive(
    make_node: NodeFactory, backend: str
) -> None:
    a = await make_node("a", backend=backend, oai_page_size=3)
    await a.create_user("ana")
    before = [(await publish_resource(a, "ana", f"Resource {n}")).uri for n in range(8)]
    sickle = Sickle(f"{a.base}/oai", max_retries=0, timeout=10)

    harvest = await asyncio.to_thread(sickle.ListRecords, metadataPrefix="oai_dc")
    first_answer = harvest.oai_response.xml
    started = first_answer.findtext(".//oai:responseDate", namespaces=NS)
    token = first_answer.find(".//oai:resumptionToken", namespaces=NS)
    assert token is not None and token.get("completeListSize") == "8" and token.get("cursor") == "0"
    got = [await asyncio.to_thread(next, harvest) for _ in range(4)]  # into the second page
    # New resources arrive mid-harvest (newer datestamps, possibly the same second).
    after = [(await publish_resource(a, "ana", f"Late {n}")).uri for n in range(4)]
    got += await asyncio.to_thread(list, harvest)

    harvested = [r.header.identifier for r in got]
    assert harvested == before  # every record once, in datestamp order, none of the late ones
    assert all(r.metadata["title"][0].startswith("Resource") for r in got)
    last = harvest.oai_response.xml.find(".//oai:resumptionToken", namespaces=NS)
    assert last is not None and not (last.text or "").strip()  # the list is complete
    assert last.get("completeListSize") == "8" and last.get("cursor") == "6"

    # The next incremental harvest, from the first one's responseDate, brings the late ones.
    later = await asyncio.to_thread(
        lambda: list(sickle.ListIdentifiers(metadataPrefix="lom", **{"from": started}))
    )
    assert set(after) <= {h.identifier for h in later}

    # POST works the same way.
    posting = Sickle(f"{a.base}/oai", http_method="POST", max_retries=0, timeout=10)
    every = await asyncio.to_thread(lambda: list(posting.ListIdentifiers(metadataPrefix="lom")))
    assert [h.identifier for h in every] == before + after


async def test_deleted_records_stay_as_deleted(make_node: NodeFactory, backend: str) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    kept = await publish_resource(a, "ana", "Kept")
    gone = await publish_resource(a, "ana", "Gone")
    await a.delete(gone.uri)
    sickle = Sickle(f"{a.base}/oai", max_retries=0, timeout=10)
    records = await asyncio.to_thread(lambda: list(sickle.ListRecords(metadataPrefix="oai_dc")))
    by_id = {r.header.identifier: r for r in records}
    assert not by_id[kept.uri].header.deleted
    assert by_id[gone.uri].header.deleted
    assert records[-1].header.identifier == gone.uri  # its datestamp moved to the deletion
    async with httpx.AsyncClient() as http:
        one = await ask(http, a, f"verb=GetRecord&metadataPrefix=lom&identifier={quote(gone.uri)}")
        assert one.xpath("//oai:header/@status", namespaces=NS) == ["deleted"]
        assert one.find(".//oai:metadata", NS) is None
        assert "isced:0611" in texts(one, "//oai:header/oai:setSpec")  # still in its sets
        in_set = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=lom&set=eqf:4")
        assert gone.uri in texts(in_set, "//oai:identifier")


async def test_received_resources_are_harvested_with_their_country(
    make_node: NodeFactory,
) -> None:
    a, b = await make_node("a", country="PT"), await make_node("b")
    await a.create_user("ana")
    await b.create_user("bruno")
    async with a.sessions.begin() as session:
        await admin_ops.update_centre(
            session,
            a.app[FEDERATION].urls,  # type: ignore[index]
            name="CFP Lisboa",
            summary="",
            country="PT",
            languages=["pt"],
            icon_url=None,
        )
    await b.follow("bruno", f"ana@{a.domain}")
    await b.follow("bruno", f"centre@{a.domain}")
    await settle(a, b)
    resource = await publish_resource(a, "ana", "Soldadura")
    await settle(a, b)
    async with httpx.AsyncClient() as http:
        here = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=country:PT")
        assert texts(here, "//oai:identifier") == [resource.uri]
        there = await ask(http, b, "verb=ListRecords&metadataPrefix=oai_dc&set=country:PT")
        assert texts(there, "//oai:header/oai:identifier") == [resource.uri]
        # A peer's record points harvesters at this node's page of it.
        assert f"{b.base}/resource?uri={quote(resource.uri, safe='')}" in texts(
            there, "//dc:identifier"
        )
        none = await ask(http, b, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=country:FR")
        assert error_code(none) == "noRecordsMatch"


async def test_from_and_until_at_both_granularities(make_node: NodeFactory, backend: str) -> None:
    a = await make_node("a", backend=backend)
    await a.create_user("ana")
    resource = await publish_resource(a, "ana", "Dated")
    async with httpx.AsyncClient() as http:
        stamp = texts(
            await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc"), "//oai:datestamp"
        )[0]
        day = stamp[:10]
        for query in (f"from={stamp}&until={stamp}", f"from={day}", f"until={day}"):
            found = await ask(http, a, f"verb=ListIdentifiers&metadataPrefix=oai_dc&{query}")
            assert texts(found, "//oai:identifier") == [resource.uri], query
        for query in ("until=2000-01-01", "from=2999-01-01T00:00:00Z"):
            found = await ask(http, a, f"verb=ListIdentifiers&metadataPrefix=oai_dc&{query}")
            assert error_code(found) == "noRecordsMatch", query


ERRORS = [
    ("", "badVerb"),
    ("verb=Dance", "badVerb"),
    ("verb=Identify&verb=Identify", "badVerb"),
    ("verb=Identify&extra=1", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=lom", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=yesterday", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01T00:00:00.5Z", "badArgument"),
    (
        "verb=ListRecords&metadataPrefix=oai_dc&from=2020-01-01&until=2021-01-01T00:00:00Z",
        "badArgument",
    ),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2021-01-01&until=2020-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=no%20spaces", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=x", "badArgument"),
    ("verb=ListIdentifiers&metadataPrefix=a%20b", "badArgument"),
    ("verb=GetRecord&identifier=x", "badArgument"),
    ("verb=GetRecord&metadataPrefix=lom&identifier=not%20a%20uri", "badArgument"),
    ("verb=ListMetadataFormats&identifier=javascript:alert(1)", "badArgument"),
    ("verb=ListRecords&metadataPrefix=%00", "badArgument"),
    ("verb=ListRecords&metadataPrefix=%FF", "badArgument"),
    ("verb=ListRecords&resumptionToken=garbage", "badResumptionToken"),
    ("verb=ListIdentifiers&resumptionToken=e30.AAAAAAAAAAAAAAAAAAAAAAAA", "badResumptionToken"),
    ("verb=ListSets&resumptionToken=anything", "badResumptionToken"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=GetRecord&metadataPrefix=oai_dc&identifier=https://nowhere.example/x", "idDoesNotExist"),
    ("verb=ListMetadataFormats&identifier=https://nowhere.example/x", "idDoesNotExist"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=isced:9999", "noRecordsMatch"),
]


async def test_every_error_is_named_as_the_protocol_names_it(make_node: NodeFactory) -> None:
    a = await make_node("a", oai_page_size=1)
    await a.create_user("ana")
    one = await publish_resource(a, "ana", "One")
    await publish_resource(a, "ana", "Two")
    async with httpx.AsyncClient() as http:
        for query, code in ERRORS:
            root = await ask(http, a, query)
            assert error_code(root) == code, query
            request = root.find("oai:request", NS)
            assert request is not None
            if code in {"badVerb", "badArgument"}:
                assert not request.attrib, query  # the arguments are not echoed
        # A real token used with the wrong verb, or altered, is refused too.
        first = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        token = texts(first, "//oai:resumptionToken")[0]
        for query in (
            f"verb=ListRecords&resumptionToken={quote(token)}",
            f"verb=ListIdentifiers&resumptionToken={quote(token[:-2] + 'AA')}",
        ):
            assert error_code(await ask(http, a, query)) == "badResumptionToken"
        following = await ask(http, a, f"verb=ListIdentifiers&resumptionToken={quote(token)}")
        assert error_code(following) is None
        # The same record asked in a format we do not have.
        wrong = await ask(
            http, a, f"verb=GetRecord&metadataPrefix=marc21&identifier={quote(one.uri)}"
        )
        assert error_code(wrong) == "cannotDisseminateFormat"
        # A form that is not a form.
        odd = await http.post(
            f"{a.base}/oai",
            content=b"\xff\xfe",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert error_code(valid(odd.content)) == "badArgument"
        json_body = await http.post(f"{a.base}/oai", json={"verb": "Identify"})
        assert error_code(valid(json_body.content)) == "badArgument"


async def test_an_empty_repository_answers_no_records_match(make_node: NodeFactory) -> None:
    a = await make_node("a")
    sickle = Sickle(f"{a.base}/oai", max_retries=0, timeout=10)
    with pytest.raises(NoRecordsMatch):
        await asyncio.to_thread(lambda: list(sickle.ListRecords(metadataPrefix="oai_dc")))
    async with httpx.AsyncClient() as http:
        assert "lang" in texts(await ask(http, a, "verb=ListSets"), "//oai:setSpec")
        assert texts(await ask(http, a, "verb=Identify"), "//oai:earliestDatestamp")


async def test_identify_names_the_node_s_contact_or_its_own_host(
    make_node: NodeFactory,
) -> None:
    # No contact configured: harvesters get admin@ the node's host, written so that the
    # schema takes it (an IPv4 host in brackets as mail writes it).
    a = await make_node("a")
    # A contact configured: harvesters and the Mastodon apps both get it.
    b = await make_node("b", contact_email="catalogo@formacao.example.pt")
    async with httpx.AsyncClient() as http:
        assert texts(await ask(http, a, "verb=Identify"), "//oai:adminEmail") == [
            "admin@[127.0.0.1]"
        ]
        assert (await http.get(f"{a.base}/api/v2/instance")).json()["contact"]["email"] == ""
        assert texts(await ask(http, b, "verb=Identify"), "//oai:adminEmail") == [
            "catalogo@formacao.example.pt"
        ]
        instance = (await http.get(f"{b.base}/api/v2/instance")).json()
        assert instance["contact"]["email"] == "catalogo@formacao.example.pt"
        assert (await http.get(f"{b.base}/api/v1/instance")).json()["email"] == (
            "catalogo@formacao.example.pt"
        )
    # A node run as localhost (a trial, an intranet): no mail reaches admin@localhost, and
    # the schema refuses it; .invalid says nobody reads it, and the answer stays valid.
    c = await make_node("c", domain="localhost:8080")
    async with httpx.AsyncClient() as http:
        answer = await http.get(f"http://127.0.0.1:{c.port}/oai?verb=Identify")
        assert texts(valid(answer.content), "//oai:adminEmail") == ["admin@localhost.invalid"]


async def test_the_country_setting_places_our_records_in_their_country_set(
    make_node: NodeFactory,
) -> None:
    a = await make_node("a", country="FR")  # no country in the centre's profile
    await a.create_user("ana")
    resource = await publish_resource(a, "ana", "Pâtisserie")
    async with httpx.AsyncClient() as http:
        found = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc&set=country:FR")
        assert texts(found, "//oai:identifier") == [resource.uri]
        assert "country:FR" in texts(await ask(http, a, "verb=ListSets"), "//oai:setSpec")


async def test_a_list_past_the_count_cap_gives_its_size_on_the_last_page(
    make_node: NodeFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a national aggregator's size a list is not counted before its first page (a million
    rows cost more than the page); completeListSize, optional, comes with the last one."""
    monkeypatch.setattr(handover_queries, "COUNT_CAP", 4)
    a = await make_node("a", oai_page_size=3)
    await a.create_user("ana")
    uris = [(await publish_resource(a, "ana", f"Resource {n}")).uri for n in range(8)]
    async with httpx.AsyncClient() as http:
        page = await ask(http, a, "verb=ListIdentifiers&metadataPrefix=oai_dc")
        seen = texts(page, "//oai:identifier")
        token = page.find(".//oai:resumptionToken", NS)
        assert token is not None and token.get("completeListSize") is None
        for _ in range(5):  # bounded: 8 records, 3 a page
            assert token is not None
            if not (token.text or "").strip():
                break
            page = await ask(http, a, f"verb=ListIdentifiers&resumptionToken={token.text}")
            seen += texts(page, "//oai:identifier")
            token = page.find(".//oai:resumptionToken", NS)
    assert seen == uris
    assert token is not None and token.get("completeListSize") == "8"
