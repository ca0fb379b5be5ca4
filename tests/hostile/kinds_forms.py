"""The forms of modules, journeys, events and questions (server/views/module_forms.py,
event_forms.py, quiz_form.py) for the hostile corpus: odd text in every field, a real
module's or event's URI in half of them so the checks past "no such module" are reached
too."""

from __future__ import annotations

from datetime import datetime

from compagnon.domain.collections import Module
from compagnon.domain.events import Event
from compagnon.operations import collections as collection_ops
from compagnon.operations import events as event_ops
from tests.hostile.form_cases import FormTarget
from tests.support.nodes import Node


async def kinds_forms(node: Node, username: str, csrf: str, cookies: str) -> list[FormTarget]:
    module = await collection_ops.publish(
        node.settings,
        username,
        Module("Corpus module", "en", items=("https://x.example/oer/1",)),
        "public",
    )
    event = await event_ops.publish_event(
        node.settings,
        username,
        Event(
            "Corpus event",
            datetime(datetime.now().year + 1, 3, 1, 9),
            datetime(datetime.now().year + 1, 3, 1, 12),
            "Europe/Lisbon",
        ),
    )

    def form(path: str, real: str, *names: str, **fixed: str) -> FormTarget:
        def fields(text: str, token: str) -> dict[str, str]:
            values = {name: text for name in names} | fixed
            if "uri" in values and len(text) % 2:
                values["uri"] = real
            return {**values, "csrf": token}

        return FormTarget(path, fields, csrf, cookies)

    module_fields = (
        "title", "language", "description", "license", "items", "tr_language_1", "tr_title_1",
        "visibility", "items_before", "outcome_after", "name_during",
    )  # fmt: skip
    event_fields = (
        "title", "description", "start", "end", "timezone", "where", "place", "address",
        "online", "language", "capacity", "tr_language_1",
    )  # fmt: skip
    question_fields = ("question", "options", "multiple", "ends_in", "visibility", "hide_totals")
    return [
        form("/modules/new", module, *module_fields, "kind"),
        form("/modules/new", module, *module_fields, kind="Journey"),
        form("/modules/edit", module, "uri", *module_fields),
        form("/modules/items", module, "uri", "action", "item", "phase", "back"),
        form("/modules/items", module, "uri", "item", action="add"),
        form("/events/new", event, *event_fields),
        form("/events/edit", event, "uri", *event_fields),
        form("/events/answer", event, "uri", "answer"),
        form("/events/answer", event, "uri", answer="going"),
        form("/questions/new", event, *question_fields),
        form("/questions/new", event, "question", "options", ends_in="P1D", hide_totals="on"),
    ]
