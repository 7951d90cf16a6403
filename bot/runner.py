"""Start-up shared by the bot, the demo and the command line: settings, logging, database."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from bot.config import Settings


class StartupError(Exception):
    """A problem the operator must fix; printed as one line, exit code 2."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]).upper()
        raise StartupError(f"{field}: {first['msg']}") from None


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
