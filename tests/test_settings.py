"""Settings (pydantic-settings): every variable, its default, and a bad value that stops
the start with a message naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from movements.platform import passwords
from movements.platform.config import ConfigError, Settings

DEFAULTS = {
    "data_dir": Path("data"), "database_url": "", "channels_url": "memory://",
    "airport": "AMS", "secure_cookies": True, "session_idle_minutes": 30,
    "session_max_hours": 12, "retention_days": 30, "trusted_proxies": (),
    "public_url": "http://127.0.0.1:8000", "feed_url": "", "feed_app_id": "",
    "feed_app_key": "", "feed_poll_seconds": 60, "feed_timeout_seconds": 10.0,
    "feed_max_backoff_seconds": 300, "feeds": {}, "run_jobs": True, "job_lease_seconds": 15,
    "alert_interval_seconds": 30, "retention_interval_seconds": 3600,
    "heartbeat_seconds": 5.0, "subscriber_backlog": 500, "replay_limit": 200,
    "sockets_per_session": 4, "ws_compression": False, "log_level": "INFO",
    "password_hash_profile": "rfc9106",
    "notify_sms_url": "", "notify_email_url": "", "outbox_interval_seconds": 2.0,
    "outbox_first_backoff_seconds": 30.0, "outbox_max_attempts": 6,
    "outbox_claim_seconds": 120, "notify_receipt_secret": "", "webhook_allow_private": False,
    "notify_twilio_auth_token": "", "notify_vonage_signature_secret": "",
    "notify_vonage_signature_method": "md5hash",
}

BAD = [
    ("MOVEMENTS_DATABASE_URL", "mysql://x", "expected sqlite:///PATH or postgresql://"),
    ("MOVEMENTS_CHANNELS_URL", "amqp://x", "expected memory:// or redis://"),
    ("MOVEMENTS_SECURE_COOKIES", "perhaps", "expected true or false"),
    ("MOVEMENTS_RUN_JOBS", "2", "expected true or false"),
    ("MOVEMENTS_WS_COMPRESSION", "maybe", "expected true or false"),
    ("MOVEMENTS_SESSION_IDLE_MINUTES", "0", "must be at least 1"),
    ("MOVEMENTS_SESSION_MAX_HOURS", "half", "expected a whole number"),
    ("MOVEMENTS_RETENTION_DAYS", "-1", "must be at least 0"),
    ("MOVEMENTS_FEED_POLL_SECONDS", "4", "must be at least 5"),
    ("MOVEMENTS_FEED_MAX_BACKOFF_SECONDS", "0", "must be at least 1"),
    ("MOVEMENTS_JOB_LEASE_SECONDS", "1", "must be at least 2"),
    ("MOVEMENTS_ALERT_INTERVAL_SECONDS", "0", "must be at least 1"),
    ("MOVEMENTS_RETENTION_INTERVAL_SECONDS", "9", "must be at least 10"),
    ("MOVEMENTS_SUBSCRIBER_BACKLOG", "9", "must be at least 10"),
    ("MOVEMENTS_NOTIFY_SMS_URL", "json://127.0.0.1/sms", "with {to} where the recipient"),
    ("MOVEMENTS_OUTBOX_MAX_ATTEMPTS", "0", "must be at least 1"),
    ("MOVEMENTS_REPLAY_LIMIT", "0", "must be at least 1"),
    ("MOVEMENTS_SOCKETS_PER_SESSION", "0", "must be at least 1"),
    ("MOVEMENTS_HEARTBEAT_SECONDS", "soon", "expected seconds"),
    ("MOVEMENTS_FEED_TIMEOUT_SECONDS", "10s", "expected seconds"),
    ("MOVEMENTS_PASSWORD_HASH_PROFILE", "cheap", "expected 'rfc9106' or 'test'"),
    ("MOVEMENTS_FEEDS", "{BRU: x}", "expected a JSON object"),
    ("MOVEMENTS_FEEDS", '["BRU"]', "expected a JSON object keyed by airport code"),
    ("MOVEMENTS_FEEDS", '{"BRUX": {}}', "'BRUX' is not an IATA airport code"),
    ("MOVEMENTS_FEEDS", '{"BRU": {"uri": "https://x"}}', "BRU: unknown key 'uri'"),
    ("MOVEMENTS_FEEDS", '{"BRU": {"url": "ftp://x"}}', "BRU: url 'ftp://x' must be http(s)"),
    ("MOVEMENTS_FEEDS", '{"BRU": {"poll_seconds": 1}}', "must be at least 5"),
]


def test_defaults() -> None:
    # A new setting fails this until it is listed here (and in README's settings table).
    assert Settings.from_env({}).model_dump() == DEFAULTS


def test_every_setting_is_in_the_readme() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    missing = [f"MOVEMENTS_{name.upper()}" for name in DEFAULTS
               if f"MOVEMENTS_{name.upper()}" not in readme]
    assert missing == []


@pytest.mark.parametrize(("name", "value", "why"), BAD, ids=[f"{b[0]}={b[1]}" for b in BAD])
def test_a_bad_value_names_the_variable(name: str, value: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({name: value})
    message = str(caught.value)
    assert message.startswith(f"{name}={value!r}: "), message
    assert why in message
    assert "\n" not in message


def test_values_people_paste_are_normalised() -> None:
    s = Settings.from_env({
        "MOVEMENTS_DATABASE_URL": "postgres://ops@db.internal/movements",
        "MOVEMENTS_AIRPORT": " bru ", "MOVEMENTS_PUBLIC_URL": "https://ops.example/",
        "MOVEMENTS_TRUSTED_PROXIES": "10.0.0.1, 192.168.0.0/16,",
        "MOVEMENTS_SECURE_COOKIES": "off", "MOVEMENTS_RUN_JOBS": "YES",
        "MOVEMENTS_DATA_DIR": "/srv/movements", "MOVEMENTS_HEARTBEAT_SECONDS": "2.5",
        "MOVEMENTS_SOMETHING_ELSE": "ignored",
    })
    assert s.database_url == "postgresql+asyncpg://ops@db.internal/movements"
    assert (s.airport, s.public_url) == ("BRU", "https://ops.example")
    assert s.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert (s.secure_cookies, s.run_jobs, s.heartbeat_seconds) == (False, True, 2.5)
    assert s.data_dir == Path("/srv/movements")
    assert s.effective_database_url == s.database_url
    sqlite = Settings.from_env({"MOVEMENTS_DATA_DIR": "/srv/m"})
    assert sqlite.effective_database_url == "sqlite+aiosqlite:////srv/m/movements.sqlite3"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVEMENTS_AIRPORT", "IST")
    monkeypatch.setenv("MOVEMENTS_REPLAY_LIMIT", "7")
    assert (Settings().airport, Settings().replay_limit) == ("IST", 7)
    assert Settings(airport="bru").airport == "BRU"
    with pytest.raises(ConfigError, match="MOVEMENTS_REPLAY_LIMIT=0: must be at least 1"):
        Settings(replay_limit=0)


def test_password_profiles() -> None:
    try:
        passwords.use_profile("rfc9106")
        strong = passwords.hash_password("correct horse battery")
        passwords.use_profile("test")
        cheap = passwords.hash_password("correct horse battery")
    finally:
        passwords.use_profile("test")  # what the suite runs with (tests/conftest.py)
    assert "$m=65536,t=3,p=4$" in strong
    assert "$m=8,t=1,p=1$" in cheap
    # A hash carries its parameters: both verify whatever the current profile.
    assert passwords.verify_password(strong, "correct horse battery")
    assert passwords.verify_password(cheap, "correct horse battery")
    assert not passwords.verify_password(cheap, "wrong")
