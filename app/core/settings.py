"""One typed Settings object, read from the environment and validated at start.

A wrong value stops the start with one line that names the variable (`SettingsError`), never a traceback
deep inside a worker an hour later.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.core.database_urls import (
    DEFAULT_DATABASE_URL,
    DatabaseUrlError,
    database_url,
    database_url_eu,
    replica_url,
)
from app.core.json_body import DEFAULT_MAX_DEPTH, MAX_DEPTH
from app.core.regions import DEFAULT_API_BASES, REGIONS
from app.core.secret_files import SecretFileError, with_file_secrets
from app.core.setting_values import SettingsError
from app.core.setting_values import count as _count
from app.core.setting_values import csv_values as _csv
from app.core.setting_values import flag as _flag
from app.core.setting_values import percent as _percent
from app.core.setting_values import port as _port
from app.core.setting_values import seconds as _seconds

DEFAULT_SIGNATURE_MAX_AGE = 43200  # Mailgun retries for ~8 h and may resend the original signature.
ENVIRONMENTS = ("development", "test", "production")
# A request body must arrive within this (app/intake/body_deadline.py); Mailgun's 25 MB posts take seconds.
DEFAULT_BODY_DEADLINE_SECONDS = 30.0
# Inbound attachments up to this size keep their content in the database; larger ones their metadata only.
DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SyncSettings:
    """Sync back to Mailgun: which policy rules act, how the outbox and the REST client pace themselves."""

    bounces: bool = True
    complaints: bool = True
    unsubscribes: bool = True
    lists: bool = True
    push_interval: float = 5.0
    list_refresh_seconds: int = 900
    api_timeout: float = 10.0
    api_retries: int = 3
    api_backoff: float = 0.5
    # A 429 asking for a longer pause than this ends the push run; the region waits in the database instead.
    api_max_wait: float = 10.0
    retry_seconds: float = 60.0
    max_attempts: int = 10


# Mailgun keeps event logs for 30 days at most (plan-dependent): a longer first look back finds nothing more.
MAX_POLL_LOOKBACK_HOURS = 30 * 24
POLL_SOURCES = ("logs", "events")
# Mailgun's subaccount ids are hex; letters, digits, `-` and `_` keep any header injection out.
SUBACCOUNT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass(frozen=True, slots=True)
class PollSettings:
    """The reconciliation poller: how often it runs, how old a page must be to be used, where it first starts,
    and which of Mailgun's event logs it reads (the Logs API; the deprecated Events API as the fallback)."""

    interval: float = 300.0
    # Mailgun's log settles within ~30 minutes: only events older than this are read (FACTS.md section 5).
    trust_lag_seconds: int = 1800
    lookback_hours: int = 24
    source: str = "logs"


@dataclass(frozen=True, slots=True)
class PushSettings:
    """Push subscriptions (workers/push/): how often beat hands them out, how long a subscriber may take to
    answer, how retries back off, when a failing one is paused, which hosts a subscription may name."""

    interval: float = 2.0
    timeout: float = 10.0
    # The first retry comes after up to this long (times a jitter); each further one waits twice as long.
    backoff: float = 2.0
    max_backoff: float = 600.0
    pause_after: float = 24 * 3600.0
    # Empty: any host (subscribers are often the team's own services, on private or loopback addresses).
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MimeSettings:
    """How much of an inbound message the parser reads; past a bound the rest stays in the raw MIME only.

    Python's email header parser is quadratic (or worse) in some header shapes, and its feed parser builds an
    object per part: a sender who can mail a route could otherwise take a worker's memory or hours of CPU.
    """

    max_header_bytes: int = 64 * 1024  # one header, folded lines included; a longer one is not interpreted
    max_headers: int = 1000  # per header block (the message's, and each part's)
    max_params: int = 100  # parameters read per Content-Type / Content-Disposition
    max_encoded_words: int = 256  # RFC 2047 words decoded per header
    max_parts: int = 2000  # MIME parts per message, nested ones included
    max_depth: int = 50  # multipart nesting


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # When set, the EU region's data is stored in this database only (app/core/stores.py).
    database_url_eu: str | None = None
    # Streaming replicas of each database, for the API's and the dashboard's reads (app/core/db.py).
    database_url_read: str | None = None
    database_url_eu_read: str | None = None
    redis_url: str | None = None
    signing_keys: tuple[str, ...] = ()
    api_key: str | None = None
    domain_regions: Mapping[str, str] = field(default_factory=dict)
    # Sending domains that belong to a subaccount: domain -> subaccount id (X-Mailgun-On-Behalf-Of).
    subaccounts: Mapping[str, str] = field(default_factory=dict)
    # Also ask each region's host which configured domains a subaccount owns (workers/mailgun/subaccounts.py).
    discover_subaccounts: bool = False
    api_bases: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_API_BASES))
    api_tokens: tuple[str, ...] = ()
    signature_max_age: int = DEFAULT_SIGNATURE_MAX_AGE
    body_deadline_seconds: float = DEFAULT_BODY_DEADLINE_SECONDS
    env: str = "development"
    retention_days: int = 30
    # How wide each partition of `events` is on Postgres (app/core/partitions.py): "daily" or "monthly".
    event_partitions: str = "daily"
    # Rewrite closed partitions of `events` in recipient order (workers/ops/partition_sort.py).
    sort_partitions: bool = True
    broker_dir: str = "var/broker"
    # Lets several deployments (or test runs) share one Redis without seeing each other's queues.
    queue_prefix: str = ""
    # Batch concurrent intake inserts into one statement and commit (Postgres only).
    group_commit: bool = True
    log_format: str = "text"
    attachment_max_bytes: int = DEFAULT_ATTACHMENT_MAX_BYTES
    # Concurrent group-commit writers per web process (app/intake/group_commit.py says why one).
    group_committers: int = 1
    # gunicorn threads per web process: the intake sizes its connection pool to them.
    web_threads: int = 16
    # Workers serve their metrics over HTTP on this port when set (they have no web server of their own).
    worker_metrics_port: int | None = None
    # A JSON webhook nested deeper is refused at the intake; at most json_body.MAX_DEPTH, all of it storable.
    json_max_depth: int = DEFAULT_MAX_DEPTH
    # Domain health turns red past these (fractions): Mailgun's acceptable-use levels, about 5% and 0.1%.
    bounce_rate_limit: float = 0.05
    complaint_rate_limit: float = 0.001
    mime: MimeSettings = field(default_factory=MimeSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    poll: PollSettings = field(default_factory=PollSettings)
    push: PushSettings = field(default_factory=PushSettings)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_postgres(self) -> bool:
        return self.database_url.startswith("postgresql")

    def domains_in(self, region: str) -> list[str]:
        return sorted(d for d, r in self.domain_regions.items() if r == region)

    def __repr__(self) -> str:  # Secrets never reach a log line through a repr.
        return f"Settings(env={self.env!r}, database={_redacted_url(self.database_url)!r})"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting; raise SettingsError naming the first bad one."""
    try:
        env = with_file_secrets(os.environ if environ is None else environ)
        primary, eu = database_url(env), database_url_eu(env)
        read = replica_url(env, "DATABASE_URL_READ", of="DATABASE_URL")
        eu_read = replica_url(env, "DATABASE_URL_EU_READ", of="DATABASE_URL_EU")
    except (SecretFileError, DatabaseUrlError) as exc:
        raise SettingsError(str(exc)) from None
    settings = Settings(
        database_url=primary,
        database_url_eu=eu,
        database_url_read=read,
        database_url_eu_read=eu_read,
        redis_url=_redis_url(env),
        signing_keys=_csv(env, "MAILGUN_WEBHOOK_SIGNING_KEYS"),
        api_key=env.get("MAILGUN_API_KEY", "").strip() or None,
        domain_regions=_domain_regions(env.get("MAILGUN_DOMAINS", "")),
        subaccounts=_subaccounts(env),
        discover_subaccounts=_flag(env, "MAILGUN_DISCOVER_SUBACCOUNTS", False),
        api_bases={r: _api_base(env, r) for r in REGIONS},
        api_tokens=_csv(env, "MAILHOOK_API_TOKENS"),
        signature_max_age=_count(env, "MAILHOOK_SIGNATURE_MAX_AGE", DEFAULT_SIGNATURE_MAX_AGE, minimum=1),
        body_deadline_seconds=_seconds(env, "MAILHOOK_BODY_DEADLINE_SECONDS", DEFAULT_BODY_DEADLINE_SECONDS),
        env=_choice(env, "MAILHOOK_ENV", ENVIRONMENTS, "development"),
        retention_days=_count(env, "MAILHOOK_RETENTION_DAYS", 30, minimum=1),
        event_partitions=event_partitions(env),
        sort_partitions=_flag(env, "MAILHOOK_SORT_PARTITIONS", True),
        broker_dir=env.get("MAILHOOK_BROKER_DIR", "var/broker"),
        queue_prefix=env.get("MAILHOOK_QUEUE_PREFIX", "").strip(),
        group_commit=_flag(env, "MAILHOOK_GROUP_COMMIT", True),
        log_format=_choice(env, "MAILHOOK_LOG_FORMAT", ("json", "text"), _default_log_format(env)),
        attachment_max_bytes=_count(
            env, "MAILHOOK_ATTACHMENT_MAX_BYTES", DEFAULT_ATTACHMENT_MAX_BYTES, minimum=1
        ),
        group_committers=_count(env, "MAILHOOK_GROUP_COMMITTERS", 1, minimum=1),
        web_threads=_count(env, "GUNICORN_THREADS", 16, minimum=1),
        worker_metrics_port=_port(env, "MAILHOOK_WORKER_METRICS_PORT"),
        json_max_depth=_count(
            env, "MAILHOOK_JSON_MAX_DEPTH", DEFAULT_MAX_DEPTH, minimum=1, maximum=MAX_DEPTH
        ),
        bounce_rate_limit=_percent(env, "MAILHOOK_BOUNCE_RATE_LIMIT_PERCENT", 5.0),
        complaint_rate_limit=_percent(env, "MAILHOOK_COMPLAINT_RATE_LIMIT_PERCENT", 0.1),
        mime=_mime_limits(env),
        sync=_sync_settings(env),
        poll=_poll_settings(env),
        push=_push_settings(env),
    )
    _check_production(settings)
    return settings


def _check_production(settings: Settings) -> None:
    if not settings.is_production:
        return
    if not settings.signing_keys:
        raise SettingsError("MAILGUN_WEBHOOK_SIGNING_KEYS is required when MAILHOOK_ENV=production")
    if not settings.api_tokens:
        raise SettingsError("MAILHOOK_API_TOKENS is required when MAILHOOK_ENV=production")


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = env.get("REDIS_URL", "").strip()
    if not url:
        return None
    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise SettingsError("REDIS_URL must start with redis://, rediss:// or unix://")
    return url


def _domain_regions(raw: str) -> dict[str, str]:
    regions: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        domain, sep, region = item.rpartition(":")
        region = region.strip().lower()
        if not sep or not domain.strip() or region not in REGIONS:
            raise SettingsError(
                f"MAILGUN_DOMAINS entry {item!r} must look like example.com:us or example.eu:eu"
            )
        regions[domain.strip().lower()] = region
    return regions


def _subaccounts(env: Mapping[str, str]) -> dict[str, str]:
    """`MAILGUN_SUBACCOUNTS=mg.client.com:<subaccount id>,...`; each domain must be in MAILGUN_DOMAINS."""
    domains = _domain_regions(env.get("MAILGUN_DOMAINS", ""))
    found: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in env.get("MAILGUN_SUBACCOUNTS", "").split(","))):
        domain, sep, account = (part.strip() for part in item.rpartition(":"))
        if not sep or not domain or not SUBACCOUNT_ID.fullmatch(account):
            raise SettingsError(
                f"MAILGUN_SUBACCOUNTS entry {item!r} must look like mg.client.com:<subaccount id>"
            )
        if domain.lower() not in domains:
            raise SettingsError(f"MAILGUN_SUBACCOUNTS names {domain!r}, which is not in MAILGUN_DOMAINS")
        found[domain.lower()] = account
    return found


def _api_base(env: Mapping[str, str], region: str) -> str:
    name = f"MAILGUN_API_BASE_{region.upper()}"
    url = env.get(name, "").strip().rstrip("/") or DEFAULT_API_BASES[region]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"{name} must be an http(s) URL such as {DEFAULT_API_BASES[region]}")
    return url


def _default_log_format(env: Mapping[str, str]) -> str:
    return "json" if env.get("MAILHOOK_ENV", "").strip().lower() == "production" else "text"


def event_partitions(env: Mapping[str, str]) -> str:
    """MAILHOOK_EVENT_PARTITIONS on its own: the migration that partitions `events` reads only this one."""
    return _choice(env, "MAILHOOK_EVENT_PARTITIONS", ("daily", "monthly"), "daily")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = env.get(name, "").strip().lower() or default
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _sync_settings(env: Mapping[str, str]) -> SyncSettings:
    return SyncSettings(
        bounces=_flag(env, "MAILHOOK_SYNC_BOUNCES", True),
        complaints=_flag(env, "MAILHOOK_SYNC_COMPLAINTS", True),
        unsubscribes=_flag(env, "MAILHOOK_SYNC_UNSUBSCRIBES", True),
        lists=_flag(env, "MAILHOOK_SYNC_LISTS", True),
        push_interval=_seconds(env, "MAILHOOK_SYNC_INTERVAL_SECONDS", 5.0),
        list_refresh_seconds=_count(env, "MAILHOOK_LIST_REFRESH_SECONDS", 900, minimum=1),
        api_timeout=_seconds(env, "MAILGUN_API_TIMEOUT_SECONDS", 10.0),
        api_retries=_count(env, "MAILGUN_API_RETRIES", 3, minimum=0),
        api_backoff=_seconds(env, "MAILGUN_API_BACKOFF_SECONDS", 0.5),
        api_max_wait=_seconds(env, "MAILGUN_API_MAX_WAIT_SECONDS", 10.0),
        retry_seconds=_seconds(env, "MAILHOOK_SYNC_RETRY_SECONDS", 60.0),
        max_attempts=_count(env, "MAILHOOK_SYNC_MAX_ATTEMPTS", 10, minimum=1),
    )


def _mime_limits(env: Mapping[str, str]) -> MimeSettings:
    default = MimeSettings()

    def count(name: str, value: int) -> int:
        return _count(env, f"MAILHOOK_MIME_{name}", value, minimum=1)

    return MimeSettings(
        max_header_bytes=count("MAX_HEADER_BYTES", default.max_header_bytes),
        max_headers=count("MAX_HEADERS", default.max_headers),
        max_params=count("MAX_PARAMS", default.max_params),
        max_encoded_words=count("MAX_ENCODED_WORDS", default.max_encoded_words),
        max_parts=count("MAX_PARTS", default.max_parts),
        max_depth=count("MAX_DEPTH", default.max_depth),
    )


def _poll_settings(env: Mapping[str, str]) -> PollSettings:
    lookback = _count(env, "MAILHOOK_POLL_LOOKBACK_HOURS", 24, minimum=1)
    if lookback > MAX_POLL_LOOKBACK_HOURS:
        raise SettingsError(
            f"MAILHOOK_POLL_LOOKBACK_HOURS must be at most {MAX_POLL_LOOKBACK_HOURS} "
            f"(Mailgun keeps events 30 days at most), got {lookback}"
        )
    return PollSettings(
        interval=_seconds(env, "MAILHOOK_POLL_INTERVAL_SECONDS", 300.0),
        trust_lag_seconds=_count(env, "MAILHOOK_POLL_TRUST_LAG_SECONDS", 1800, minimum=1),
        lookback_hours=lookback,
        source=_choice(env, "MAILHOOK_POLL_SOURCE", POLL_SOURCES, "logs"),
    )


def _push_settings(env: Mapping[str, str]) -> PushSettings:
    return PushSettings(
        interval=_seconds(env, "MAILHOOK_PUSH_INTERVAL_SECONDS", 2.0),
        timeout=_seconds(env, "MAILHOOK_PUSH_TIMEOUT_SECONDS", 10.0),
        backoff=_seconds(env, "MAILHOOK_PUSH_BACKOFF_SECONDS", 2.0),
        max_backoff=_seconds(env, "MAILHOOK_PUSH_MAX_BACKOFF_SECONDS", 600.0),
        pause_after=_seconds(env, "MAILHOOK_PUSH_PAUSE_AFTER_SECONDS", 24 * 3600.0),
        allowed_hosts=tuple(
            host.lower().rstrip(".") for host in _csv(env, "MAILHOOK_SUBSCRIPTION_ALLOWED_HOSTS")
        ),
    )


def _redacted_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)
