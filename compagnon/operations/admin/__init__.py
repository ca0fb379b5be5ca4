"""What a centre's admins and moderators do: invites, roles, suspension, peer policies, the
blocklist import, the delivery ledger, reports and the centre's profile.

Each function takes an open session (the caller owns the transaction), so the admin pages
(server/views/admin.py) and the CLI (cli/admin.py, through `operations.database`) run the
same code. One module per area; this package names them all, so callers write
`from compagnon.operations import admin` and `admin.create_invite(...)`.
"""

from compagnon.operations.admin.accounts import (
    accounts_list,
    set_locked,
    set_role,
    set_suspended,
)
from compagnon.operations.admin.centre import (
    COUNTRY,
    LANGUAGE,
    CentreProfile,
    centre_profile,
    update_centre,
)
from compagnon.operations.admin.common import (
    DURATION,
    MAX_INVITE_DAYS,
    AdminError,
    check_role,
    in_transaction,
    parse_duration,
    token_hash,
    urls_of,
)
from compagnon.operations.admin.invites import (
    NewInvite,
    accept_invite,
    create_invite,
    invite_state,
    list_invites,
    open_invite,
    revoke_invite,
)
from compagnon.operations.admin.peers import (
    HOST,
    MASTODON_SEVERITY,
    ImportReport,
    PeerHealth,
    clean_host,
    deliveries_of_host,
    import_blocklist,
    peer_health,
    read_blocklist,
    resend,
    set_allowlist_only,
    set_peer_policy,
)
from compagnon.operations.admin.reports import (
    forward_report,
    moderate_account,
    remove_reported_content,
    reports_received,
    reports_sent,
    resolve_report,
)

__all__ = [
    "COUNTRY",
    "DURATION",
    "HOST",
    "LANGUAGE",
    "MASTODON_SEVERITY",
    "MAX_INVITE_DAYS",
    "AdminError",
    "CentreProfile",
    "ImportReport",
    "NewInvite",
    "PeerHealth",
    "accept_invite",
    "accounts_list",
    "centre_profile",
    "check_role",
    "clean_host",
    "create_invite",
    "deliveries_of_host",
    "forward_report",
    "import_blocklist",
    "in_transaction",
    "invite_state",
    "list_invites",
    "moderate_account",
    "open_invite",
    "parse_duration",
    "peer_health",
    "read_blocklist",
    "remove_reported_content",
    "reports_received",
    "reports_sent",
    "resend",
    "resolve_report",
    "revoke_invite",
    "set_allowlist_only",
    "set_locked",
    "set_peer_policy",
    "set_role",
    "set_suspended",
    "token_hash",
    "update_centre",
    "urls_of",
]
