"""The pure parts of what the catalogue hands on: which objects are OAI records, their sets,
the OAI-PMH argument grammar and the resumption tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from compagnon.handover import oai
from compagnon.handover.queries import Record
from compagnon.handover.sets import country_of_actor_document, set_specs, shown_in_harvests

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
RESOURCE = {
    "type": ["Note", "LearningResource"],
    "to": [PUBLIC],
    "inLanguage": ["pt-PT", "fr"],
    "educationalAlignment": [
        {"targetUrl": "http://data.europa.eu/snb/isced-f/0715"},
        {"targetUrl": "http://data.europa.eu/snb/eqf/3"},
    ],
}
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_records_are_public_listed_objects_of_actors_who_consent() -> None:
    assert shown_in_harvests(RESOURCE, True)
    assert not shown_in_harvests(RESOURCE, False)  # the author does not consent
    assert not shown_in_harvests({**RESOURCE, "to": [], "cc": [PUBLIC]}, True)  # unlisted
    assert not shown_in_harvests({**RESOURCE, "type": "Note"}, True)


def test_sets_by_country_field_level_and_language_with_their_parents() -> None:
    assert set_specs(RESOURCE, "PT") == [
        "country",
        "country:PT",
        "isced",
        "isced:0715",
        "eqf",
        "eqf:3",
        "lang",
        "lang:pt",
        "lang:fr",
    ]
    assert set_specs({"type": "LearningResource"}, None) == []
    assert country_of_actor_document({"addressCountry": "pt"}) == "PT"
    assert country_of_actor_document({"country": "Portugal"}) is None


@pytest.mark.parametrize(
    ("pairs", "code"),
    [
        ([], "badVerb"),
        ([("verb", "Identify"), ("verb", "Identify")], "badVerb"),
        ([("verb", "ListSets"), ("set", "x")], "badArgument"),
        ([("verb", "GetRecord"), ("identifier", "x")], "badArgument"),
        ([("verb", "ListRecords"), ("metadataPrefix", "a b")], "badArgument"),
        (
            [("verb", "ListRecords"), ("resumptionToken", "t"), ("from", "2020-01-01")],
            "badArgument",
        ),
    ],
)
def test_the_argument_grammar(pairs: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(oai.OaiError) as refused:
        oai.read_arguments(pairs)
    assert refused.value.code == code


def test_from_until_windows() -> None:
    window = oai.window_of({"from": "2026-01-01", "until": "2026-01-02"}, NOW)
    assert window.start == datetime(2026, 1, 1, tzinfo=UTC)
    assert window.end == datetime(2026, 1, 3, tzinfo=UTC) - timedelta(microseconds=1)
    frozen = oai.window_of({"until": "2999-01-01T00:00:00Z"}, NOW)
    assert frozen.end == NOW  # a harvest never reaches past its start
    for args in (
        {"from": "2026-01-01", "until": "2026-01-02T00:00:00Z"},
        {"from": "2026-01-02", "until": "2026-01-01"},
        {"from": "2026-02-30"},
        {"set": "a b"},
    ):
        with pytest.raises(oai.OaiError) as refused:
            oai.window_of(args, NOW)
        assert refused.value.code == "badArgument"


def test_tokens_are_signed_bound_to_their_verb_and_expire() -> None:
    state = {"v": "ListRecords", "e": oai._micros(NOW + timedelta(hours=1)), "c": 3}
    token = oai.make_token(b"secret", state)
    assert oai.read_token(b"secret", token, "ListRecords", NOW) == state
    for secret, text, verb, now in (
        (b"other", token, "ListRecords", NOW),
        (b"secret", token, "ListIdentifiers", NOW),
        (b"secret", token.replace(".", "x."), "ListRecords", NOW),
        (b"secret", token, "ListRecords", NOW + timedelta(hours=2)),
    ):
        with pytest.raises(oai.OaiError) as refused:
            oai.read_token(secret, text, verb, now)
        assert refused.value.code == "badResumptionToken"


def test_headers_written_as_bytes_are_escaped_and_valid_in_the_envelope() -> None:
    """Headers and records are spliced in as bytes: what a peer's URI may hold (`&`, `<`, a
    control character XML cannot carry) is escaped or dropped, and the whole parses back."""
    when = datetime(2026, 12, 7, 6, 40, tzinfo=UTC)
    record = Record(1, when, False, "https://c.example/r?a=1&b=<2>\x01", False, "Note", 1,
                    ("country", "country:PT"))  # fmt: skip
    gone = Record(2, when, True, "https://c.example/gone", False, "Note", 1, ())
    repo = oai.Repository("n", "https://n.example/oai", "a@n.example", b"k" * 32,
                          lambda r: r.uri, None, "r")  # type: ignore[arg-type]  # fmt: skip
    root = oai.envelope(repo, when, "ListRecords", {"metadataPrefix": "oai_dc"})
    splices = oai.Splices()
    body = etree.SubElement(root, f"{{{oai.OAI}}}ListRecords")
    oai.record_element(body, record, b"<dc xmlns='urn:x'>d</dc>", splices)
    oai.record_element(body, gone, None, splices)
    parsed = etree.fromstring(oai.serialise(root, splices))
    ns = {"o": oai.OAI}
    assert parsed.xpath("//o:record/o:header/o:identifier/text()", namespaces=ns) == [
        "https://c.example/r?a=1&b=<2>",
        "https://c.example/gone",
    ]
    assert parsed.xpath("//o:header/o:setSpec/text()", namespaces=ns) == ["country", "country:PT"]
    assert parsed.xpath("//o:header/@status", namespaces=ns) == ["deleted"]
    assert parsed.xpath("//o:datestamp/text()", namespaces=ns) == ["2026-12-07T06:40:00Z"] * 2
    assert parsed.xpath("//o:record/o:metadata/*/text()", namespaces=ns) == ["d"]
