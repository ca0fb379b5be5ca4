"""Converters between our stored rows and ActivityStreams 2 documents, named by direction.

`to_*` builds what we publish; `*_from_*` reads what peers send into plain field dicts that
storage takes. Remote HTML is not cleaned here: that happens once, in the worker (sanitize.py).
Actors have their own module (actor_convert.py); resources, quizzes, collections and events
too (resource_convert.py, quiz_convert.py, collection_convert.py, event_convert.py).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Any

from compagnon.domain.collections import collection_kind
from compagnon.domain.safe_urls import http_url
from compagnon.federation.as_types import types_of
from compagnon.federation.jsonld import AS_PUBLIC, OUR_CONTEXT, first_id, ids, is_public
from compagnon.federation.sanitize import text_to_html
from compagnon.storage.models import Actor, Object


def iso(moment: datetime) -> str:
    """An instant as peers and apps read it, to the millisecond: Mastodon's API writes
    milliseconds, Misskey sends them, and two posts in one second keep their order abroad
    (whole seconds left their order to chance on the receiving node)."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def titled_head(
    obj: Object,
    author: Actor,
    kind: str,
    title: str,
    titles: dict[str, str],
    contents: dict[str, str],
    language: str,
) -> dict[str, Any]:
    """The fields every titled object of ours starts with (a resource, a module, a journey):
    a Note for Mastodon and `kind` for the nodes that know it, its author, times, addressing,
    and its title and readable content in each of its languages."""
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": ["Note", kind],
        "attributedTo": author.uri,
        "published": iso(obj.published),
    }
    if obj.updated:
        doc["updated"] = iso(obj.updated)
    doc.update(
        {
            "to": obj.recipients.get("to", []),
            "cc": obj.recipients.get("cc", []),
            "name": title,
            "nameMap": titles,
            "content": contents[language],
            "contentMap": contents,
        }
    )
    return doc


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def first_url(value: Any) -> str:
    """The first safe URL (domain/safe_urls.py) of a string, a Link or a list of them: a
    `javascript:` or `data:` entry is skipped, the next one taken."""
    if isinstance(value, str):
        return http_url(value) or ""
    if isinstance(value, list):
        for item in value:
            found = first_url(item)
            if found:
                return found
    if isinstance(value, dict):
        href = value.get("href") or value.get("url")
        return first_url(href) if href else ""
    return ""


# --- objects ------------------------------------------------------------------------------


def addressing(visibility: str, followers_url: str, mentions: list[str]) -> dict[str, list[str]]:
    """to/cc for each visibility, as Mastodon addresses them."""
    if visibility == "public":
        return {"to": [AS_PUBLIC], "cc": [followers_url, *mentions]}
    if visibility == "unlisted":
        return {"to": [followers_url], "cc": [AS_PUBLIC, *mentions]}
    if visibility == "followers":
        return {"to": [followers_url], "cc": mentions}
    return {"to": mentions, "cc": []}


def visibility_of(doc: dict[str, Any], followers_url: str) -> str:
    to, cc = ids(doc.get("to")), ids(doc.get("cc"))
    if any(is_public(x) for x in to):
        return "public"
    if any(is_public(x) for x in cc):
        return "unlisted"
    if followers_url and followers_url in to + cc:
        return "followers"
    return "direct"


def to_note(obj: Object, actor: Actor) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": obj.uri,
        "type": obj.type,
        "attributedTo": actor.uri,
        "content": obj.content,
        "published": iso(obj.published),
        "url": obj.url or obj.uri,
        "to": obj.recipients.get("to", []),
        "cc": obj.recipients.get("cc", []),
        "sensitive": False,
        "tag": obj.recipients.get("tag", []),
    }
    if obj.language:
        doc["contentMap"] = {obj.language: obj.content}
    if obj.summary:
        doc["summary"] = obj.summary
    if obj.name:
        doc["name"] = obj.name
    if obj.in_reply_to:
        doc["inReplyTo"] = obj.in_reply_to
    if obj.updated:
        doc["updated"] = iso(obj.updated)
    files = (obj.raw or {}).get("attachment")
    if isinstance(files, list) and files:
        doc["attachment"] = files  # a post's files stay with it through an edit
    return doc


def to_tombstone(obj: Object) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": obj.uri,
        "type": "Tombstone",
        "formerType": obj.type,
    }
    if obj.deleted_at:
        doc["deleted"] = iso(obj.deleted_at)
    return doc


def wrap(
    activity_type: str,
    uri: str,
    actor_uri: str,
    obj: Any,
    recipients: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """An activity around an object (or an object's id) with the object's addressing."""
    doc: dict[str, Any] = {
        "@context": OUR_CONTEXT,
        "id": uri,
        "type": activity_type,
        "actor": actor_uri,
        "object": obj,
    }
    if recipients:
        doc["to"] = recipients.get("to", [])
        doc["cc"] = recipients.get("cc", [])
    if isinstance(obj, dict) and "published" in obj and activity_type == "Create":
        doc["published"] = obj["published"]
    return doc


def object_fields_from_note(doc: dict[str, Any], followers_url: str) -> dict[str, Any]:
    """Fields of a remote object; content still raw (the handler sanitises it).

    Notes keep their own HTML. Questions get their options listed under the text. Articles,
    Pages, Videos, Events, Audio and Images get a readable body as Mastodon shows them: the
    title, the summary, the text (markdown descriptions, as PeerTube sends, become escaped
    paragraphs) and a link to the original. Attachments are listed as links (our HTML
    allow-list has no ``img``). Mentions and hashtags are kept in ``recipients["tag"]``, in the
    shape ``publish.publish_note`` stores for our own notes. Raises ValueError for a document
    without a string ``id`` (the callers check it first).
    """
    if not isinstance(doc.get("id"), str):
        raise ValueError("an object needs a string id")
    object_type = collection_kind(doc) or _main_type(doc.get("type"))  # Module, Journey
    name = _text(doc.get("name")) or _first_text(doc.get("nameMap"))
    summary = _text(doc.get("summary")) or _first_text(doc.get("summaryMap"))
    url = _html_url(doc.get("url")) or None
    body = _text(doc.get("content")) or _first_text(doc.get("contentMap"))
    if body and _is_markdown(doc):
        body = text_to_html(body)
    content = readable_content(doc, object_type, body, name, summary, url)
    recipients: dict[str, Any] = {
        "to": ids(doc.get("to")),
        "cc": ids(doc.get("cc")),
        "tag": tags_of(doc),
    }
    return {
        "uri": doc["id"],
        "type": object_type[:64],
        "content": content,
        "summary": summary,
        "name": name,
        "language": language_of(doc),
        "url": url,
        "in_reply_to": http_url(first_id(doc.get("inReplyTo"))),
        "recipients": recipients,
        "visibility": visibility_of(doc, followers_url),
        "published": parse_time(doc.get("published")) or datetime.now(UTC),
        "updated": parse_time(doc.get("updated")),
        "raw": doc,
    }


# Shown as Mastodon shows them: a title, a summary, the text and a link to the original.
TITLED_TYPES = frozenset({"Article", "Page", "Video", "Event", "Audio", "Image"})
TAG_TYPES = frozenset({"Mention", "Hashtag"})


def _main_type(value: Any) -> str:
    """The object's type; of an array, ours first (``["Note", "LearningResource"]`` is a
    learning resource with readable content), else the first entry Mastodon would show, else
    the first string."""
    if isinstance(value, list):
        names = types_of(value)
        if "LearningResource" in names and "Note" in names:
            return "LearningResource"  # our wire format: shown in full, like a Note
        shown = [v for v in names if v in TITLED_TYPES or v in ("Note", "Question")]
        return (shown or names or ["Note"])[0]
    return value if isinstance(value, str) and value else "Note"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _first_text(value: Any) -> str:
    """The first string of a language map (the sender's primary language comes first)."""
    if isinstance(value, dict):
        return next((v for v in value.values() if isinstance(v, str)), "")
    return ""


def _is_markdown(doc: dict[str, Any]) -> bool:
    media_type = doc.get("mediaType")
    return isinstance(media_type, str) and media_type.split(";")[0].strip() == "text/markdown"


def _html_url(value: Any) -> str:
    """The link a person should open: the ``text/html`` one of a list of Links (PeerTube lists
    its HLS playlists and torrents too), else the first URL."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item.get("mediaType") == "text/html":
                found = first_url(item)
                if found:
                    return found
    return first_url(value)


def language_of(doc: dict[str, Any]) -> str | None:
    """BCP 47 tag: the first key of ``contentMap`` (then ``nameMap``), else PeerTube's
    ``language: {identifier}``."""
    for key in ("contentMap", "nameMap", "summaryMap"):
        value = doc.get(key)
        if isinstance(value, dict):
            tag = next((k for k in value if isinstance(k, str) and k and k != "und"), None)
            if tag:
                return tag[:35]
    language = doc.get("language")
    if isinstance(language, dict) and isinstance(language.get("identifier"), str):
        return str(language["identifier"])[:35] or None
    return None


def _items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def tags_of(doc: dict[str, Any]) -> list[dict[str, str]]:
    """Mentions and hashtags of an object: ``{"type", "href", "name"}``; ``tag`` may be one
    object (GoToSocial, Pixelfed) or a list. Hashtag names get their ``#``."""
    found: list[dict[str, str]] = []
    for tag in _items(doc.get("tag")):
        if not isinstance(tag, dict):
            continue
        kind = _tag_kind(tag.get("type"))
        if kind is None:
            continue
        href, name = http_url(tag.get("href")) or "", _text(tag.get("name"))
        if not href and not name:
            continue
        if kind == "Hashtag" and name and not name.startswith("#"):
            name = "#" + name
        found.append({"type": kind, "href": href, "name": name})
    return found


def _tag_kind(value: Any) -> str | None:
    """Mention or Hashtag, from a tag's `type` (one string, as every server sends it, or a
    list): the plain string is checked directly, a catalogue page holds thousands of tags."""
    if isinstance(value, str):
        return value if value in TAG_TYPES else None
    return next((t for t in types_of(value) if t in TAG_TYPES), None)


def attachments_of(doc: dict[str, Any]) -> list[dict[str, str]]:
    """Attached media and links: ``{"type", "url", "media_type", "name"}``."""
    found: list[dict[str, str]] = []
    for item in _items(doc.get("attachment")):
        if isinstance(item, str):
            if http_url(item):
                found.append({"type": "Link", "url": item, "media_type": "", "name": ""})
            continue
        if not isinstance(item, dict) or item.get("type") == "PropertyValue":
            continue
        url = first_url(item.get("url")) or first_url(item.get("href"))
        if not url:
            continue
        media_type = item.get("mediaType")
        found.append(
            {
                "type": str(item.get("type") or "Document"),
                "url": url,
                "media_type": media_type if isinstance(media_type, str) else "",
                "name": _text(item.get("name")) or _text(item.get("summary")),
            }
        )
    return found


def poll_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    """A Question's options (``oneOf``: one choice, ``anyOf``: several) with their vote
    counts, its end time and voter count; None for anything else."""
    multiple = "anyOf" in doc and "oneOf" not in doc
    options = []
    counted = False
    for option in _items(doc.get("anyOf" if multiple else "oneOf")):
        if not isinstance(option, dict) or not isinstance(option.get("name"), str):
            continue
        replies = option.get("replies")
        votes = replies.get("totalItems") if isinstance(replies, dict) else None
        counted = counted or isinstance(votes, int)
        options.append({"name": option["name"], "votes": votes if isinstance(votes, int) else 0})
    if not options:
        return None
    voters = doc.get("votersCount")
    return {
        "hide_totals": doc.get("hideTotals") is True,  # quiz_convert.question_document
        # No option with a `totalItems`: its author hides the counts until it ends
        # (Mastodon's hide_totals; ours: quiz_convert.with_counts). The zeros above are then
        # unknowns, not counts. One odd count among others is read as 0, as before.
        "counts_hidden": not counted,
        "multiple": multiple,
        "options": options,
        "end_time": parse_time(doc.get("endTime")),
        "closed": parse_time(doc.get("closed")),
        "voters": voters if isinstance(voters, int) else None,
    }


def options_html(poll: dict[str, Any]) -> str:
    """A poll's options as a list for the pages, each with its count unless its author hides
    them until it ends."""
    items = "".join(
        f"<li>{html.escape(o['name'])}</li>"
        if poll["counts_hidden"]
        else f"<li>{html.escape(o['name'])} ({o['votes']})</li>"
        for o in poll["options"]
    )
    return f"<ul>{items}</ul>"


def is_poll_vote(doc: dict[str, Any]) -> bool:
    """A vote as Mastodon and GoToSocial send it: a Note with the option's ``name``, no
    ``content``, in reply to the Question."""
    return (
        _main_type(doc.get("type")) == "Note"
        and isinstance(doc.get("name"), str)
        and not doc.get("content")
        and not doc.get("contentMap")
        and first_id(doc.get("inReplyTo")) is not None
    )


def _link(url: str, text: str) -> str:
    return f'<a href="{html.escape(url)}">{html.escape(text)}</a>'


def readable_content(
    doc: dict[str, Any], object_type: str, body: str, name: str, summary: str, url: str | None
) -> str:
    """The HTML a person reads for this object (unsanitised: the handler cleans it once)."""
    parts: list[str] = []
    titled = object_type in TITLED_TYPES
    if titled and name:
        parts.append(f"<p><strong>{html.escape(name)}</strong></p>")
    if titled and summary:
        parts.append(
            summary if summary.lstrip().startswith("<") else f"<p>{html.escape(summary)}</p>"
        )
    if body:
        parts.append(body)
    elif not titled and name and not parts:
        parts.append(f"<p>{html.escape(name)}</p>")  # a Note with only a name (Lemmy, polls)
    poll = poll_of(doc) if object_type == "Question" else None
    if poll:
        parts.append(options_html(poll))
    for attachment in attachments_of(doc):
        parts.append(f"<p>{_link(attachment['url'], attachment['name'] or attachment['url'])}</p>")
    if titled and url:
        parts.append(f"<p>{_link(url, url)}</p>")
    return "".join(parts)
