"""Which service runs each kind of scheduled job (see bot/scheduler.py)."""

from __future__ import annotations

from bot.scheduler import JobHandler
from bot.services import meeting_jobs

JOB_HANDLERS: dict[str, JobHandler] = {
    # -- Deliberation meetings: the opinion digest before, the outcome reminder after ------
    meeting_jobs.DIGEST_JOB: meeting_jobs.run_digest,
    meeting_jobs.OUTCOME_NAG_JOB: meeting_jobs.run_outcome_nag,
}
