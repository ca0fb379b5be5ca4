"""The cards of a timeline speak the reader's language: a French trainer's resource, event and
module keep her words, but the words of the node around them (the facts line, the event's
times, the links) are in the language the rest of the page speaks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from html import unescape

import aiohttp

from compagnon import i18n
from compagnon.domain.collections import Module
from compagnon.domain.events import Event
from compagnon.domain.vocabularies import vocabulary
from compagnon.federation.resource_text import written_in
from compagnon.i18n import _
from compagnon.operations import collections as collection_ops
from compagnon.operations import events as event_ops
from tests.conftest import NodeFactory
from tests.support.resources import QUIZ, publish_resource

NEXT_YEAR = datetime.now().year + 1
RESOURCE = replace(QUIZ, title="Quiz : les licences libres", language="fr", eqf_level=3)
EVENT = Event(
    title="Séminaire soudage",
    description="Une demi-journée sur les clapets anti-retour.",
    start=datetime(NEXT_YEAR, 3, 1, 9, 0),
    end=datetime(NEXT_YEAR, 3, 1, 13, 30),
    timezone="Europe/Paris",
    place="CFA de Lyon",
    language="fr",
)


def _card(page: str, title: str) -> str:
    """The text of the card headed `title`."""
    for card in re.findall(r'<article class="post".*?</article>', page, re.DOTALL):
        if f">{title}</h2>" in unescape(card):
            return unescape(re.sub(r"<[^>]+>", " ", card))
    raise AssertionError(f"no card for {title}")


def _words(language: str, message: str, **fields: str) -> str:
    with written_in(language):
        return _(message, **fields)


async def test_cards_of_ours_are_in_the_reader_s_language(make_node: NodeFactory) -> None:
    node = await make_node("a")
    await node.create_user("ana")
    resource = await publish_resource(node, "ana", RESOURCE)
    await event_ops.publish_event(node.settings, "ana", EVENT)
    module = Module(title="Boîte à outils", language="fr", items=(resource.uri,))
    await collection_ops.publish(node.settings, "ana", module, "public")

    pages = {}
    async with aiohttp.ClientSession() as http:
        for reader in ("en", "es", "fr"):
            headers = {"Accept-Language": reader}
            async with http.get(node.base + "/centre", headers=headers) as answer:
                assert answer.status == 200
                pages[reader] = await answer.text()

    for reader, other in (("en", "fr"), ("es", "fr"), ("fr", "es")):
        page = pages[reader]
        card = _card(page, RESOURCE.title)
        assert "Une fiche" not in card and QUIZ.description in card  # her words, as written
        level = vocabulary("eqf").label("3", reader)
        assert level in card and vocabulary("eqf").label("3", other) not in card
        assert vocabulary("hcrt").label("assessment", reader) in card
        assert _words(reader, "open the resource") in card
        assert _words(other, "open the resource") not in card

        card = _card(page, EVENT.title)
        assert EVENT.description in card
        with written_in(reader):
            when = i18n.format_span(EVENT.start, EVENT.end)
        assert _words(reader, "When: {when}", when=f"{when} (Europe/Paris)") in card
        assert _words(reader, "add to my calendar (.ics)") in card

        card = _card(page, module.title)
        assert _words(reader, "Open the module") in card
        assert RESOURCE.title in card  # its item, by the title the node knew
