"""Which service runs each kind of scheduled job (see bot/scheduler.py)."""

from __future__ import annotations

from bot.scheduler import JobHandler

JOB_HANDLERS: dict[str, JobHandler] = {}
