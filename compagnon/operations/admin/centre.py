"""The centre's profile: name, summary, country and picture of the centre actor, sent to
its followers as an Update."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from compagnon.federation.actor_convert import to_actor_document
from compagnon.federation.convert import wrap
from compagnon.federation.jsonld import AS_PUBLIC
from compagnon.federation.outbox import publish
from compagnon.federation.sanitize import text_to_html
from compagnon.federation.signing.integrity import with_assertion_method
from compagnon.federation.urls import Urls
from compagnon.i18n import _, ngettext
from compagnon.operations.admin.common import AdminError
from compagnon.storage.models import (
    Activity,
    Actor,
)
from compagnon.storage.queries import actors as actor_queries

# ---- the centre's profile ------------------------------------------------------------------


@dataclass(frozen=True)
class CentreProfile:
    name: str
    summary: str
    country: str
    languages: list[str]
    icon_url: str | None


def centre_profile(
    centre: Actor, default_country: str, default_languages: list[str]
) -> CentreProfile:
    extra = centre.raw or {}
    return CentreProfile(
        name=centre.name,
        summary=str(extra.get("summary_text", "")),
        country=str(extra.get("country") or default_country),
        languages=list(extra.get("languages") or default_languages),
        icon_url=centre.icon_url,
    )


COUNTRY = re.compile(r"[A-Za-z]{2}")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})?")


async def update_centre(
    session: AsyncSession,
    urls: Urls,
    *,
    name: str,
    summary: str,
    country: str,
    languages: list[str],
    icon_url: str | None,
) -> Activity:
    """Change the centre's profile and send an Update of its actor to its followers. Country
    and languages ride in the local actor's `raw` (unused otherwise for local actors)."""
    name, summary, country = name.strip(), summary.strip(), country.strip().upper()
    if not name or len(name) > 200:
        raise AdminError(_("The centre's name has 1 to 200 characters."))
    if len(summary) > 5000:
        raise AdminError(
            ngettext(
                "The summary has at most {n} character.",
                "The summary has at most {n} characters.",
                5000,
            )
        )
    if country and not COUNTRY.fullmatch(country):
        raise AdminError(_("The country is a two-letter code (FR, PT, IT...)."))
    wrong = [code for code in languages if not LANGUAGE.fullmatch(code)]
    if wrong or len(languages) > 20:
        raise AdminError(_("Languages are codes such as fr, pt, ar, separated by commas."))
    centre = await actor_queries.local_by_username(session, "centre")
    assert centre is not None
    centre.name = name
    centre.summary = text_to_html(summary) if summary else ""
    centre.icon_url = icon_url or centre.icon_url
    centre.raw = {"country": country, "languages": languages, "summary_text": summary}
    doc = with_assertion_method(
        to_actor_document(centre, urls, country=country, languages=languages), centre
    )
    update = wrap(
        "Update",
        urls.new_activity(),
        centre.uri,
        doc,
        {"to": [AS_PUBLIC], "cc": [centre.followers_url]},
    )
    return await publish.send(session, centre, update, addressed=[AS_PUBLIC, centre.followers_url])
