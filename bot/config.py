"""Settings read from the environment or a `.env` file (pydantic-settings)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TELEGRAM_API_BASE_URL = "https://api.telegram.org/bot"
SUPPORTED_LOCALES = ("zh_Hans", "zh_Hant", "en")

# A Bot API token is "<bot id>:<35 url-safe characters>"; fakes accept shorter secrets.
_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{4,}$")
_PLACEHOLDER_TOKENS = {"", "changeme", "your-token", "your_token_here", "123456:ABC-DEF"}


def default_database_url(data_dir: Path) -> str:
    return f"sqlite+aiosqlite:///{data_dir / 'haoshangliang.sqlite3'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = ""
    data_dir: Path = Path("data")
    database_url: str = ""
    bot_api_base_url: str = TELEGRAM_API_BASE_URL
    bot_api_base_file_url: str = ""
    default_locale: str = "zh_Hans"
    timezone: str = "Asia/Shanghai"
    log_level: str = "INFO"
    # Signs role invite links; by default derived from the bot token (set it to rotate).
    invite_secret: str = ""
    # Webhook mode instead of polling: the public HTTPS address Telegram posts updates to,
    # where this process listens, and the secret Telegram sends back in a header.
    webhook_url: str = ""
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: str = ""
    # Polling mode: serve /metrics (Prometheus) on this port of METRICS_LISTEN; 0: off.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"

    # Intake limits; a township office would tune these, so they are settings.
    max_description_chars: int = Field(default=2000, ge=50)
    max_photos_per_issue: int = Field(default=10, ge=0)
    max_issues_per_day: int = Field(default=5, ge=1)
    # Incoming flood guard: at most this many updates per person in the window.
    flood_max_updates: int = Field(default=30, ge=1)
    flood_window_seconds: float = Field(default=10.0, gt=0)
    # Updates from different chats run concurrently; one chat's updates stay in order.
    concurrent_updates: int = Field(default=32, ge=1)
    # An album arrives as one update per photo; answer once this long after the last one.
    album_wait_seconds: float = Field(default=1.0, ge=0)
    # SQLite commit durability: NORMAL survives any crash of the bot's process, FULL also a
    # power loss (an fsync per commit). See storage/db.py.
    sqlite_synchronous: str = "NORMAL"
    # On SIGTERM: how long to finish what is in hand before exiting anyway.
    shutdown_seconds: float = Field(default=20.0, gt=0)
    # Telegram delivers a text over 4,096 characters in parts; wait this long for the next.
    long_message_wait_seconds: float = Field(default=1.0, ge=0)
    # Outgoing messages per second over all chats (Telegram allows about 30).
    max_messages_per_second: float = Field(default=30.0, gt=0)
    # Staff hear on the 1st of each month that last month's 社情民意 report is ready.
    monthly_report: bool = True
    # A push claimed by a process that then died is sent again after this long (a push in
    # flight at a crash may then arrive twice; a shorter lease resumes sooner).
    outbox_lease_seconds: float = Field(default=60.0, ge=2)
    # Sent (and skipped, failed) outbox rows and handled updates are deleted after this many
    # days; 0 keeps them.
    outbox_keep_days: float = Field(default=30.0, ge=0)

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("sqlite_synchronous")
    @classmethod
    def _known_synchronous(cls, value: str) -> str:
        if value.upper() not in ("NORMAL", "FULL"):
            raise ValueError("SQLITE_SYNCHRONOUS must be NORMAL or FULL")
        return value.upper()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"TIMEZONE {value!r} is not a known IANA time zone") from exc
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url(self.data_dir)

    @property
    def resolved_base_file_url(self) -> str:
        if self.bot_api_base_file_url:
            return self.bot_api_base_file_url
        # Telegram serves files from /file/bot<token>/…, next to /bot<token>/…
        return self.bot_api_base_url.removesuffix("/bot").rstrip("/") + "/file/bot"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def resolved_webhook_secret(self) -> str:
        """Telegram allows 1-256 characters of A-Z, a-z, 0-9, _ and -: a hex digest fits."""
        if self.webhook_secret:
            return self.webhook_secret
        return hashlib.sha256(f"webhook:{self.bot_token}".encode()).hexdigest()

    @property
    def invite_key(self) -> bytes:
        seed = self.invite_secret or f"invite:{self.bot_token}"
        return hashlib.sha256(seed.encode()).digest()

    def token_problem(self) -> str | None:
        """Why the token cannot be used, or None when it looks usable."""
        token = self.bot_token.strip()
        if token.lower() in _PLACEHOLDER_TOKENS:
            return "missing"
        if not _TOKEN_RE.match(token):
            return "malformed"
        return None
