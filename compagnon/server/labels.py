"""What a person reads for a value stored as a code (a role, a peer policy, a delivery's
state...): each code maps to a literal `_()` label, so extraction sees every label and
translators get whole words, never a code. The mappings are built at call time so that the
language of the current request applies. Installed as template globals (templating.py)."""

from __future__ import annotations

from collections.abc import Callable

from compagnon.i18n import _


def visibility_labels() -> dict[str, str]:
    """Who can see a post, by its visibility code, in the order a form offers them."""
    return {
        "public": _("Everyone"),
        "unlisted": _("Everyone, not in public lists"),
        "followers": _("Followers only"),
        "direct": _("Only people mentioned"),
    }


def role_label(code: str) -> str:
    labels = {"trainer": _("trainer"), "moderator": _("moderator"), "admin": _("admin")}
    return labels.get(code, code)


def invite_state_label(code: str) -> str:
    labels = {
        "open": _("open"),
        "used": _("used"),
        "revoked": _("revoked"),
        "expired": _("expired"),
    }
    return labels.get(code, code)


def policy_label(code: str) -> str:
    """A peer's policy (storage/queries/peers.py POLICIES)."""
    labels = {
        "none": _("no policy"),
        "allow": _("allowed"),
        "silence": _("silenced"),
        "block": _("blocked"),
    }
    return labels.get(code, code)


def delivery_state_label(code: str) -> str:
    """A delivery's state (storage/queries/deliveries.py)."""
    labels = {
        "pending": _("pending"),
        "delivered": _("delivered"),
        "gave_up": _("given up"),
        "cancelled": _("cancelled"),
    }
    return labels.get(code, code)


def report_action_label(code: str) -> str:
    """What the moderator did about a report (operations/admin/reports.py `_resolve`)."""
    labels = {
        "removed": _("content removed"),
        "silence": _("account silenced"),
        "suspend": _("account suspended"),
        "resolved": _("closed"),
    }
    return labels.get(code, code)


GLOBALS: dict[str, Callable[[str], str]] = {
    "role_label": role_label,
    "invite_state_label": invite_state_label,
    "policy_label": policy_label,
    "delivery_state_label": delivery_state_label,
    "report_action_label": report_action_label,
}
