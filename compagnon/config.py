"""One settings schema for the whole node.

Every setting is declared once, below, with its type, default and help text. From that one
declaration come: the `node.toml` keys, the `COMPAGNON_*` environment variables, the command-line
flags (`--database-url`), and the table in docs/configuration.md (`compagnon settings --markdown`).
Precedence: defaults < node.toml < environment < flags.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "COMPAGNON_"
# The interface languages (i18n.LANGUAGES; config imports nothing of ours).
INTERFACE_LANGUAGES = ("en", "fr", "pt", "it", "ro", "es", "ar")


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


def _setting(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    domain: str = _setting(
        "127.0.0.1:8080", "Public host[:port] of the node, used in every id it publishes."
    )
    scheme: str = _setting("http", "Public URL scheme: https in production, http on loopback.")
    host: str = _setting("127.0.0.1", "Address the web server listens on.")
    port: int = _setting(8080, "Port the web server listens on.")
    data_dir: str = _setting("data", "Directory for the SQLite database, keys and uploads.")
    database_url: str = _setting(
        "",
        "SQLAlchemy URL; empty means SQLite in data_dir "
        "(postgresql+asyncpg://user@host/db to scale).",
    )
    node_name: str = _setting("Compagnon", "Name of the training centre shown on pages.")
    node_kind: str = _setting(
        "centre",
        "centre (a training centre) or aggregator (national body: follows centres, serves a "
        "relay actor at /relay in both FEP-ae0c styles and the member list at /members).",
    )
    country: str = _setting("", "ISO 3166-1 alpha-2 country code of the centre, e.g. PT.")
    contact_email: str = _setting(
        "",
        "Address people write to about the node and its catalogue: OAI-PMH's adminEmail for "
        "harvesters, the contact the Mastodon apps show. Empty: harvesters get admin@ the "
        "node's domain (admin@[192.0.2.1] for an address, admin@localhost.invalid where no "
        "mail can go) and apps none.",
    )
    oai_page_size: int = _setting(
        100, "Records (or headers) per OAI-PMH answer; the rest follows a resumption token."
    )
    oai_render_ahead: bool = _setting(
        True,
        "Render each OAI-PMH record's oai_dc metadata in the worker's idle time, so harvests "
        "read stored bytes rather than building XML (otherwise the first harvest after a "
        "change builds it).",
    )
    sitemap_max_urls: int = _setting(
        50_000,
        "URLs per sitemap file (at most 50,000, the protocol's limit); past it sitemap.xml "
        "is an index of several files.",
    )
    languages: str = _setting("en", "Comma-separated BCP 47 languages of the node, primary first.")
    language: str = _setting(
        "en",
        "Default language of the interface (en fr pt it ro es ar): pages for a visitor who "
        "chose none and whose browser asks for none we have, and the commands' output "
        "(`compagnon --language fr ...`).",
    )
    default_licence: str = _setting(
        "CC BY 4.0",
        "Licence of a learning resource posted from a phone app (a status with a link and "
        "level and field hashtags) by a trainer who has published no resource yet; after "
        "that, the licence of their latest resource. A Creative Commons short name or URI, or "
        "the web address of other terms.",
    )
    allow_private_addresses: bool = _setting(
        False, "Federate with peers on loopback or private networks (tests, local federations)."
    )
    blocked_domains: str = _setting(
        "", "Comma-separated domains refused at start-up (also managed with `peer block`)."
    )
    run_worker: bool = _setting(True, "Run the delivery worker inside `serve`.")
    worker_interval: float = _setting(1.0, "Seconds the worker waits when the queue is empty.")
    max_body_bytes: int = _setting(1_000_000, "Largest inbound or fetched body, in bytes.")
    max_upload_bytes: int = _setting(
        100_000_000,
        "Largest file a trainer may upload (PDF, image, audio, video, office document, H5P, "
        "zip), in bytes; a larger one is refused with 413 before it is stored.",
    )
    media_store: str = _setting(
        "filesystem", "Where uploaded files live: filesystem (data_dir/media) or s3."
    )
    s3_endpoint_url: str = _setting(
        "", "S3-compatible endpoint (e.g. https://s3.eu-west-3.amazonaws.com, or MinIO's)."
    )
    s3_bucket: str = _setting("", "Bucket for media when media_store is s3.")
    s3_region: str = _setting("", "Region of the bucket (empty: the endpoint's default).")
    s3_access_key: str = _setting("", "Access key id for the bucket.")
    s3_secret_key: str = _setting("", "Secret access key for the bucket.")
    s3_redirect_downloads: bool = _setting(
        False, "Send browsers to short-lived presigned bucket URLs instead of relaying files."
    )
    s3_url_seconds: int = _setting(300, "Lifetime of a presigned download URL, in seconds.")
    signature_max_age: int = _setting(3600, "Seconds a signed Date may be off either way.")
    max_json_depth: int = _setting(
        64,
        "Deepest nesting of JSON accepted from peers, in the inbox and in fetched documents "
        "(actors, objects, outbox pages); deeper is refused (400, or a failed fetch).",
    )
    inbox_rate_per_host: int = _setting(
        300,
        "Inbound activities one remote host may send per inbox_rate_window once its burst "
        "is spent; more get 429 with Retry-After (0: no limit). Counted per server process.",
    )
    inbox_rate_window: float = _setting(10.0, "Seconds of the per-host inbound rate limit.")
    inbox_rate_burst: int = _setting(
        600, "Inbound activities one remote host may send at once before the rate applies."
    )
    fetch_connect_timeout: float = _setting(5.0, "Connect timeout for outbound requests (s).")
    fetch_read_timeout: float = _setting(10.0, "Read timeout for outbound requests (s).")
    fetch_total_timeout: float = _setting(30.0, "Total time allowed for one outbound request (s).")
    delivery_concurrency: int = _setting(32, "Deliveries in flight at once per worker.")
    poll_update_interval: int = _setting(
        180,
        "Least seconds between two Updates of a question's vote counts to followers and "
        "voters (Mastodon waits 3 minutes): votes in between go out together.",
    )
    outbox_page_size: int = _setting(
        100,
        "Items per page of an actor's outbox, the catalogue that aggregators and harvesters "
        "page through (a page also ends before 512 KB, so it stays under peers' size caps).",
    )
    catalogue_sync_pages_per_pass: int = _setting(
        10,
        "Outbox pages a worker imports per pass when syncing followed catalogues (0: no sync); "
        "bounds the time a pass spends there, so deliveries and inbound activities keep going.",
    )
    catalogue_sync_page_delay: float = _setting(
        0.0,
        "Seconds between two outbox pages of the same peer during a catalogue sync (0: next "
        "pass); above 0, one page per peer per pass.",
    )
    catalogue_resync_depth: int = _setting(
        2,
        "A re-sync of a catalogue already imported stops after this many pages with nothing new.",
    )
    # Limits of one catalogue sync (federation/sync_limits.py): an outbox that never ends
    # (every page links a `next`) is stopped, with the reason in `compagnon catalogue status`.
    catalogue_sync_max_items: int = _setting(
        50_000,
        "Outbox items a catalogue sync reads per followed actor; past it the sync stops "
        "(state `stopped`). Twice the largest centre catalogue the benchmarks model.",
    )
    catalogue_sync_max_pages: int = _setting(
        5_000,
        "Outbox pages a catalogue sync reads per followed actor (50,000 items at Mastodon's "
        "20 a page are 2,500 pages).",
    )
    catalogue_sync_max_bytes: int = _setting(
        250_000_000,
        "Bytes of outbox pages a catalogue sync reads per followed actor (about 5 KB for each "
        "of catalogue_sync_max_items).",
    )
    catalogue_sync_max_empty_pages: int = _setting(
        50,
        "A catalogue sync stops after this many pages in a row with nothing it may import "
        "(empty, or only items it skips).",
    )
    catalogue_sync_seconds_per_pass: float = _setting(
        5.0,
        "A worker pass starts no new outbox page after this many seconds, so a slow peer holds "
        "deliveries back for at most this plus one fetch (fetch_total_timeout).",
    )
    authorized_fetch: bool = _setting(
        False, "Require signed GETs for ActivityPub documents (the instance actor stays open)."
    )
    form_max_bytes: int = _setting(
        131_072, "Largest body of a form sent from the node's pages (sign-in, new post), in bytes."
    )
    login_failure_window: int = _setting(
        900, "Seconds over which failed sign-ins are counted (the limits below)."
    )
    login_failures_per_account: int = _setting(
        5,
        "Failed sign-ins allowed per account within the window; then even the right password "
        "waits until the window has passed (429 with Retry-After).",
    )
    login_failures_per_address: int = _setting(
        20, "Failed sign-ins allowed per client address within the window (429 after)."
    )
    trusted_proxies: str = _setting(
        "",
        "Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client "
        "(for the sign-in limit); empty: the connection's own address is the client.",
    )
    # Aggregation (federation/relay.py, federation/member_list.py)
    member_list_url: str = _setting(
        "",
        "URL of an aggregator's member list (/members) this node keeps its allowed peers in "
        "sync with: the hosts it lists are allowed, and in allowlist-only mode a host removed "
        "from it stops being allowed. Empty: no list.",
    )
    member_list_refresh_seconds: int = _setting(
        3600, "Seconds between two fetches of member_list_url by the worker."
    )
    national_catalogue_url: str = _setting(
        "",
        "Address of the national catalogue's search page (an aggregator's /search), linked "
        'from this node\'s search page as "Search the national catalogue". Empty: no link.',
    )
    log_level: str = _setting("INFO", "Logging level: DEBUG, INFO, WARNING or ERROR.")
    web_processes: int = _setting(
        1,
        "Web server processes sharing the port (gunicorn prefork); more than 1 needs PostgreSQL.",
    )
    log_format: str = _setting(
        "text", "Log lines as plain text, or json: one JSON object a line, with the request id."
    )
    metrics_token: str = _setting(
        "",
        "Bearer token that /metrics asks for; empty: /metrics answers loopback clients only.",
    )
    ready_max_queue_age: int = _setting(
        900,
        "Seconds the oldest pending inbound activity or due delivery may wait before /readyz "
        "reports the queue stuck (503).",
    )

    # Derived values: computed, never configured.
    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.domain}"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{Path(self.data_dir).resolve() / 'compagnon.sqlite3'}"

    @property
    def is_aggregator(self) -> bool:
        return self.node_kind == "aggregator"

    @property
    def language_list(self) -> list[str]:
        return [x.strip() for x in self.languages.split(",") if x.strip()]

    @property
    def blocked_domain_list(self) -> list[str]:
        return [x.strip().lower() for x in self.blocked_domains.split(",") if x.strip()]

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [x.strip() for x in self.trusted_proxies.split(",") if x.strip()]

    @property
    def contact_address(self) -> str:
        """Where to write about the node: `contact_email`, else admin@ its domain's host."""
        return self.contact_email.strip() or "admin@" + _mail_host(self.domain)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _mail_host(domain: str) -> str:
    """The part after @ of an address at the node's host. OAI-PMH's schema wants a dot after
    the @: a name that has one stays as it is, an IPv4 address is written as mail writes
    one (RFC 5321: [192.0.2.1]); a host no mail reaches (localhost, one label, an IPv6
    address) ends in .invalid (RFC 2606), which says nobody reads it rather than pretend."""
    if domain.startswith("["):  # [2001:db8::1]:8080
        host = domain[1:].split("]", 1)[0]
    else:  # a name or an IPv4 address, and perhaps :port
        host = domain.rsplit(":", 1)[0] if domain.count(":") == 1 else domain
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return f"[{ip}]" if ip.version == 4 else "ipv6.invalid"
    host = host.strip(".").lower() or "localhost"
    return host if "." in host else host + ".invalid"


# An address as OAI-PMH's schema takes it (its emailType), with one @ and no spaces.
_ADDRESS = re.compile(r"[^\s@]+@(?:[^\s@]+\.)+[^\s@]+")


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def _coerce(name: str, kind: Any, raw: Any) -> Any:
    kind_name = kind if isinstance(kind, str) else kind.__name__
    try:
        if kind_name == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(text)
        if kind_name == "int":
            return int(raw)
        if kind_name == "float":
            return float(raw)
        return str(raw)
    except ValueError:
        raise SettingsError(f"setting {name!r}: cannot read {raw!r} as {kind_name}") from None


def load_settings(
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings: defaults < TOML file < environment < explicit overrides (flags)."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    known = {f.name: f for f in fields(Settings)}
    if config_file is not None and config_file.exists():
        with config_file.open("rb") as fh:
            try:
                data = tomllib.load(fh)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{config_file}: {exc}") from None
        for key, raw in data.items():
            if key not in known:
                raise SettingsError(f"{config_file}: unknown setting {key!r}")
            values[key] = _coerce(key, known[key].type, raw)
    for name, f in known.items():
        if env_name(name) in environ:
            values[name] = _coerce(name, f.type, environ[env_name(name)])
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _coerce(name, known[name].type, raw)
    settings = Settings(**values)
    _validate(settings)
    return settings


def _validate(settings: Settings) -> None:
    if settings.scheme not in {"http", "https"}:
        raise SettingsError("scheme must be http or https")
    if settings.national_catalogue_url and not settings.national_catalogue_url.startswith(
        ("http://", "https://")
    ):
        raise SettingsError("national_catalogue_url must be an http(s) URL")
    if settings.member_list_url and not settings.member_list_url.startswith(
        ("http://", "https://")
    ):
        raise SettingsError("member_list_url must be an http(s) URL")
    if settings.member_list_refresh_seconds < 60:
        raise SettingsError("member_list_refresh_seconds must be at least 60")
    if settings.node_kind not in {"centre", "aggregator"}:
        raise SettingsError("node_kind must be centre or aggregator")
    if settings.language.strip().lower() not in INTERFACE_LANGUAGES:
        raise SettingsError(f"language must be one of {', '.join(INTERFACE_LANGUAGES)}")
    if settings.media_store not in ("filesystem", "s3"):
        raise SettingsError("media_store must be filesystem or s3")
    if settings.media_store == "s3" and not settings.s3_bucket:
        raise SettingsError("media_store = s3 needs s3_bucket")
    if settings.web_processes < 1:
        raise SettingsError("web_processes must be at least 1")
    if settings.log_format not in ("text", "json"):
        raise SettingsError("log_format must be text or json")
    if not settings.domain or "/" in settings.domain:
        raise SettingsError("domain must be host[:port], without a scheme or path")
    if settings.contact_email.strip() and not _ADDRESS.fullmatch(settings.contact_email.strip()):
        # Every OAI-PMH Identify would carry it and fail harvesters' schema checks.
        raise SettingsError("contact_email must be an e-mail address such as info@centre.example")
    for name in (
        "catalogue_sync_max_items",
        "catalogue_sync_max_pages",
        "catalogue_sync_max_bytes",
        "catalogue_sync_max_empty_pages",
    ):
        if getattr(settings, name) < 1:
            raise SettingsError(f"{name} must be at least 1")


def settings_fields() -> list[tuple[str, str, Any, str]]:
    """(name, type, default, help) for each setting, in declaration order."""
    return [
        (
            f.name,
            f.type if isinstance(f.type, str) else f.type.__name__,
            f.default,
            f.metadata["help"],
        )
        for f in fields(Settings)
    ]


def settings_markdown() -> str:
    """The reference table of docs/configuration.md, generated from the schema."""
    lines = [
        "| node.toml key | environment | flag | default | meaning |",
        "|---|---|---|---|---|",
    ]
    for name, _kind, default, help_text in settings_fields():
        shown = repr(default) if isinstance(default, str) else str(default).lower()
        lines.append(
            f"| `{name}` | `{env_name(name)}` | `{flag_name(name)}` | `{shown}` | {help_text} |"
        )
    return "\n".join(lines) + "\n"
