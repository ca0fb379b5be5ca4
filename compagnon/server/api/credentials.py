"""`PATCH /api/v1/accounts/update_credentials`: an app changes the caller's profile, as the
/settings page does (operations/profile.py, shared with the page and the CLI): display name,
note (plain text), avatar (multipart; Pillow checks it and makes the square WebP the page
makes), `locked` (follow requests are approved by hand), `discoverable` and `indexable` (the
consent the node keeps per trainer), `source[language]` (the interface language, the one
language a person chooses here), `fields_attributes[N][name]` / `[value]` (the profile's
fields, at most 4: given, they replace all of them; federation/profile_fields.py). One
`Update` of the actor goes to the followers. `hide_collections` keeps the lists of followers
and following to the caller (the numbers stay, as on Mastodon; nothing is sent for it).

Taken but without effect, since the node has no such thing (docs/apps.md): `header`, `bot`,
`source[privacy]`, `source[sensitive]`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

from compagnon.i18n import _, ngettext
from compagnon.media.store import MediaError
from compagnon.operations import profile as ops
from compagnon.server.api import entities
from compagnon.server.api.base import ApiError, api_view, caller, clean, json_answer, me, params
from compagnon.server.keys import FEDERATION, MEDIA, SESSIONS, SETTINGS, WORKER
from compagnon.storage.models import Actor, User

MAX_FIELD_CHARS = 10_000  # a text part longer than any field the node keeps is refused
MAX_PARTS = 64
PROFILE_FIELDS = ("display_name", "note", "locked", "discoverable", "indexable")
# `fields_attributes[0][name]`, as forms name them (Mastodon.py, most apps)
_FIELD_PART = re.compile(r"fields_attributes\[(\d{1,2})\]\[(name|value)\]")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "on", "yes")


async def _multipart(request: web.Request) -> tuple[dict[str, str], bytes | None]:
    """The text fields and the avatar's bytes of a multipart body, read part by part (an
    avatar may be larger than the body limit of other requests, up to the avatar's own)."""
    fields: dict[str, str] = {}
    avatar: bytes | None = None
    try:
        reader = await request.multipart()
        for _n in range(MAX_PARTS):
            part = await reader.next()
            if part is None:
                return fields, avatar
            if not isinstance(part, BodyPartReader) or part.name is None:
                raise ApiError(422, _("the request could not be read"))
            if part.name in ("avatar", "header"):
                data = bytearray()
                while chunk := await part.read_chunk(64 * 1024):
                    data += chunk
                    if len(data) > ops.MAX_AVATAR_BYTES:
                        raise ApiError(
                            422,
                            ngettext(
                                "Validation failed: Avatar is too large (at most {n} byte)",
                                "Validation failed: Avatar is too large (at most {n} bytes)",
                                ops.MAX_AVATAR_BYTES,
                            ),
                        )
                if part.name == "avatar":  # a header picture: the node shows none
                    avatar = bytes(data)
                continue
            raw = bytearray()
            while chunk := await part.read_chunk(16 * 1024):
                raw += chunk
                if len(raw) > MAX_FIELD_CHARS * 4:  # UTF-8: at most 4 bytes a character
                    raise ApiError(
                        422, _("Validation failed: {field} is too long", field=part.name[:40])
                    )
            fields[part.name] = clean(raw.decode("utf-8", "replace"))
    except (ValueError, AssertionError, KeyError, HttpProcessingError):
        raise ApiError(422, _("the request could not be read")) from None
    raise ApiError(422, _("the request could not be read"))  # more parts than any form has


async def _given(request: web.Request) -> tuple[dict[str, str], bytes | None]:
    if request.content_type.startswith("multipart/"):
        return await _multipart(request)
    return {key: value for key, value in (await params(request)).items()}, None


async def _field_pairs(request: web.Request, given: dict[str, str]) -> list[tuple[str, str]] | None:
    """The profile fields asked for, in their order (None: not asked): form parts named
    `fields_attributes[N][name]` / `[value]`, or in a JSON body `fields_attributes` as a list
    of `{name, value}` or an object of them by index."""
    by_index: dict[int, dict[str, str]] = {}
    for key, value in given.items():
        match = _FIELD_PART.fullmatch(key)
        if match:
            by_index.setdefault(int(match.group(1)), {})[match.group(2)] = value
    if request.content_type == "application/json":
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        listed: Any = body.get("fields_attributes") if isinstance(body, dict) else None
        if isinstance(listed, dict):
            listed = [listed[k] for k in sorted(listed, key=lambda k: (len(str(k)), str(k)))]
        for index, item in enumerate(listed if isinstance(listed, list) else []):
            if isinstance(item, dict):
                by_index[index] = {
                    part: clean(str(item[part])) for part in ("name", "value") if item.get(part)
                }
    if not by_index:
        return None
    return [(by_index[i].get("name", ""), by_index[i].get("value", "")) for i in sorted(by_index)]


async def _stored_avatar(request: web.Request, actor: Actor, data: bytes) -> str:
    """The picture as the page stores it (a square WebP in the media store): its URL."""
    try:
        media = await ops.store_avatar(request.app[SESSIONS], request.app[MEDIA], data, actor.id)
    except (ops.SettingsError, MediaError) as exc:
        raise ApiError(422, _("Validation failed: {problems}", problems=str(exc))) from None
    return request.app[SETTINGS].base_url + media.url_path


@api_view
async def update_credentials(request: web.Request) -> web.StreamResponse:
    user, actor = me(await caller(request, "write:accounts"))
    given, avatar = await _given(request)
    for name, value in given.items():
        if len(value) > MAX_FIELD_CHARS:
            raise ApiError(422, _("Validation failed: {field} is too long", field=name[:40]))
    avatar_url = await _stored_avatar(request, actor, avatar) if avatar else None
    language = given.get("source[language]")
    fields = await _field_pairs(request, given)
    urls = request.app[FEDERATION].urls
    try:
        async with request.app[SESSIONS].begin() as session:
            me_row = await session.get(Actor, actor.id)
            user_row = await session.get(User, user.id)
            assert me_row is not None and user_row is not None
            if language is not None:
                ops.set_language(user_row, language)
            if "hide_collections" in given:
                ops.set_hides_network(me_row, _flag(given["hide_collections"]))
            if any(name in given for name in PROFILE_FIELDS) or avatar_url or fields is not None:
                if fields is not None:
                    ops.set_fields(me_row, fields)
                if "locked" in given:
                    me_row.manually_approves_followers = _flag(given["locked"])
                await ops.set_consent(
                    session,
                    me_row,
                    indexable=_flag(given["indexable"]) if "indexable" in given else None,
                    discoverable=_flag(given["discoverable"]) if "discoverable" in given else None,
                )
                current = ops.profile_of(user_row, me_row)
                # One Update of the actor carries all of it to the followers.
                await ops.update_profile(
                    session,
                    urls,
                    me_row,
                    display_name=given.get("display_name", current.display_name),
                    summary=given.get("note", current.summary),
                    avatar_url=avatar_url,
                )
    except ops.SettingsError as exc:
        raise ApiError(422, _("Validation failed: {problems}", problems=str(exc))) from None
    request.app[WORKER].wake()
    async with request.app[SESSIONS]() as session:
        me_row = await session.get(Actor, actor.id)
        user_row = await session.get(User, user.id)
        assert me_row is not None and user_row is not None
        entity = await entities.account(
            session, me_row, request.app[SETTINGS].base_url, source=True
        )
    entity["source"]["language"] = user_row.language
    return json_answer(entity)
