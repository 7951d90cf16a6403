"""Which service runs each kind of scheduled job (see bot/scheduler.py)."""

from __future__ import annotations

from bot.scheduler import JobHandler
from bot.services import (
    alerts,
    lookback,
    meeting_jobs,
    meeting_reminders,
    monthly_report,
    overdue,
    ratings,
)
from bot.services.container import Services

JOB_HANDLERS: dict[str, JobHandler] = {
    alerts.DIGEST_CHECK: alerts.digest_check_job,
    # Reminders before a meeting (bot/services/meeting_reminders.py).
    meeting_reminders.JOB_KIND: meeting_reminders.send_reminder,
    # The opinion digest before a meeting, the outcome reminder after it.
    meeting_jobs.DIGEST_JOB: meeting_jobs.run_digest,
    meeting_jobs.OUTCOME_NAG_JOB: meeting_jobs.run_outcome_nag,
    # After resolution: the one reminder to rate, a 不满意 left without a comment, 回头看.
    ratings.REASK_JOB: ratings.run_reask,
    ratings.UNSATISFIED_JOB: ratings.run_unsatisfied_alert,
    lookback.ASK_JOB: lookback.run_ask,
    lookback.CLOSE_JOB: lookback.run_close,
    # Overdue action items: the daily nudge to owners, the weekly digest to staff.
    overdue.SWEEP_JOB: overdue.run_sweep,
    overdue.DIGEST_JOB: overdue.run_digest,
    # The monthly 社情民意 report, on the 1st (bot/services/monthly_report.py).
    monthly_report.JOB_KIND: monthly_report.run_job,
}


async def start_repeating_jobs(services: Services) -> None:
    """Jobs that schedule their own next run need a first one (idempotent)."""
    async with services.uow() as uow:
        await alerts.schedule_digest_check(uow, services.clock.now())
        await overdue.schedule_all(uow, services.clock.now())
        if services.settings.monthly_report:
            await monthly_report.schedule_all(uow, services.clock.now())
        services.apply(await uow.commit())


async def run_digests(services: Services) -> int:
    """Queue the new-issue digests that are due now; returns how many pushes were queued."""
    async with services.uow() as uow:
        queued = await alerts.queue_digests(uow, services.clock.now())
        services.apply(await uow.commit())  # wakes the dispatcher when something was queued
    return queued
