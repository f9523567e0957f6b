"""Settings from ``MOVEMENTS_*`` environment variables, read once (pydantic-settings).

``Settings()`` reads the process environment (values given as arguments win, which is
how tests pin theirs); ``Settings.from_env(mapping)`` reads a given mapping instead.  No
other module reads ``os.environ``.  A value that cannot be used raises
:class:`ConfigError` whose message names the variable and says what is expected, so the
command line and the server stop with that one line.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PREFIX = "MOVEMENTS_"


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


# The mapping Settings.from_env reads instead of os.environ (None: os.environ).
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("movements_environ",
                                                             default=None)


class _MappingEnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, over a given mapping."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {k.lower(): v for k, v in self._environ.items()}


class AirportFeed(BaseModel):
    """One airport's own flight feed settings (``MOVEMENTS_FEEDS``); a field left out
    takes the deployment's (``MOVEMENTS_FEED_*``); ``url: ""`` turns the feed off there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    app_id: str | None = None
    app_key: str | None = None
    poll_seconds: int | None = Field(None, ge=5)


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """The flight feed one airport polls, resolved (``Settings.feed_for``)."""

    airport: str
    url: str
    app_id: str
    app_key: str
    poll_seconds: int
    timeout_seconds: float
    max_backoff_seconds: int


#: Where a deployment-wide feed URL names the airport it is asked about.
AIRPORT_PLACEHOLDER = "{airport}"


class Settings(BaseSettings):
    """Every setting, its default and its lower bound (README's "Settings" table)."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore",
                                      case_sensitive=False, validate_default=False)

    data_dir: Path = Path("data")
    database_url: str = ""
    channels_url: str = "memory://"
    airport: str = "AMS"
    secure_cookies: bool = True
    session_idle_minutes: int = Field(30, ge=1)
    session_max_hours: int = Field(12, ge=1)
    retention_days: int = Field(30, ge=0)
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    public_url: str = "http://127.0.0.1:8000"
    feed_url: str = ""
    feed_app_id: str = ""
    feed_app_key: str = ""
    feed_poll_seconds: int = Field(60, ge=5)
    feed_timeout_seconds: float = 10.0
    feed_max_backoff_seconds: int = Field(300, ge=1)
    #: Per-airport feed settings, a JSON object keyed by IATA code (``AirportFeed``).
    feeds: Annotated[dict[str, AirportFeed], NoDecode] = Field(default_factory=dict)
    run_jobs: bool = True
    job_lease_seconds: int = Field(15, ge=2)
    alert_interval_seconds: int = Field(30, ge=1)
    retention_interval_seconds: int = Field(3600, ge=10)
    heartbeat_seconds: float = 5.0
    subscriber_backlog: int = Field(500, ge=10)
    replay_limit: int = Field(200, ge=1)
    #: Live sockets one session may hold; opening another closes the oldest (4001).
    sockets_per_session: int = Field(4, ge=1)
    #: permessage-deflate on the live sockets.  Off by default: each compressed socket
    #: holds its own zlib streams (~40 KiB) and compresses every broadcast message once
    #: per socket, while the pushed fragments are small (bench/fanout.py, issue 18).
    ws_compression: bool = False
    log_level: str = "INFO"
    #: argon2id cost: "rfc9106" (argon2-cffi's default, RFC 9106's low-memory profile)
    #: or "test" (minimal cost, for test suites only: such hashes are cheap to attack).
    password_hash_profile: Literal["rfc9106", "test"] = "rfc9106"
    #: The outbox's channels (issue 16): Apprise URLs with ``{to}`` where the recipient
    #: goes (an E.164 number, an e-mail address); empty: that channel is not configured
    #: and its messages wait, queued.
    notify_sms_url: str = ""
    notify_email_url: str = ""
    outbox_interval_seconds: float = Field(2.0, ge=0.1)
    #: Wait after the first failed try; doubles after each, up to 30 minutes.
    outbox_first_backoff_seconds: float = Field(30.0, ge=0.1)
    outbox_max_attempts: int = Field(6, ge=1)
    #: How long a claimed message is the sender's before another may send it again (a
    #: sender that died mid-send); longer than the slowest provider's answer.
    outbox_claim_seconds: int = Field(120, ge=2)
    #: The secret an SMS provider signs its delivery receipts with (Standard Webhooks,
    #: ``whsec_`` + base64), posted to ``/outbox/receipts``; empty: receipts refused
    #: and messages stay "sent" (accepted by the provider).
    notify_receipt_secret: str = ""
    #: Twilio's Auth Token: its StatusCallbacks to ``/outbox/receipts/twilio`` are signed
    #: with it (X-Twilio-Signature); empty: refused.
    notify_twilio_auth_token: str = ""
    #: Vonage's signature secret and method (the account's "signed webhooks"): its SMS
    #: delivery receipts to ``/outbox/receipts/vonage``; empty secret: refused.
    notify_vonage_signature_secret: str = ""
    notify_vonage_signature_method: Literal["md5hash", "md5", "sha1", "sha256",
                                            "sha512"] = "md5hash"
    #: Let webhooks post over plain http to loopback/private addresses (the tests' and
    #: the demo's receivers on 127.0.0.1); false in production: https to public
    #: addresses only, checked at save and before each send (server-side request forgery).
    webhook_allow_private: bool = False

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise ConfigError(_explain(exc.errors(), values)) from None

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        environ = _ENVIRON.get()
        env = env_settings if environ is None else _MappingEnvSource(settings_cls, environ)
        return init_settings, env

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'movements.sqlite3').resolve()}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``env`` (default: the process environment) alone."""
        with _reading(dict(os.environ if env is None else env)):
            return cls()

    # -- normalising what people paste ------------------------------------------------

    @field_validator("database_url", mode="before")
    @classmethod
    def _database_url(cls, value: object) -> object:
        return normalise_database_url(value) if isinstance(value, str) and value else value

    @field_validator("channels_url")
    @classmethod
    def _channels_url(cls, value: str) -> str:
        if not value.startswith(("memory://", "redis://")):
            raise ValueError("expected memory:// or redis://")
        return value

    @field_validator("notify_sms_url", "notify_email_url")
    @classmethod
    def _notify_url(cls, value: str) -> str:
        value = value.strip()
        if value and "{to}" not in value:
            raise ValueError("expected an Apprise URL with {to} where the recipient goes")
        return value

    @field_validator("airport")
    @classmethod
    def _airport(cls, value: str) -> str:
        return value.strip().upper()

    @field_validator("feeds", mode="before")
    @classmethod
    def _feeds_json(cls, value: object) -> object:
        """``{"BRU": {"url": "https://...", "app_key": "..."}}``: JSON, one object per
        airport with only ``AirportFeed``'s keys (a typo must not pass silently)."""
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError as exc:
                raise ValueError(f"expected a JSON object ({exc})") from None
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object keyed by airport code")
        known = set(AirportFeed.model_fields)
        for code, feed in value.items():
            if isinstance(feed, AirportFeed):
                continue
            if not isinstance(feed, dict):
                raise ValueError(f"{code}: expected an object with {', '.join(sorted(known))}")
            unknown = sorted(set(feed) - known)
            if unknown:
                raise ValueError(f"{code}: unknown key {unknown[0]!r} (expected "
                                 f"{', '.join(sorted(known))})")
        return value

    @field_validator("feeds")
    @classmethod
    def _feeds(cls, value: dict[str, AirportFeed]) -> dict[str, AirportFeed]:
        out: dict[str, AirportFeed] = {}
        for code, feed in value.items():
            iata = code.strip().upper()
            if len(iata) != 3 or not iata.isalpha():
                raise ValueError(f"{code!r} is not an IATA airport code (3 letters)")
            if feed.url and not feed.url.startswith(("http://", "https://")):
                raise ValueError(f"{iata}: url {feed.url!r} must be http(s)")
            out[iata] = feed
        return out

    def feed_for(self, airport: str) -> FeedSettings | None:
        """The feed ``airport`` (IATA) polls, or None when it has none: its own entry in
        ``feeds`` wins field by field; else the deployment's ``feed_url`` if that names the
        airport (``{airport}`` in it) or the airport is the default one.  A URL without
        the placeholder serves ONE airport (Schiphol's API only knows Schiphol), so it is
        never polled for another airport's movements."""
        iata = airport.strip().upper()
        own = self.feeds.get(iata)
        if own is not None and own.url is not None:
            url = own.url
        elif AIRPORT_PLACEHOLDER in self.feed_url or iata == self.airport:
            url = self.feed_url
        else:
            url = ""
        if not url:
            return None
        return FeedSettings(
            airport=iata, url=url.replace(AIRPORT_PLACEHOLDER, iata),
            app_id=own.app_id if own is not None and own.app_id is not None
            else self.feed_app_id,
            app_key=own.app_key if own is not None and own.app_key is not None
            else self.feed_app_key,
            poll_seconds=own.poll_seconds if own is not None and own.poll_seconds
            else self.feed_poll_seconds,
            timeout_seconds=self.feed_timeout_seconds,
            max_backoff_seconds=self.feed_max_backoff_seconds)

    @property
    def any_feed(self) -> bool:
        """Whether some airport has a feed (the default URL or an own entry)."""
        return bool(self.feed_url) or any(f.url for f in self.feeds.values())

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(",") if p.strip())
        return value


@contextmanager
def _reading(environ: Mapping[str, str]) -> Iterator[None]:
    token = _ENVIRON.set(environ)
    try:
        yield
    finally:
        _ENVIRON.reset(token)


_EXPECTED = {
    "bool_parsing": "expected true or false",
    "bool_type": "expected true or false",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected seconds",
}


def _explain(errors: list[ErrorDetails], given: Mapping[str, Any]) -> str:
    """The first problem as ``MOVEMENTS_NAME='value': what is expected``."""
    error = errors[0]
    field = str(error["loc"][0]) if error["loc"] else "?"
    name = PREFIX + field.upper()
    environ = _ENVIRON.get()
    source = os.environ if environ is None else environ
    raw = given.get(field, source.get(name, {k.upper(): v for k, v in source.items()}.get(
        name, error.get("input"))))
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if isinstance(ctx.get("error"), ConfigError):
        return str(ctx["error"])  # already names the variable
    if kind in _EXPECTED:
        why = _EXPECTED[kind]
    elif kind == "greater_than_equal":
        why = f"must be at least {ctx.get('ge')}"
    elif kind == "value_error":
        why = str(ctx.get("error", error["msg"]))
    elif kind == "literal_error":
        why = f"expected {ctx.get('expected')}"
    else:
        why = error["msg"]
    return f"{name}={raw!r}: {why}"


def normalise_database_url(url: str) -> str:
    """Accept the plain forms people paste and pick the async driver we ship."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://"):]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        return url
    raise ConfigError(
        f"MOVEMENTS_DATABASE_URL={url!r}: expected sqlite:///PATH or postgresql://..."
    )
