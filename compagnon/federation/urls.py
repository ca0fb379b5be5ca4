"""The URLs of our own documents. Every id we publish is built here, so ids equal URLs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

INSTANCE_USERNAME = "instance.actor"


@dataclass(frozen=True)
class Urls:
    base: str  # scheme://host[:port], no trailing slash

    @property
    def domain(self) -> str:
        return urlsplit(self.base).netloc

    def actor(self, username: str) -> str:
        return f"{self.base}/users/{username}"

    def key_id(self, actor_uri: str) -> str:
        return f"{actor_uri}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def new_object(self) -> str:
        return f"{self.base}/objects/{uuid.uuid4()}"

    def new_activity(self) -> str:
        return f"{self.base}/activities/{uuid.uuid4()}"

    def is_ours(self, uri: str) -> bool:
        return uri.startswith(self.base + "/")


def host_of(uri: str) -> str:
    """The host[:port] of a URL, lower case; "" for anything that is not one (a peer's
    `http://[::1` would make urlsplit raise)."""
    try:
        return (urlsplit(uri).netloc or "").lower()
    except ValueError:
        return ""
