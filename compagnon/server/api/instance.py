"""What an app asks first: the instance (v1 and v2), and the lists the node has none of
yet but apps expect to read (custom emojis, filters, lists, markers, preferences)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from compagnon import __version__
from compagnon.config import Settings
from compagnon.domain.quiz import MAX_DURATION, MAX_OPTION_CHARS, MAX_OPTIONS, MIN_DURATION
from compagnon.media.sniff import EXTENSIONS, MAX_IMAGE_PIXELS
from compagnon.push import vapid
from compagnon.server.api.base import api_view, caller, json_answer, me
from compagnon.server.api.media import MAX_ATTACHMENTS, MAX_DESCRIPTION_CHARS
from compagnon.server.keys import SESSIONS, SETTINGS
from compagnon.server.views.pages import MAX_POST_CHARS
from compagnon.storage.queries import actors as actor_queries
from compagnon.storage.queries import objects as object_queries

# Apps decide what to offer by the Mastodon version they read here.
VERSION = f"4.3.0 (compatible; Compagnon {__version__})"


def _statuses_configuration() -> dict[str, Any]:
    return {
        "max_characters": MAX_POST_CHARS,
        "max_media_attachments": MAX_ATTACHMENTS,
        "characters_reserved_per_url": 23,
    }


def _media_configuration(settings: Settings) -> dict[str, Any]:
    """What an app may upload: the kinds the store takes (media/sniff.py), the node's one
    size limit for every kind, the pixel cap."""
    limit = settings.max_upload_bytes
    return {
        "supported_mime_types": sorted(set(EXTENSIONS)),
        "description_limit": MAX_DESCRIPTION_CHARS,
        "image_size_limit": limit,
        "image_matrix_limit": MAX_IMAGE_PIXELS,
        "video_size_limit": limit,
        "video_frame_rate_limit": 120,
        "video_matrix_limit": MAX_IMAGE_PIXELS,
    }


POLLS = {
    "max_options": MAX_OPTIONS,
    "max_characters_per_option": MAX_OPTION_CHARS,
    "min_expiration": int(MIN_DURATION.total_seconds()),
    "max_expiration": int(MAX_DURATION.total_seconds()),
}


def streaming_url(base: str) -> str:
    """Where the streaming API is: this node, as Mastodon says it (ws:// or wss://)."""
    return (
        "wss://" + base.removeprefix("https://")
        if base.startswith("https://")
        else ("ws://" + base.removeprefix("http://"))
    )


@api_view
async def v1(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS]() as session:
        users = await actor_queries.count_local(session)
        posts = await object_queries.count_local(session)
    return json_answer(
        {
            "uri": settings.domain,
            "title": settings.node_name,
            "short_description": "",
            "description": "",
            "email": settings.contact_email.strip(),  # only one an admin gave: apps show it
            "version": VERSION,
            "urls": {"streaming_api": streaming_url(settings.base_url)},
            "stats": {"user_count": users, "status_count": posts, "domain_count": 0},
            "thumbnail": f"{settings.base_url}/static/icon-512.png",
            "languages": settings.language_list,
            "registrations": False,
            "approval_required": True,
            "invites_enabled": True,
            "configuration": {
                "statuses": _statuses_configuration(),
                "media_attachments": _media_configuration(settings),
                "polls": POLLS,
            },
            "contact_account": None,
            "rules": [],
        }
    )


@api_view
async def v2(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS]
    async with request.app[SESSIONS].begin() as session:
        users = await actor_queries.count_local(session)
        vapid_key = await vapid.node_key(session)  # apps subscribe to Web Push with it
    return json_answer(
        {
            "domain": settings.domain,
            "title": settings.node_name,
            "version": VERSION,
            "source_url": "",
            "description": "",
            "usage": {"users": {"active_month": users}},
            "thumbnail": {"url": f"{settings.base_url}/static/icon-512.png"},
            "icon": [],
            "languages": settings.language_list,
            "configuration": {
                "urls": {"streaming": streaming_url(settings.base_url), "status": None},
                "vapid": {"public_key": vapid_key.server_key},
                "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 0},
                "statuses": _statuses_configuration(),
                "media_attachments": _media_configuration(settings),
                "polls": POLLS,
                "translation": {"enabled": False},
            },
            "registrations": {"enabled": False, "approval_required": True, "message": None},
            "api_versions": {"mastodon": 2},
            "contact": {"email": settings.contact_email.strip(), "account": None},
            "rules": [],
        }
    )


# What the node has none of (yet), answered as Mastodon answers an empty list, with the scope
# each needs (None: public). Apps ask most of these when they start.
EMPTY_LISTS: dict[str, str | None] = {
    "/api/v1/custom_emojis": None,
    "/api/v1/trends/tags": None,
    "/api/v1/trends/statuses": None,
    "/api/v1/trends/links": None,
    "/api/v1/announcements": "read",
    "/api/v1/filters": "read:filters",
    "/api/v2/filters": "read:filters",
    "/api/v1/lists": "read:lists",
    "/api/v1/followed_tags": "read:follows",
    "/api/v1/conversations": "read:statuses",
    "/api/v1/blocks": "read:blocks",
    "/api/v1/mutes": "read:mutes",
    "/api/v1/domain_blocks": "read:blocks",
    "/api/v1/endorsements": "read:accounts",
    "/api/v1/featured_tags": "read:accounts",
    "/api/v2/suggestions": "read",
    "/api/v1/scheduled_statuses": "read:statuses",
}


@api_view
async def empty_list(request: web.Request) -> web.StreamResponse:
    """One of EMPTY_LISTS: none here yet, a valid empty answer."""
    needed = EMPTY_LISTS.get(request.path.rstrip("/"))
    if needed is not None:
        await caller(request, needed)
    return json_answer([])


@api_view
async def markers(request: web.Request) -> web.StreamResponse:
    await caller(request, "read:statuses")
    return json_answer({})


@api_view
async def preferences(request: web.Request) -> web.StreamResponse:
    me(await caller(request, "read:accounts"))
    return json_answer(
        {
            "posting:default:visibility": "public",
            "posting:default:sensitive": False,
            "posting:default:language": request.app[SETTINGS].language_list[0],
            "reading:expand:media": "default",
            "reading:expand:spoilers": False,
        }
    )
