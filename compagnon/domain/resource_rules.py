"""The rules a learning resource's description must follow: `problems` and `field_problems`
name every mistake, one sentence per field, so a caller never has to guess (nor answer with a
500). Controlled values are checked against the shipped vocabularies (domain/vocabularies.py);
the resource itself and its canonical forms are domain/resources.py."""

from __future__ import annotations

from compagnon.domain.resources import (
    DIGCOMP,
    DIGCOMPEDU_PREFIX,
    DURATION_RE,
    ESCO_OCCUPATION,
    ESCO_SKILL,
    ISCO,
    MAX_ATTACHMENT_NAME,
    MAX_DESCRIPTION,
    MAX_KEYWORD,
    MAX_KEYWORDS,
    MAX_LIST,
    MAX_TITLE,
    MEDIA_TYPE_RE,
    LearningResource,
    language_tag,
)
from compagnon.domain.safe_urls import http_url
from compagnon.domain.vocabularies import vocabulary
from compagnon.i18n import _, ngettext


def is_known_competence(ref: str) -> bool:
    if ref.startswith(DIGCOMP):
        concept = vocabulary("digcomp").concepts.get(ref[len(DIGCOMP) :])
        return concept is not None and concept.attributes.get("kind") == "competence"
    if ref.startswith(DIGCOMPEDU_PREFIX):
        concept = vocabulary("digcompedu").concepts.get(ref[len(DIGCOMPEDU_PREFIX) :])
        return concept is not None and concept.attributes.get("kind") == "competence"
    if ref.startswith(ESCO_SKILL):
        return ref[len(ESCO_SKILL) :] in vocabulary("esco-skills")
    return False


def is_known_occupation(uri: str) -> bool:
    if uri.startswith(ESCO_OCCUPATION):
        return uri[len(ESCO_OCCUPATION) :] in vocabulary("esco-occupations")
    if uri.startswith(ISCO):
        return uri[len(ISCO) :] in vocabulary("isco-08")
    return False


def is_detailed_field(code: str) -> bool:
    concept = vocabulary("isced-f").concepts.get(code)
    return concept is not None and concept.attributes.get("kind") == "detailed field"


def _text_problems(title: str, description: str) -> list[str]:
    found = []
    if not title.strip():
        found.append(_("Give the resource a title."))
    if len(title) > MAX_TITLE:
        found.append(
            ngettext(
                "Titles are at most {n} character.", "Titles are at most {n} characters.", MAX_TITLE
            )
        )
    if len(description) > MAX_DESCRIPTION:
        found.append(
            ngettext(
                "Descriptions are at most {n} character.",
                "Descriptions are at most {n} characters.",
                MAX_DESCRIPTION,
            )
        )
    return found


def _translation_text_problems(title: str, description: str, lang: str) -> list[str]:
    """As `_text_problems`, for the title and description in another language."""
    found = []
    if not title.strip():
        found.append(_("Give the resource a title in {lang}.", lang=lang))
    if len(title) > MAX_TITLE:
        found.append(
            ngettext(
                "Titles in {lang} are at most {n} character.",
                "Titles in {lang} are at most {n} characters.",
                MAX_TITLE,
                lang=lang,
            )
        )
    if len(description) > MAX_DESCRIPTION:
        found.append(
            ngettext(
                "Descriptions in {lang} are at most {n} character.",
                "Descriptions in {lang} are at most {n} characters.",
                MAX_DESCRIPTION,
                lang=lang,
            )
        )
    return found


def _competence_problems(resource: LearningResource) -> list[tuple[str, str]]:
    """Unknown competences, one whole sentence for each relation (taught, assessed,
    required), each with the field it is about."""
    found: list[tuple[str, str]] = []
    unknown = [ref for ref in resource.teaches if not is_known_competence(ref)]
    if unknown:
        found.append(
            (
                "teaches",
                _(
                    "Unknown competence taught: {values}. Name a DigComp 2.2 competence "
                    "(digcomp:3.3), a DigCompEdu competence (digcompedu:2.2) or an ESCO skill "
                    "(its URI or UUID).",
                    values=", ".join(unknown[:5]),
                ),
            )
        )
    unknown = [ref for ref in resource.assesses if not is_known_competence(ref)]
    if unknown:
        found.append(
            (
                "assesses",
                _(
                    "Unknown competence assessed: {values}. Name a DigComp 2.2 competence "
                    "(digcomp:3.3), a DigCompEdu competence (digcompedu:2.2) or an ESCO skill "
                    "(its URI or UUID).",
                    values=", ".join(unknown[:5]),
                ),
            )
        )
    unknown = [ref for ref in resource.requires if not is_known_competence(ref)]
    if unknown:
        found.append(
            (
                "requires",
                _(
                    "Unknown competence required: {values}. Name a DigComp 2.2 competence "
                    "(digcomp:3.3), a DigCompEdu competence (digcompedu:2.2) or an ESCO skill "
                    "(its URI or UUID).",
                    values=", ".join(unknown[:5]),
                ),
            )
        )
    return found


def _url_list_problems(resource: LearningResource) -> list[tuple[str, str]]:
    """Links to other resources that are not http(s), one whole sentence for each relation,
    each with the field it is about."""
    found: list[tuple[str, str]] = []
    bad = [u for u in resource.is_based_on if http_url(u) is None]
    if bad:
        found.append(
            (
                "is_based_on",
                _(
                    "The resources this one is based on must be full web addresses starting with "
                    "https://: {values}.",
                    values=", ".join(bad[:3]),
                ),
            )
        )
    bad = [u for u in resource.translation_of if http_url(u) is None]
    if bad:
        found.append(
            (
                "translation_of",
                _(
                    "The resources this one translates must be full web addresses starting with "
                    "https://: {values}.",
                    values=", ".join(bad[:3]),
                ),
            )
        )
    bad = [u for u in resource.is_part_of if http_url(u) is None]
    if bad:
        found.append(
            (
                "is_part_of",
                _(
                    "The collections this one is part of must be full web addresses starting "
                    "with https://: {values}.",
                    values=", ".join(bad[:3]),
                ),
            )
        )
    return found


def problems(resource: LearningResource) -> list[str]:
    """Every mistake in the description, each as a sentence the trainer can act on. Call it
    on a `normalised` resource (the CLI and operations do) so that the usual spellings of a
    value are accepted."""
    return [message for _field, message in field_problems(resource)]


def field_problems(resource: LearningResource) -> list[tuple[str, str]]:
    """`problems`, each with the LearningResource field it is about (`lists` when a list is
    too long), so that a form can show each beside its field."""
    found: list[tuple[str, str]] = []

    def add(field_name: str, message: str) -> None:
        found.append((field_name, message))

    found += [("title", m) for m in _text_problems(resource.title, "")]
    # the title given, only the description's own mistakes
    found += [("description", m) for m in _text_problems("-", resource.description)]
    if resource.url and http_url(resource.url) is None:
        add("url", _("The link must be a full web address starting with https://."))
    if not resource.url and not resource.attachments:
        add("url", _("Give the resource a link or a file."))
    if resource.license not in vocabulary("licences") and http_url(resource.license) is None:
        add(
            "license",
            _(
                "Choose a Creative Commons licence (its URI or short name, e.g. CC BY-SA 4.0), "
                "or give the web address of your own terms (the resource is then shown as "
                "not open)."
            ),
        )
    if language_tag(resource.language) != resource.language:
        add("language", _("The language must be a BCP 47 code such as en, pt or pt-PT."))
    bad_languages = [lang for lang in resource.languages if language_tag(lang) != lang]
    if bad_languages:
        add(
            "languages",
            _(
                "Languages are BCP 47 codes such as en, pt or pt-PT, not {values}.",
                values=", ".join(bad_languages),
            ),
        )
    seen = {resource.language}
    for translation in resource.translations:
        lang = translation.language
        if language_tag(lang) != lang:
            add(
                "translations",
                _("The language of a translation must be a BCP 47 code, not {lang!r}.", lang=lang),
            )
        elif lang in seen:
            add(
                "translations", _("The title and description in {lang} are given twice.", lang=lang)
            )
        seen.add(lang)
        found += [
            ("translations", m)
            for m in _translation_text_problems(translation.title, translation.description, lang)
        ]
    if resource.eqf_level is not None and not 1 <= resource.eqf_level <= 8:
        add("eqf_level", _("EQF levels go from 1 to 8."))
    if resource.isced_field is not None and not is_detailed_field(resource.isced_field):
        add(
            "isced_field",
            _(
                "The field of education is a 4-digit ISCED-F 2013 detailed field, e.g. 0715 "
                "(mechanics and metal trades); {code!r} is not one.",
                code=resource.isced_field,
            ),
        )
    if resource.resource_type is not None and resource.resource_type not in vocabulary("hcrt"):
        add(
            "resource_type",
            _(
                "Choose a resource type from the HCRT list: {values}.",
                values=", ".join(vocabulary("hcrt")),
            ),
        )
    bad_audiences = [a for a in resource.audiences if a not in vocabulary("lrmi-audience")]
    if bad_audiences:
        add(
            "audiences",
            _(
                "Unknown audience {bad}: choose from {values}.",
                bad=", ".join(bad_audiences),
                values=", ".join(vocabulary("lrmi-audience")),
            ),
        )
    bad_occupations = [o for o in resource.occupations if not is_known_occupation(o)]
    if bad_occupations:
        add(
            "occupations",
            _(
                "Unknown occupation {values}: name an ESCO occupation (its URI or UUID) or an "
                "ISCO-08 group (e.g. 7212).",
                values=", ".join(bad_occupations[:5]),
            ),
        )
    found += _competence_problems(resource)
    if resource.time_required is not None and not DURATION_RE.match(resource.time_required):
        add(
            "time_required",
            _("The time required is an ISO 8601 duration such as PT20M or PT1H30M."),
        )
    found += _url_list_problems(resource)
    if len(resource.keywords) > MAX_KEYWORDS or any(
        len(k) > MAX_KEYWORD for k in resource.keywords
    ):
        add(
            "keywords",
            ngettext(
                "At most {n} keyword, each at most {chars} characters.",
                "At most {n} keywords, each at most {chars} characters.",
                MAX_KEYWORDS,
                chars=MAX_KEYWORD,
            ),
        )
    lists = (
        resource.audiences,
        resource.occupations,
        resource.teaches,
        resource.assesses,
        resource.requires,
        resource.is_based_on,
        resource.translation_of,
        resource.is_part_of,
        resource.attachments,
        resource.translations,
        resource.languages,
    )
    if any(len(values) > MAX_LIST for values in lists):
        add(
            "lists",
            ngettext(
                "A list of values holds at most {n} of them.",
                "A list of values holds at most {n} of them.",
                MAX_LIST,
            ),
        )
    for attachment in resource.attachments:
        if http_url(attachment.url) is None:
            add(
                "attachments",
                _(
                    "A file must be a full web address starting with https://, not {url!r}.",
                    url=attachment.url,
                ),
            )
        if attachment.media_type and not MEDIA_TYPE_RE.match(attachment.media_type):
            add(
                "attachments",
                _(
                    "A file's type is a media type such as application/pdf, not {value!r}.",
                    value=attachment.media_type,
                ),
            )
        if attachment.size is not None and attachment.size < 0:
            add("attachments", _("A file's size cannot be negative."))
        if len(attachment.name) > MAX_ATTACHMENT_NAME:
            add(
                "attachments",
                ngettext(
                    "A file's name is at most {n} character.",
                    "A file's name is at most {n} characters.",
                    MAX_ATTACHMENT_NAME,
                ),
            )
    return found
