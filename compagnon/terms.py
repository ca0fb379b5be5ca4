"""Stored values that pages and commands show translated as they are: `{{ _(d.state) }}`,
`{{ _(invite.role) }}`, `_(STATE_LABELS[state])`.

pybabel finds a message only in a call with a literal (`_("pending")`); a value reaching `_()`
through a variable would never reach the translators and would stay English whatever the
catalogue. Each such value is therefore spelled out here, once; `tests/unit/test_catalogues.py`
checks that every value of those sets is (roles, invite states, peer policies, delivery
states, report outcomes, visibilities, event answers). New sets of values shown through
`_(variable)` belong here too.
"""

from __future__ import annotations

from compagnon.i18n import _


def shown_values() -> dict[str, str]:
    """Each value and its translation in the current language."""
    return {
        # roles (storage/models.py: ROLES)
        "trainer": _("trainer"),
        "moderator": _("moderator"),
        "admin": _("admin"),
        # invites (operations/admin.py: invite_state)
        "open": _("open"),
        "used": _("used"),
        "expired": _("expired"),
        "revoked": _("revoked"),
        # peer policies (storage/queries/peers.py: POLICIES)
        "none": _("none"),
        "allow": _("allow"),
        "silence": _("silence"),
        "block": _("block"),
        # deliveries (storage/models.py: Delivery.state)
        "pending": _("pending"),
        "delivered": _("delivered"),
        "gave_up": _("gave_up"),
        # how a report was closed (operations/admin.py: _resolve)
        "removed": _("removed"),
        "suspend": _("suspend"),
        "resolved": _("resolved"),
        # who can see a post (server/views/pages.py: VISIBILITY_LABELS)
        "Everyone": _("Everyone"),
        "Everyone, not in public lists": _("Everyone, not in public lists"),
        "Followers only": _("Followers only"),
        "Only people mentioned": _("Only people mentioned"),
        # answers to an event (cli/events.py: STATE_LABELS)
        "going": _("going"),
        "maybe": _("maybe"),
        "not going": _("not going"),
        "full": _("full"),
    }
