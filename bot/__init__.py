"""有事好商量: a Telegram bot for township-level consultation."""

import os

# Opt in now to python-telegram-bot's future behaviour (durations as timedelta), so the
# code is written once against it and no deprecation warning fires on every voice message.
os.environ.setdefault("PTB_TIMEDELTA", "1")
