"""Learning resource → ActivityStreams, in the wire format of the design
(shared/reference/learning-resource.activity.json): a `["Note", "LearningResource"]` that
Mastodon shows in full, readable `content`, and schema.org metadata through our context."""

from __future__ import annotations

import html
import re
from typing import Any

from compagnon.domain.resources import EQF, HCRT, ISCED_F, LearningResource
from compagnon.domain.vocabularies import vocabulary
from compagnon.federation.convert import iso
from compagnon.storage.models import Actor, Object

MINUTES_RE = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?$")


def _duration_text(value: str | None) -> str | None:
    match = MINUTES_RE.match(value or "")
    if not match:
        return value
    hours, minutes = (int(x) if x else 0 for x in match.groups())
    return " ".join(
        p for p in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if p
    )


def hashtags(resource: LearningResource, base: str) -> list[dict[str, str]]:
    words = [*resource.keywords]
    if resource.eqf_level:
        words.append(f"EQF{resource.eqf_level}")
    tags = []
    for word in words:
        name = re.sub(r"\W", "", word)
        if name:
            tags.append(
                {"type": "Hashtag", "name": f"#{name}", "href": f"{base}/tags/{name.lower()}"}
            )
    return tags


def readable_content(resource: LearningResource, tags: list[dict[str, str]]) -> str:
    """The HTML a Mastodon user reads: title, description, facts line, link, hashtags."""
    licence = vocabulary("licences")[resource.license].attributes["short"]
    facts = [
        f"EQF {resource.eqf_level}" if resource.eqf_level else None,
        _duration_text(resource.time_required),
        licence,
    ]
    link = f'<a href="{html.escape(resource.url)}">open the resource</a>'
    parts = [f"<p><strong>{html.escape(resource.title)}</strong></p>"]
    if resource.description.strip():
        parts.append(f"<p>{html.escape(resource.description.strip())}</p>")
    parts.append("<p>" + " · ".join(html.escape(f) for f in facts if f) + f" · {link}</p>")
    if tags:
        parts.append(
            "<p>"
            + " ".join(
                f'<a href="{t["href"]}" class="mention hashtag" rel="tag">#<span>'
                f"{html.escape(t['name'][1:])}</span></a>"
                for t in tags
            )
            + "</p>"
        )
    return "".join(parts)


def _alignments(resource: LearningResource) -> list[dict[str, str]]:
    found = []
    if resource.eqf_level:
        found.append(
            {
                "type": "AlignmentObject",
                "alignmentType": "educationalLevel",
                "educationalFramework": "European Qualifications Framework (EQF)",
                "targetName": f"EQF level {resource.eqf_level}",
                "targetUrl": f"{EQF}{resource.eqf_level}",
            }
        )
    if resource.isced_field:
        found.append(
            {
                "type": "AlignmentObject",
                "alignmentType": "educationalSubject",
                "educationalFramework": "ISCED-F 2013",
                "targetName": f"ISCED-F {resource.isced_field}",
                "targetUrl": f"{ISCED_F}{resource.isced_field}",
            }
        )
    return found


def to_resource_object(
    resource: LearningResource, obj: Object, author: Actor, base: str
) -> dict[str, Any]:
    tags = hashtags(resource, base)
    content = readable_content(resource, tags)
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": ["Note", "LearningResource"],
        "attributedTo": author.uri,
        "published": iso(obj.published),
        "to": obj.recipients.get("to", []),
        "cc": obj.recipients.get("cc", []),
        "name": resource.title,
        "nameMap": {resource.language: resource.title},
        "content": content,
        "contentMap": {resource.language: content},
        "url": [
            {"type": "Link", "mediaType": "text/html", "href": obj.uri},
            {"type": "Link", "href": resource.url},
        ],
        "tag": tags,
        "license": resource.license,
        "inLanguage": [resource.language],
        "keywords": list(resource.keywords),
        "educationalAlignment": _alignments(resource),
    }
    if resource.resource_type:
        labels = dict(vocabulary("hcrt")[resource.resource_type].labels)
        doc["learningResourceType"] = [
            {"id": f"{HCRT}{resource.resource_type}", "type": "Concept", "prefLabel": labels}
        ]
    if resource.eqf_level:
        doc["educationalLevel"] = f"{EQF}{resource.eqf_level}"
    if resource.time_required:
        doc["timeRequired"] = resource.time_required
    if resource.description.strip():
        doc["summary"] = html.escape(resource.description.strip())
    return doc
