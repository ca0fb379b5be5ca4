"""A status from an app's compose box read as a learning resource (domain/status_resource.py):
the convention a trainer follows, what leaves a status a plain note, and hostile text."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compagnon.domain.resource_rules import problems
from compagnon.domain.resources import ESCO_OCCUPATION, ISCO
from compagnon.domain.status_resource import MAX_TAGS, read_status

WELDER = ESCO_OCCUPATION + "7aedaa07-3884-4c5b-88f9-80997b2aa54b"
LINK = "https://cfp.example.org/weld.pdf"


def test_a_link_a_level_and_a_field_make_a_resource() -> None:
    composed = read_status(
        f"Oxy-fuel welding: safety checklist {LINK}\n"
        "Read it before lighting a torch.\n"
        "Hoses, valves, flashback arrestors.\n"
        "#EQF4 #ISCED0715 #safety"
    )
    assert composed is not None
    assert composed.title == "Oxy-fuel welding: safety checklist"
    assert composed.description == (
        "Read it before lighting a torch.\nHoses, valves, flashback arrestors."
    )
    assert composed.url == LINK
    assert (composed.eqf_level, composed.isced_field) == (4, "0715")
    assert composed.keywords == ("safety",)  # a code tag is no keyword
    resource = composed.resource(language="pt", licence="CC BY-SA 4.0")
    assert resource.license == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert problems(resource) == []


@pytest.mark.parametrize(
    ("tags", "level", "field", "occupations"),
    [
        ("#eqf4 #isced0715", 4, "0715", ()),
        ("#EQF_3 #ISCED_0715", 3, "0715", ()),
        ("#Eqf8 #MechanicsAndMetalTrades", 8, "0715", ()),
        ("#EQF2 #mecaniqueettechniquesapparentees", 2, "0715", ()),  # French, no accents
        ("#EQF2 #Mécanique_et_techniques_apparentées", 2, "0715", ()),
        ("#EQF2 #welder", 2, None, (WELDER,)),
        ("#EQF2 #Soudeuse", 2, None, (WELDER,)),  # one form of "soudeur/soudeuse"
        ("#EQF5 #ISCO3111", 5, None, (ISCO + "3111",)),
        # The first level and the first field count.
        ("#EQF3 #EQF5 #ISCED0715 #ISCED0713", 3, "0715", ()),
        # A code that names nothing is passed over for the next one.
        ("#EQF9 #EQF0 #EQF4 #ISCED9999 #ISCED071 #ISCED0713", 4, "0713", ()),
    ],
)
def test_the_tags_of_the_convention(
    tags: str, level: int, field: str | None, occupations: tuple[str, ...]
) -> None:
    composed = read_status(f"Checklist {LINK} {tags}")
    assert composed is not None
    assert (composed.eqf_level, composed.isced_field, composed.occupations) == (
        level,
        field,
        occupations,
    )
    assert problems(composed.resource(language="en", licence="CC BY 4.0")) == []


@pytest.mark.parametrize(
    "text",
    [
        "Checklist #EQF4 #ISCED0715",  # no link
        f"Checklist {LINK} #ISCED0715 #welder",  # no level
        f"Checklist {LINK} #EQF4 #welding",  # no field (welding is no trade's name)
        f"Checklist {LINK} #EQF9 #ISCED0715",  # no level from 1 to 8
        f"Checklist {LINK} #EQF4 #ISCED0700",  # a broad field, not a detailed one
        f"Checklist {LINK} #EQF4 #ISCED9999 #ISCO0000",  # codes that name nothing
        f"Checklist {LINK}#EQF4 #ISCED0715",  # the level tag is part of the link
        "Checklist javascript:alert(1) #EQF4 #ISCED0715",
        "Checklist javascript:alert(1)//https://cfp.example.org/ #EQF4 #ISCED0715",
        "Checklist data:text/html,<script>x</script> #EQF4 #ISCED0715",
        "Checklist https://bank.example@evil.example/ #EQF4 #ISCED0715",
        "Checklist HTTPS://cfp.example.org/ #EQF4 #ISCED0715",
        "Checklist //cfp.example.org/weld.pdf #EQF4 #ISCED0715",
        "Checklist https://" + "a" * 2100 + ".org #EQF4 #ISCED0715",  # longer than a URL
        "Checklist https://cfp.example.org/ EQF4 ISCED0715",  # words, not tags
        "Checklist https://cfp.example.org/ a#EQF4 b#ISCED0715",  # inside words
    ],
)
def test_what_stays_a_plain_note(text: str) -> None:
    assert read_status(text) is None


def test_the_link_is_taken_out_and_the_tags_read_as_words() -> None:
    composed = read_status(
        "Guide for #welder apprentices (https://en.wikipedia.org/wiki/Welding_(trade)).\n"
        "\n\n\n\nSee the #safety part first. #EQF2"
    )
    assert composed is not None
    assert composed.url == "https://en.wikipedia.org/wiki/Welding_(trade)"
    assert composed.title == "Guide for welder apprentices."
    assert composed.description == "See the safety part first."
    assert composed.occupations == (WELDER,)
    assert composed.keywords == ("welder", "safety")


def test_without_a_first_line_the_title_is_the_links_host_and_path() -> None:
    composed = read_status(f"  \n{LINK}\n#EQF4 #ISCED0715")
    assert composed is not None
    assert composed.title == "cfp.example.org/weld.pdf"
    assert composed.description == ""


def test_an_unsafe_link_is_passed_over_for_the_next_safe_one() -> None:
    composed = read_status(
        "Checklist https://bank.example@evil.example/ then https://cfp.example.org/ok "
        "#EQF4 #ISCED0715"
    )
    assert composed is not None and composed.url == "https://cfp.example.org/ok"


def test_very_long_text_is_cut_to_what_a_resource_holds() -> None:
    first = "Welding " * 100  # 800 characters on the first line
    composed = read_status(f"{first}\n{'More. ' * 1000}\n{LINK} #EQF4 #ISCED0715")
    assert composed is not None
    assert len(composed.title) == 200 and composed.title.endswith("…")
    # The first line, too long for a title, is given whole in the description.
    assert composed.description.startswith(first.strip())
    assert len(composed.description) <= 5000
    assert problems(composed.resource(language="en", licence="CC BY 4.0")) == []


def test_a_flood_of_tags_is_read_only_so_far() -> None:
    many = " ".join(f"#tag{i}x" for i in range(5000))
    started = time.monotonic()
    assert read_status(f"Checklist {LINK} {many} #EQF4 #ISCED0715") is None  # past MAX_TAGS
    composed = read_status(f"Checklist {LINK} #EQF4 #ISCED0715 {many}")
    assert time.monotonic() - started < 2
    assert composed is not None
    assert len(composed.keywords) == 30  # a resource's most
    assert len(composed.keywords) < MAX_TAGS
    assert problems(composed.resource(language="en", licence="CC BY 4.0")) == []


def test_tags_too_long_or_without_a_letter_are_no_keywords() -> None:
    composed = read_status(f"Checklist {LINK} #EQF4 #ISCED0715 #{'w' * 101} #2024 #ok")
    assert composed is not None and composed.keywords == ("ok",)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=600))
def test_any_text_gives_a_note_or_a_valid_resource(text: str) -> None:
    for status in (text, f"{text} {LINK} #EQF4 #ISCED0715", f"{LINK} {text} #EQF1 #welder"):
        composed = read_status(status)
        if composed is not None:
            resource = composed.resource(language="en", licence="CC BY 4.0")
            assert problems(resource) == [], status
            assert composed.url.startswith(("https://", "http://"))
