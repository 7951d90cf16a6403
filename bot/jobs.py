"""Which service runs each kind of scheduled job (see bot/scheduler.py)."""

from __future__ import annotations

from bot.scheduler import JobHandler
from bot.services import meeting_reminders

JOB_HANDLERS: dict[str, JobHandler] = {}

# -- meetings: reminders before a meeting (bot/services/meeting_reminders.py) -------------------
JOB_HANDLERS[meeting_reminders.JOB_KIND] = meeting_reminders.send_reminder
