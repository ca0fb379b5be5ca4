"""What templates may do with stored data: links through the URL rule, content warnings.

Every `href` built from stored data goes through `link` (or the `http_url` filter), so a URL
that is not plain http(s) (domain/safe_urls.py) is shown as text, never as a link, even when
it was stored before the rule existed. `content_warning` says what a post is folded behind.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from compagnon import i18n
from compagnon.domain.safe_urls import http_url
from compagnon.i18n import _, ngettext
from compagnon.server.cards import card_content
from compagnon.server.labels import GLOBALS as LABELS

# Types whose `summary` is part of their body (an article's abstract, a resource's
# description: federation/convert.py shows it in the content), not a content warning.
SUMMARY_IS_BODY = frozenset(
    {"Article", "Page", "Video", "Event", "Audio", "Image", "LearningResource"}
    | {"Module", "Journey"}  # a module's or journey's description (domain/collections.py)
)


def link(url: object, text: object, **attributes: str) -> Markup:
    """`<a href=url>text</a>` when `url` is safe; the text alone otherwise."""
    href = http_url(url)
    if href is None:
        return Markup("{}").format(text)
    extra = Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in attributes.items())
    return Markup('<a href="{}"{}>{}</a>').format(href, extra, text)


def with_links(message: str, **fields: object) -> Markup:
    """A translated message whose fields are links: `with_links(_("Organised by {name}"),
    name=link(...))`. The message stays one sentence for translators (the link goes where
    each language wants it); the message is escaped, and so is every field that is not
    already markup."""
    return Markup.escape(message).format(**fields)


def content_warning(post: Any) -> str | None:
    """The text a post is folded behind, or None to show it open.

    A `summary` on a Note (Mastodon's "content warning") is the warning; a post marked
    `sensitive` without one gets a generic warning. `post` is a stored Object or a search hit;
    `sensitive` is read from the stored document (raw) or given by the hit."""
    summary = getattr(post, "summary", "") or ""
    if summary and getattr(post, "type", "") not in SUMMARY_IS_BODY:
        text = Markup(summary).striptags()  # sanitised HTML: the warning is shown as text
        if text:
            return text
    if _is_sensitive(post):
        return _("Sensitive content")
    return None


def _is_sensitive(post: Any) -> bool:
    flag = getattr(post, "sensitive", None)
    if flag is None:
        raw = getattr(post, "raw", None)
        flag = raw.get("sensitive") if isinstance(raw, dict) else None
    return flag is True


def view_url(uri: str) -> str:
    """The local page of an object this node holds, whoever wrote it (/view?uri=...): search
    results and timelines open posts here, where the reader can reply, like and share."""
    return "/view?uri=" + quote(str(uri), safe="")


def profile_href(actor: Any) -> str:
    """The local page of a person or centre: `/@name` here, `/@name@host` for an actor
    elsewhere (a local view of it, fetched through the resolver)."""
    name = quote(str(actor.username), safe="")
    if actor.is_local:
        return f"/@{name}"
    return f"/@{name}@{quote(str(actor.domain), safe='')}"


LEAD_TITLE = re.compile(r"\s*<p><strong>(.{1,2000}?)</strong></p>", re.DOTALL)


def after_title(content: str | None, name: str | None) -> str:
    """A card's content without the bold title line a resource or module opens with for
    Mastodon (which shows no `name`): the card shows the name as its heading already."""
    text = content or ""
    found = LEAD_TITLE.match(text)
    if name and found and html.unescape(found.group(1)).strip() == name.strip():
        return text[found.end() :]
    return text


def install(env: jinja2.Environment) -> None:
    # The reader's language (server/language.py) for <html lang dir>, dates and numbers.
    env.globals["page_language"] = lambda: i18n.current_language.get()
    env.globals["text_direction"] = i18n.direction
    env.globals["ngettext"] = i18n.ngettext
    env.filters["moment"] = i18n.format_moment
    env.filters["day"] = i18n.format_day
    env.filters["number"] = i18n.format_number
    env.globals["profile_href"] = profile_href
    env.globals["link"] = link
    env.globals["view_url"] = view_url
    env.globals["content_warning"] = content_warning
    env.globals["card_content"] = card_content  # ours in the reader's language (cards.py)
    env.globals["with_links"] = with_links
    env.globals["ngettext"] = ngettext  # counts: the plural form each language needs
    env.globals.update(LABELS)  # codes shown as words (labels.py)
    env.filters["http_url"] = http_url
    env.filters["after_title"] = after_title
