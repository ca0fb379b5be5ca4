"""The Mastodon client API, for the phone and web apps trainers already use (Tusky, Ivory,
Ice Cubes, Elk, Phanpy ...): sign-in (oauth.py), the JSON entities (entities.py), and the
views by area. `add_api_routes(app)` is the one call server/routes.py makes."""

from __future__ import annotations

from aiohttp import web
from aiohttp.web_routedef import AbstractRouteDef

from compagnon.server.api import (
    accounts,
    apps_page,
    base,
    bookmarks,
    credentials,
    editing,
    instance,
    media,
    notifications,
    oauth,
    polls,
    push,
    relations,
    search,
    statuses,
    streaming,
    timelines,
)


def add_api_routes(app: web.Application) -> None:
    app.add_routes(api_routes())
    app.on_shutdown.append(streaming.close_streams)


def api_routes() -> list[AbstractRouteDef]:
    return [
        # sign-in
        web.post("/api/v1/apps", oauth.register_app),
        web.get("/api/v1/apps/verify_credentials", oauth.verify_app),
        web.get("/.well-known/oauth-authorization-server", oauth.metadata),
        web.get("/oauth/authorize", oauth.authorize_form),
        web.post("/oauth/authorize", oauth.authorize),
        web.post("/oauth/token", oauth.token),
        web.post("/oauth/revoke", oauth.revoke),
        web.options("/oauth/token", base.preflight),
        web.options("/oauth/revoke", base.preflight),
        web.get("/settings/apps", apps_page.apps_page),
        web.post("/settings/apps", apps_page.revoke_app),
        # instance, and the lists kept empty
        web.get("/api/v1/instance", instance.v1),
        web.get("/api/v2/instance", instance.v2),
        *(web.get(path, instance.empty_list) for path in instance.EMPTY_LISTS),
        web.get("/api/v1/markers", instance.markers),
        web.get("/api/v1/preferences", instance.preferences),
        # accounts
        web.get("/api/v1/accounts/verify_credentials", accounts.verify_credentials),
        web.patch("/api/v1/accounts/update_credentials", credentials.update_credentials),
        web.get("/api/v1/accounts/search", search.accounts),
        web.get("/api/v1/accounts/lookup", accounts.lookup),
        web.get("/api/v1/accounts/relationships", accounts.relationships),
        web.get("/api/v1/accounts/{id}", accounts.get),
        web.get("/api/v1/accounts/{id}/statuses", accounts.statuses),
        web.post("/api/v1/accounts/{id}/follow", accounts.follow),
        web.post("/api/v1/accounts/{id}/unfollow", accounts.unfollow),
        web.get("/api/v1/accounts/{id}/followers", relations.followers),
        web.get("/api/v1/accounts/{id}/following", relations.following),
        web.get("/api/v1/follow_requests", relations.follow_requests),
        web.post("/api/v1/follow_requests/{id}/authorize", relations.authorize_request),
        web.post("/api/v1/follow_requests/{id}/reject", relations.reject_request),
        web.get("/api/v1/favourites", relations.favourites),
        # timelines, statuses, notifications, search
        web.get("/api/v1/timelines/home", timelines.home),
        web.get("/api/v1/timelines/public", timelines.public),
        web.get("/api/v1/timelines/tag/{hashtag}", timelines.tag),
        web.post("/api/v1/statuses", statuses.create),
        web.get("/api/v1/statuses/{id}", statuses.get),
        web.delete("/api/v1/statuses/{id}", statuses.delete),
        web.get("/api/v1/statuses/{id}/context", statuses.context),
        web.post("/api/v1/statuses/{id}/favourite", statuses.favourite),
        web.post("/api/v1/statuses/{id}/unfavourite", statuses.unfavourite),
        web.post("/api/v1/statuses/{id}/reblog", statuses.reblog),
        web.post("/api/v1/statuses/{id}/unreblog", statuses.unreblog),
        web.post("/api/v2/media", media.upload),
        web.post("/api/v1/media", media.upload),
        web.get("/api/v1/media/{id}", media.get),
        web.put("/api/v1/media/{id}", media.update),
        web.get("/api/v1/polls/{id}", polls.get),
        web.post("/api/v1/polls/{id}/votes", polls.vote),
        web.put("/api/v1/statuses/{id}", editing.edit),
        web.get("/api/v1/statuses/{id}/source", editing.source),
        web.get("/api/v1/statuses/{id}/history", editing.history),
        web.post("/api/v1/statuses/{id}/bookmark", bookmarks.bookmark),
        web.post("/api/v1/statuses/{id}/unbookmark", bookmarks.unbookmark),
        web.get("/api/v1/bookmarks", bookmarks.index),
        web.get("/api/v1/notifications", notifications.index),
        web.post("/api/v1/notifications/clear", notifications.clear),
        web.get("/api/v1/notifications/{id}", notifications.get),
        web.post("/api/v1/notifications/{id}/dismiss", notifications.dismiss),
        web.get("/api/v2/search", search.search),
        # Web Push to the app (compagnon/push/ sends)
        web.post("/api/v1/push/subscription", push.create),
        web.get("/api/v1/push/subscription", push.get),
        web.put("/api/v1/push/subscription", push.update),
        web.delete("/api/v1/push/subscription", push.remove),
        # live updates: WebSocket, and server-sent events
        web.get("/api/v1/streaming", streaming.websocket),
        web.get("/api/v1/streaming/health", streaming.health),
        web.get("/api/v1/streaming/user", streaming.user),
        web.get("/api/v1/streaming/user/notification", streaming.user_notification),
        web.get("/api/v1/streaming/public", streaming.public),
        web.get("/api/v1/streaming/public/local", streaming.public_local),
        web.get("/api/v1/streaming/hashtag", streaming.hashtag),
        web.get("/api/v1/streaming/hashtag/local", streaming.hashtag_local),
        # CORS preflights, and Mastodon's 404 for the rest of /api/
        web.options("/api/{tail:.*}", base.preflight),
        *(
            web.route(method, "/api/{tail:.*}", base.not_found)
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        ),
    ]
