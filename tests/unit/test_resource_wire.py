"""A learning resource on the wire: the shape of the reference activity
(shared/reference/learning-resource.activity.json), readable on Mastodon (no `summary`, which
Mastodon folds as a content warning), written in the resource's own language, and every
field read back as it was sent."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compagnon.domain.facets import extract
from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import Attachment, LearningResource, Translation, normalised
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import expand
from compagnon.federation.resource_convert import resource_from_document, to_resource_object
from compagnon.i18n import current_language
from compagnon.storage.models import Actor, Object
from tests.support.resources import QUIZ, WELDER, WELDING

TESTS = Path(__file__).parents[1]
REFERENCE = TESTS / "fixtures" / "reference" / "learning-resource.activity.json"
MASTODON_CREATE = (
    TESTS / "interop" / "payloads" / "mastodon" / "create_note_hashtags_attachment.json"
)
BASE = "https://cfp.example"
SDO = "http://schema.org/"


def wire(resource: LearningResource) -> dict[str, Any]:
    author = Actor(uri=f"{BASE}/users/ana", followers_url=f"{BASE}/users/ana/followers")
    obj = Object(
        uri=f"{BASE}/objects/1",
        published=datetime(2026, 3, 1, tzinfo=UTC),
        recipients={
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [author.followers_url],
        },
    )
    return to_resource_object(resource, obj, author, BASE, publisher=f"{BASE}/users/centre")


def kind(value: Any) -> str:
    return type(value).__name__


def test_our_create_has_the_reference_shape() -> None:
    reference = json.loads(REFERENCE.read_text())["object"]
    ours = wire(WELDING)
    assert ours["type"] == ["Note", "LearningResource"]
    assert "summary" not in ours and "summaryMap" not in ours
    # Every field of the reference object is there, in the same JSON form.
    missing = {k for k in reference if k not in ours} - {"updated"}  # set by an edit only
    assert missing == set()
    assert {k: kind(ours[k]) for k in reference if k in ours} == {
        k: kind(v) for k, v in reference.items() if k in ours
    }
    # Name and content are language maps, primary language first, one entry per language.
    assert list(ours["nameMap"]) == list(ours["contentMap"]) == ["en", "pt-PT"]
    assert ours["name"] == ours["nameMap"]["en"] == WELDING.title
    assert ours["content"] == ours["contentMap"]["en"]
    assert WELDING.description in ours["content"]
    assert "mangueiras, válvulas" in ours["contentMap"]["pt-PT"]
    assert ours["inLanguage"] == ["en", "fr", "pt-PT"]
    assert ours["attachment"] == [
        {
            "type": "Document",
            "mediaType": "application/pdf",
            "url": "https://cfp.example.org/media/checklist.pdf",
            "name": "Checklist",
        }
    ]
    create = wrap("Create", f"{BASE}/activities/1", ours["attributedTo"], ours)
    assert create["object"]["type"][0] == "Note"  # Misskey reads the first type


def test_no_summary_even_for_a_resource_with_a_description() -> None:
    """Found on main: the description went out as `summary` too, so Mastodon folded every
    resource behind "Show more"."""
    assert QUIZ.description
    assert "summary" not in wire(QUIZ)
    assert wire(QUIZ)["description"] == {"en": QUIZ.description}


def test_a_mastodon_note_and_our_resource_render_alike() -> None:
    """What Mastodon reads to show a status in full (captured Mastodon Create: a Note with
    hashtags and an attachment), ours has in the same form."""
    theirs = json.loads(MASTODON_CREATE.read_text())["object"]
    ours = wire(WELDING)
    assert theirs["type"] in ours["type"]
    assert theirs["summary"] is None and ours.get("summary") is None  # not folded
    for key in ("id", "attributedTo", "published", "to", "cc", "content", "contentMap", "tag"):
        assert kind(ours[key]) == kind(theirs[key]), key
    assert {frozenset(t) for t in ours["tag"]} == {frozenset(t) for t in theirs["tag"]}
    theirs_attachment = set(theirs["attachment"][0]) & {"type", "mediaType", "url", "name"}
    assert set(ours["attachment"][0]) == theirs_attachment
    assert ours["content"].startswith("<p>") and "#<span>" in ours["content"]


def test_the_content_is_written_in_the_resources_language() -> None:
    """Found on main: the facts line was English on a Portuguese resource. The labels of the
    vocabulary values come in the resource's language where the files have one."""
    pt = replace(QUIZ, language="pt", translations=(Translation("fr", "Quiz", "Un quiz."),))
    doc = wire(pt)
    assert "QEQ nível 4" in doc["contentMap"]["pt"]  # eqf.json, pt
    assert "CEC niveau 4" in doc["contentMap"]["fr"]  # eqf.json, fr
    assert "Utilisation d\u2019un ordinateur" in doc["contentMap"]["fr"]  # isced-f.json, fr
    assert "Contr\u00f4le d\u2019apprentissage" in doc["contentMap"]["fr"]  # hcrt.json, fr
    assert "Computer use" in doc["contentMap"]["pt"]  # no pt label: English
    assert "EQF level 4" not in doc["content"]
    assert current_language.get() == "en"  # the rendering language did not leak


def test_other_terms_are_shown_as_not_open() -> None:
    own = replace(QUIZ, license="https://cfp.example.org/terms")
    assert problems(own) == [] and not own.is_open
    doc = wire(own)
    assert doc["license"] == "https://cfp.example.org/terms"
    assert "not an open licence" in doc["content"]


def test_every_field_is_read_back_as_it_was_sent() -> None:
    assert resource_from_document(wire(WELDING)) == WELDING
    assert resource_from_document(wire(QUIZ)) == QUIZ


def test_concepts_carry_their_labels_and_json_ld_keeps_every_field() -> None:
    doc = wire(WELDING)
    assert doc["occupation"][0] == {
        "id": WELDER,
        "prefLabel": {"en": "welder", "fr": "soudeur/soudeuse"},
    }
    assert doc["competencyRequired"][0]["id"] == f"{BASE}/vocab/digcompedu/2.2"
    assert doc["educationalAudience"][1]["prefLabel"]["en"] == "teacher"
    assert doc["educationalAlignment"][1]["targetName"] == "Mechanics and metal trades"
    expanded = expand({"@context": wrap("Create", "x", "y", {})["@context"], **doc})[0]
    for term in (
        "occupationalCategory",
        "teaches",
        "assesses",
        "competencyRequired",
        "audience",
        "isBasedOn",
        "isPartOf",
        "creator",
        "publisher",
        "timeRequired",
        "description",
    ):
        assert f"{SDO}{term}" in expanded, term
    descriptions = {d["@language"]: d["@value"] for d in expanded[f"{SDO}description"]}
    assert {lang.lower() for lang in descriptions} == {"en", "pt-pt"}  # pyld lowers tags


def test_search_reads_every_language_and_the_new_fields() -> None:
    facets = extract(wire(WELDING))
    assert facets is not None
    assert {"oxy", "checklist", "soldadura", "macarico", "mangueiras"} <= set(facets.words.split())
    assert "open" not in facets.words.split()  # the facts line is not a description
    assert dict(facets.occupations)[WELDER] == "welder"
    assert facets.audiences == ("student", "teacher")
    assert {term for term, _ in facets.competences} >= {
        "https://w3id.org/kim/digcomp/g_15",
        "digcompedu:2.2",
    }


def test_the_usual_spellings_are_accepted() -> None:
    typed = replace(
        QUIZ,
        license="CC BY-SA 4.0",
        language="PT-pt",
        isced_field="0611",
        resource_type="https://w3id.org/kim/hcrt/assessment",
        teaches=("digcomp:3.3", "esco:14b4a40e-da80-452a-86d6-88a959052219", "digcompedu:2.2"),
        occupations=("7212",),
        time_required="pt20m",
    )
    clean = normalised(typed)
    assert problems(clean) == []
    assert clean.license == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert (clean.language, clean.resource_type, clean.time_required) == (
        "pt-PT",
        "assessment",
        "PT20M",
    )
    assert clean.teaches == (
        "https://w3id.org/kim/digcomp/g_15",
        "http://data.europa.eu/esco/skill/14b4a40e-da80-452a-86d6-88a959052219",
        "digcompedu:2.2",
    )
    assert clean.occupations == ("http://data.europa.eu/esco/isco/C7212",)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"title": " "}, "Give the resource a title."),
        ({"title": "x" * 201}, "Titles are at most 200 characters."),
        ({"description": "x" * 5001}, "Descriptions are at most 5000 characters."),
        ({"url": "javascript:alert(1)"}, "The link must be a full web address"),
        ({"url": ""}, "Give the resource a link or a file."),
        ({"license": "all rights reserved"}, "Choose a Creative Commons licence"),
        ({"language": "Portuguese"}, "The language must be a BCP 47 code"),
        ({"languages": ("english",)}, "Languages are BCP 47 codes"),
        ({"translations": (Translation("xx-", "T"),)}, "The language of a translation"),
        ({"translations": (Translation("en", "T"),)}, "The title and description in en are"),
        ({"translations": (Translation("pt", ""),)}, "Give the resource a title in pt."),
        ({"eqf_level": 9}, "EQF levels go from 1 to 8."),
        ({"isced_field": "9999"}, "'9999' is not one"),  # found on main: accepted
        ({"isced_field": "0710"}, "'0710' is not one"),  # "not further defined"
        ({"resource_type": "poster"}, "Choose a resource type from the HCRT list"),
        ({"audiences": ("robots",)}, "Unknown audience robots"),
        ({"occupations": ("astronaut",)}, "Unknown occupation astronaut"),
        ({"teaches": ("digcomp:9.9",)}, "Unknown competence taught: digcomp:9.9"),
        ({"assesses": ("https://w3id.org/kim/digcomp/g_1",)}, "Unknown competence assessed"),
        ({"requires": ("digcompedu:7.7",)}, "Unknown competence required"),
        ({"time_required": "20 minutes"}, "ISO 8601 duration"),
        ({"is_based_on": ("ftp://x/y",)}, "The resources this one is based on must be"),
        ({"is_part_of": ("/modules/1",)}, "The collections this one is part of must be"),
        ({"keywords": ("k",) * 31}, "At most 30 keywords"),
        ({"audiences": ("teacher",) * 51}, "A list of values holds at most 50"),
    ],
)
def test_each_mistake_is_named_for_its_field(change: dict[str, Any], named: str) -> None:
    found = problems(replace(QUIZ, **change))
    assert len(found) == 1 and named in found[0], found


def test_a_resource_of_files_only_needs_no_link() -> None:
    files_only = replace(WELDING, url="")
    assert problems(files_only) == []
    links = wire(files_only)["url"]
    assert [link["mediaType"] for link in links] == ["text/html", "application/ld+json"]
    assert links[1] == {  # the AMB record, as the reference activity links it
        "type": "Link",
        "rel": "describedby",
        "mediaType": "application/ld+json",
        "href": f"{BASE}/objects/1/amb",
    }
    assert resource_from_document(wire(files_only)).url == ""


TEXT = st.text(max_size=60)
VALUES = st.one_of(
    TEXT,
    st.sampled_from(
        [
            "digcomp:3.3",
            "digcompedu:2.2",
            "7212",
            "C7212",
            "CC0",
            "https://x.example/a",
            "javascript:alert(1)",
            "pt-PT",
            "PT20M",
            "0715",
            "9999",
            "",
        ]
    ),
)
LISTS = st.lists(VALUES, max_size=4).map(tuple)


@settings(max_examples=300, deadline=None)
@given(
    texts=st.tuples(VALUES, VALUES, VALUES, VALUES, VALUES),
    eqf=st.one_of(st.none(), st.integers(-10, 20)),
    fields=st.tuples(VALUES, VALUES, VALUES),
    lists=st.tuples(LISTS, LISTS, LISTS, LISTS, LISTS, LISTS, LISTS, LISTS),
    translation=st.tuples(VALUES, VALUES, VALUES),
    attachment=st.tuples(VALUES, VALUES, VALUES),
)
def test_no_description_makes_validation_or_publishing_fail(
    texts: tuple[str, ...],
    eqf: int | None,
    fields: tuple[str, ...],
    lists: tuple[tuple[str, ...], ...],
    translation: tuple[str, str, str],
    attachment: tuple[str, str, str],
) -> None:
    """Whatever is typed, the answer is a list of sentences; a description with none
    publishes and reads back as it was."""
    resource = LearningResource(
        title=texts[0],
        description=texts[1],
        url=texts[2],
        license=texts[3],
        language=texts[4],
        eqf_level=eqf,
        isced_field=fields[0],
        resource_type=fields[1],
        time_required=fields[2],
        keywords=lists[0],
        translations=(Translation(*translation),),
        audiences=lists[1],
        occupations=lists[2],
        teaches=lists[3],
        assesses=lists[4],
        requires=lists[5],
        is_based_on=lists[6],
        is_part_of=lists[7],
        attachments=(Attachment(*attachment),),
    )
    clean = normalised(resource)
    found = problems(clean)
    assert all(isinstance(p, str) and p for p in found)
    if not found:
        assert resource_from_document(wire(clean)) == clean


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "name",
        "nameMap",
        "description",
        "url",
        "license",
        "inLanguage",
        "educationalAlignment",
        "learningResourceType",
        "educationalAudience",
        "occupation",
        "teaches",
        "timeRequired",
        "keywords",
        "isBasedOn",
        "attachment",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(FIELDS, JSON_VALUES, max_size=8))
def test_any_document_is_read_without_an_error(changes: dict[str, Any]) -> None:
    """What an edit starts from, and what search reads, whatever shape the fields take."""
    doc = {**wire(WELDING), **changes}
    assert isinstance(resource_from_document(doc), LearningResource)
    extract(doc)


def test_a_resource_with_files_renders_in_full_on_mastodon() -> None:
    """Against the captured Mastodon Create: our attachments are `Document`s in Mastodon's
    own form (Mastodon lists a file of a kind it cannot show as a link, so the readable
    content links every file too), and the trade and the level are hashtags in `tag` and in
    the content, in the form Mastodon writes them, so its users can follow them."""
    theirs = json.loads(MASTODON_CREATE.read_text())["object"]
    pdf = Attachment(f"{BASE}/media/{'a' * 64}", "application/pdf", "Checklist.pdf", 48213)
    h5p = Attachment(f"{BASE}/media/{'b' * 64}", "application/h5p+zip", "Quiz.h5p", 10_500_000)
    ours = wire(replace(WELDING, url="", attachments=(pdf, h5p)))
    assert ours["type"][0] == theirs["type"] == "Note"  # Misskey and others read the first
    assert "summary" not in ours
    their_keys = set(theirs["attachment"][0])
    for sent, attachment in zip(ours["attachment"], (pdf, h5p), strict=True):
        assert sent["type"] == theirs["attachment"][0]["type"] == "Document"
        assert set(sent) - {"contentSize"} <= their_keys
        assert (sent["mediaType"], sent["url"], sent["name"]) == (
            attachment.media_type,
            attachment.url,
            attachment.name,
        )
    for content in ours["contentMap"].values():
        assert f'<a href="{pdf.url}">Checklist.pdf (PDF, 48.2 KB)</a>' in content
        assert f'<a href="{h5p.url}">Quiz.h5p (' in content and "(H5P), 10.5 MB)</a>" in content
    # An H5P package is named for what it is (translated in each language's content).
    assert "Quiz.h5p (Interactive exercise (H5P), 10.5 MB)" in ours["contentMap"]["en"]
    names = [t["name"] for t in ours["tag"]]
    assert names == [
        "#welding",
        "#safety",
        "#MechanicsAndMetalTrades",
        "#Welder",
        "#WeldersAndFlamecutters",
        "#EQF3",
    ]
    for tag in ours["tag"]:
        assert set(tag) == set(theirs["tag"][0]) and tag["type"] == "Hashtag"
        link = f'<a href="{tag["href"]}" class="mention hashtag" rel="tag">'
        assert f"{link}#<span>{tag['name'][1:]}</span></a>" in ours["content"]
    # A tag in another script is percent-encoded in its address, as Mastodon's are.
    pt = wire(replace(QUIZ, keywords=("Segurança",)))
    assert pt["tag"][0]["href"] == f"{BASE}/tags/seguran%C3%A7a"
