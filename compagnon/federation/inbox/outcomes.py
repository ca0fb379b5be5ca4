"""Typed outcomes of the inbox pipeline. The server maps them to HTTP in one place
(server/views/inbox.py); nothing in the pipeline knows about status codes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    reason: str


@dataclass(frozen=True)
class Accepted(Outcome):
    """Stored durably (or a duplicate of something stored): the worker applies it later."""


@dataclass(frozen=True)
class TooLarge(Outcome):
    pass


@dataclass(frozen=True)
class Malformed(Outcome):
    pass


@dataclass(frozen=True)
class BadSignature(Outcome):
    pass


@dataclass(frozen=True)
class NotAllowed(Outcome):
    """Blocked domain, or a signer that does not own what it sends."""


@dataclass(frozen=True)
class TooMany(Outcome):
    """The sending host is over its rate limit; it may try again after `retry_after` s."""

    retry_after: int = 1
