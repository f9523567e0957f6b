"""Settings from ``MOVEMENTS_*`` environment variables, read once.

Tests set the environment (or build ``Settings`` directly) before creating the app; no
other module reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ConfigError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r}: expected true or false")


def _int(name: str, raw: str, minimum: int = 0) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: expected a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name}={raw!r}: must be at least {minimum}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("data")
    database_url: str = ""
    channels_url: str = "memory://"
    airport: str = "AMS"
    secure_cookies: bool = True
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    retention_days: int = 30
    trusted_proxies: tuple[str, ...] = ()
    public_url: str = "http://127.0.0.1:8000"
    feed_url: str = ""
    feed_app_id: str = ""
    feed_app_key: str = ""
    feed_poll_seconds: int = 60
    feed_timeout_seconds: float = 10.0
    feed_max_backoff_seconds: int = 300
    run_jobs: bool = True
    job_lease_seconds: int = 15
    alert_interval_seconds: int = 30
    retention_interval_seconds: int = 3600
    heartbeat_seconds: float = 5.0
    subscriber_backlog: int = 500
    replay_limit: int = 200
    sockets_per_session: int = 4  # live sockets one session may hold; more close the oldest
    log_level: str = "INFO"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'movements.sqlite3').resolve()}"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        get = env.get
        kwargs: dict[str, object] = {}
        if (v := get("MOVEMENTS_DATA_DIR")) is not None:
            kwargs["data_dir"] = Path(v)
        if (v := get("MOVEMENTS_DATABASE_URL")) is not None:
            kwargs["database_url"] = normalise_database_url(v)
        if (v := get("MOVEMENTS_CHANNELS_URL")) is not None:
            if not (v.startswith("memory://") or v.startswith("redis://")):
                raise ConfigError(f"MOVEMENTS_CHANNELS_URL={v!r}: expected memory:// or redis://")
            kwargs["channels_url"] = v
        if (v := get("MOVEMENTS_AIRPORT")) is not None:
            kwargs["airport"] = v.strip().upper()
        if (v := get("MOVEMENTS_SECURE_COOKIES")) is not None:
            kwargs["secure_cookies"] = _bool("MOVEMENTS_SECURE_COOKIES", v)
        for key, attr, minimum in (
            ("MOVEMENTS_SESSION_IDLE_MINUTES", "session_idle_minutes", 1),
            ("MOVEMENTS_SESSION_MAX_HOURS", "session_max_hours", 1),
            ("MOVEMENTS_RETENTION_DAYS", "retention_days", 0),
            ("MOVEMENTS_FEED_POLL_SECONDS", "feed_poll_seconds", 5),
            ("MOVEMENTS_FEED_MAX_BACKOFF_SECONDS", "feed_max_backoff_seconds", 1),
            ("MOVEMENTS_JOB_LEASE_SECONDS", "job_lease_seconds", 2),
            ("MOVEMENTS_ALERT_INTERVAL_SECONDS", "alert_interval_seconds", 1),
            ("MOVEMENTS_RETENTION_INTERVAL_SECONDS", "retention_interval_seconds", 10),
            ("MOVEMENTS_SUBSCRIBER_BACKLOG", "subscriber_backlog", 10),
            ("MOVEMENTS_REPLAY_LIMIT", "replay_limit", 1),
            ("MOVEMENTS_SOCKETS_PER_SESSION", "sockets_per_session", 1),
        ):
            if (v := get(key)) is not None:
                kwargs[attr] = _int(key, v, minimum)
        if (v := get("MOVEMENTS_HEARTBEAT_SECONDS")) is not None:
            try:
                kwargs["heartbeat_seconds"] = float(v)
            except ValueError:
                raise ConfigError(f"MOVEMENTS_HEARTBEAT_SECONDS={v!r}: expected seconds") from None
        if (v := get("MOVEMENTS_FEED_TIMEOUT_SECONDS")) is not None:
            try:
                kwargs["feed_timeout_seconds"] = float(v)
            except ValueError:
                raise ConfigError(f"MOVEMENTS_FEED_TIMEOUT_SECONDS={v!r}: expected seconds"
                                  ) from None
        if (v := get("MOVEMENTS_TRUSTED_PROXIES")) is not None:
            kwargs["trusted_proxies"] = tuple(p.strip() for p in v.split(",") if p.strip())
        if (v := get("MOVEMENTS_PUBLIC_URL")) is not None:
            kwargs["public_url"] = v.rstrip("/")
        for key, attr in (
            ("MOVEMENTS_FEED_URL", "feed_url"),
            ("MOVEMENTS_FEED_APP_ID", "feed_app_id"),
            ("MOVEMENTS_FEED_APP_KEY", "feed_app_key"),
            ("MOVEMENTS_LOG_LEVEL", "log_level"),
        ):
            if (v := get(key)) is not None:
                kwargs[attr] = v
        if (v := get("MOVEMENTS_RUN_JOBS")) is not None:
            kwargs["run_jobs"] = _bool("MOVEMENTS_RUN_JOBS", v)
        return cls(**kwargs)  # type: ignore[arg-type]


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
