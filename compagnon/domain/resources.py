"""Learning resources as trainers describe them, and the rules a description must follow.

Plain data and validation only: federation/resource_convert.py turns a resource into the
wire format (shared/reference/learning-resource.activity.json).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from compagnon.domain.vocabularies import vocabulary

EQF = "http://data.europa.eu/snb/eqf/"
ISCED_F = "http://data.europa.eu/snb/isced-f/"
HCRT = "https://w3id.org/kim/hcrt/"
DURATION_RE = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")


@dataclass(frozen=True)
class LearningResource:
    title: str
    description: str
    url: str
    license: str
    language: str
    eqf_level: int | None = None
    isced_field: str | None = None  # 4-digit ISCED-F 2013 detailed field, e.g. 0715
    resource_type: str | None = None  # an HCRT concept, e.g. worksheet
    time_required: str | None = None  # ISO 8601 duration, e.g. PT20M
    keywords: tuple[str, ...] = field(default_factory=tuple)


def problems(resource: LearningResource) -> list[str]:
    """Every mistake in the description, each as a sentence the trainer can act on."""
    found: list[str] = []
    if not resource.title.strip():
        found.append("Give the resource a title.")
    if len(resource.title) > 200:
        found.append("Titles are at most 200 characters.")
    if len(resource.description) > 5000:
        found.append("Descriptions are at most 5,000 characters.")
    parts = urlsplit(resource.url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        found.append("The link must be a full web address starting with https://.")
    if resource.license not in vocabulary("licences"):
        found.append("Choose a Creative Commons licence.")
    if not LANGUAGE_RE.match(resource.language):
        found.append("The language must be a code such as en, pt or pt-PT.")
    if resource.eqf_level is not None and not 1 <= resource.eqf_level <= 8:
        found.append("EQF levels go from 1 to 8.")
    if resource.isced_field is not None and not re.fullmatch(r"\d{4}", resource.isced_field):
        found.append("The field of education is a 4-digit ISCED-F code, e.g. 0715.")
    if resource.resource_type is not None and resource.resource_type not in vocabulary("hcrt"):
        found.append("Choose a resource type from the list.")
    if resource.time_required is not None and not DURATION_RE.match(resource.time_required):
        found.append("The time required is an ISO 8601 duration such as PT20M or PT1H30M.")
    return found
