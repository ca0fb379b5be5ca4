"""SQLAlchemy 2 typed models: the tables of a node, one module per area; this package names
them all (`from compagnon.storage.models import Actor`).

The same models serve SQLite and PostgreSQL. Every change here needs an Alembic migration in
storage/migrations/versions; tests/integration/test_migrations.py fails when the two disagree.
"""

from compagnon.storage.models.api import (
    ApiIdempotency,
    ApiMedia,
    Bookmark,
    OAuthApp,
    OAuthCode,
    OAuthToken,
    PushDelivery,
    PushSubscription,
    StatusEdit,
)
from compagnon.storage.models.base import (
    NAMING,
    Base,
    UTCDateTime,
    utcnow,
)
from compagnon.storage.models.core import (
    ROLES,
    Activity,
    Actor,
    Delivery,
    Follow,
    Invite,
    Object,
    Peer,
    Reaction,
    Report,
    TimelineEntry,
    User,
)
from compagnon.storage.models.handover import (
    HandoverRecord,
    HandoverSet,
    Provenance,
    RelaySubscriber,
    RelaySubscription,
)
from compagnon.storage.models.learning import (
    Attendance,
    Derivation,
    EventTime,
    Notification,
)
from compagnon.storage.models.materials import (
    CollectionItem,
    Media,
    NodeFact,
    Poll,
    PollVote,
    SyncJob,
)
from compagnon.storage.models.search import (
    FULL_TEXT_COLUMN,
    FULL_TEXT_INDEX,
    FULL_TEXT_TABLE,
    SearchEntry,
    SearchTerm,
    StatisticsAuthor,
    StatisticsCount,
    outside_models,
)

__all__ = [
    "FULL_TEXT_COLUMN",
    "FULL_TEXT_INDEX",
    "FULL_TEXT_TABLE",
    "NAMING",
    "ROLES",
    "Activity",
    "Actor",
    "ApiIdempotency",
    "ApiMedia",
    "Attendance",
    "Base",
    "Bookmark",
    "CollectionItem",
    "Delivery",
    "Derivation",
    "EventTime",
    "Follow",
    "HandoverRecord",
    "HandoverSet",
    "Invite",
    "Media",
    "NodeFact",
    "Notification",
    "OAuthApp",
    "OAuthCode",
    "OAuthToken",
    "Object",
    "Peer",
    "Poll",
    "PollVote",
    "Provenance",
    "PushDelivery",
    "PushSubscription",
    "Reaction",
    "RelaySubscriber",
    "RelaySubscription",
    "Report",
    "SearchEntry",
    "SearchTerm",
    "StatisticsAuthor",
    "StatisticsCount",
    "StatusEdit",
    "SyncJob",
    "TimelineEntry",
    "UTCDateTime",
    "User",
    "outside_models",
    "utcnow",
]
