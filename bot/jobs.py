"""Work the bot does on a schedule rather than in answer to someone (PTB's job queue).

Every job reads the time from the injected clock, so tests run it by hand at any moment,
and is safe to run twice: what it queues carries a dedupe key.
"""

from __future__ import annotations

from typing import Any

from bot.context import ConsultationApp
from bot.services import alerts
from bot.services.container import Services

DIGEST_CHECK_SECONDS = 3600


async def run_digests(services: Services) -> int:
    """Queue the new-issue digests that are due; returns how many pushes were queued."""
    async with services.uow() as uow:
        queued = await alerts.queue_digests(uow, services.clock.now())
        changes = await uow.commit()
    services.apply(changes)  # wakes the dispatcher when something was queued
    return queued


async def digest_job(context: Any) -> None:
    """The hourly job: townships whose digest period ended get their digest."""
    app = context.application
    assert isinstance(app, ConsultationApp)
    await run_digests(app.services)


def schedule(app: ConsultationApp) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(
            digest_job, interval=DIGEST_CHECK_SECONDS, first=60, name="issue-digests"
        )
