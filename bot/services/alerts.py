"""How staff hear of new issues: each one as it comes, a digest every few hours, or not at all.

Each township chooses (/alerts). With "each", the intake calls `issue_submitted` in the unit
of work that commits the issue, so an alert exists exactly when its issue does. With
"digest", a job runs every hour (`queue_digests`): once a township's period is over, its
staff get one message about the issues raised in it that still wait. The outbox's dedupe key
names the period, so a second run (or a second process) queues nothing more.

The alerts go to the township's staff; a township without staff alerts its admins, so that
somebody hears of every issue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError, NotFound
from bot.domain.roles import RoleName
from bot.services.outbox import NotificationKind, notify
from storage.jobs import ClaimedJob
from storage.models import Issue
from storage.uow import UnitOfWork

ALERT_MODES = ("each", "digest", "off")
# Periods that divide a day, so digests arrive at the same hours every day.
DIGEST_HOURS = (1, 2, 3, 4, 6, 8, 12, 24)
DEFAULT_DIGEST_HOURS = 4
# A digest names this many issues (the oldest first); /inbox has them all.
DIGEST_ITEMS = 10
# The scheduled job that looks for due digests a minute past every hour.
DIGEST_CHECK = "issue-digests"
SUMMARY_CHARS = 60


@dataclass(frozen=True)
class AlertSetting:
    mode: str
    hours: int


def _summary(issue: Issue) -> str:
    flat = " ".join((issue.title or issue.text).split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1] + "…"


async def recipients(uow: UnitOfWork, township_id: int) -> list[int]:
    """Who hears of new issues: the township's staff, or its admins when it has no staff."""
    staff = await uow.staff.holders(township_id, [RoleName.STAFF])
    return staff or await uow.staff.holders(township_id, [RoleName.ADMIN])


async def issue_submitted(uow: UnitOfWork, issue: Issue, now: datetime) -> int:
    """The intake committed `issue` (in this unit of work): alert staff if the township wants
    each issue. Returns how many alerts were queued."""
    township = await uow.directory.township(issue.township_id)
    if township is None or township.new_issue_alerts != "each":
        return 0
    village = await uow.directory.village(issue.village_id) if issue.village_id else None
    # The issue arrives with its attachments (it was just built, or read with its history).
    voice = any(a.kind == "voice" for a in issue.attachments)
    photos = sum(1 for a in issue.attachments if a.kind == "photo")
    payload = {
        "issue_id": issue.id,
        "issue_number": issue.number,
        "summary": _summary(issue),
        "village": village.name if village else "",
        "voice": int(voice),
        "photos": photos,
    }
    queued = 0
    for person_id in await recipients(uow, issue.township_id):
        if person_id == issue.author_id:
            continue  # staff raising a matter themselves know of it
        queued += await notify(
            uow,
            recipient_id=person_id,
            kind=NotificationKind.NEW_ISSUE,
            payload=payload,
            dedupe_key=f"new-issue:{issue.id}:{person_id}",
            now=now,
        )
    return queued


def digest_period(now: datetime, zone: ZoneInfo, hours: int) -> tuple[datetime, datetime]:
    """The last complete period before `now`: [start, end), ends on the hours of the day that
    are multiples of `hours`, in the township's time (00:00, 04:00, 08:00 … for 4)."""
    local = now.astimezone(zone)
    end_hour = local.hour - local.hour % hours
    end = datetime.combine(local.date(), time(end_hour), tzinfo=zone)
    return end - timedelta(hours=hours), end


async def queue_digests(uow: UnitOfWork, now: datetime) -> int:
    """Queue the digest of every township whose period just ended (safe to run repeatedly).

    Returns how many pushes were queued.
    """
    queued = 0
    for township in await uow.staff.townships_alerting("digest"):
        hours = township.alert_digest_hours
        if hours not in DIGEST_HOURS:
            hours = DEFAULT_DIGEST_HOURS
        start, end = digest_period(now, ZoneInfo(township.timezone), hours)
        issues = await uow.staff.waiting_raised_between(township.id, start, end)
        if not issues:
            continue
        items = [
            {
                "number": issue.number,
                "summary": _summary(issue),
                "voice": int(any(a.kind == "voice" for a in issue.attachments)),
                "photos": sum(1 for a in issue.attachments if a.kind == "photo"),
            }
            for issue in issues[:DIGEST_ITEMS]
        ]
        payload = {
            "township": township.name,
            "hours": hours,
            "count": len(issues),
            "items": json.dumps(items, ensure_ascii=False),
        }
        for person_id in await recipients(uow, township.id):
            queued += await notify(
                uow,
                recipient_id=person_id,
                kind=NotificationKind.ISSUE_DIGEST,
                payload=payload,
                dedupe_key=f"issue-digest:{township.id}:{end.isoformat()}:{person_id}",
                now=now,
            )
    return queued


async def alert_setting(uow: UnitOfWork, township_id: int) -> AlertSetting:
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    return AlertSetting(township.new_issue_alerts, township.alert_digest_hours)


async def set_alerts(
    uow: UnitOfWork,
    *,
    township_id: int,
    mode: str,
    hours: int,
    actor_id: int | None,
    now: datetime,
) -> AlertSetting:
    """Choose how the township's staff hear of new issues. `hours` (one of DIGEST_HOURS) is
    the digest's period; it is saved with "digest" only, so the others keep the last one."""
    if mode not in ALERT_MODES or hours not in DIGEST_HOURS:
        raise DomainError(f"unknown alert setting {mode!r} / {hours}")
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    township.new_issue_alerts = mode
    if mode == "digest":
        township.alert_digest_hours = hours
    await uow.flush()
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action="township.alerts",
        object_type="township",
        object_id=township.id,
        details={"mode": mode, "hours": township.alert_digest_hours},
    )
    return AlertSetting(township.new_issue_alerts, township.alert_digest_hours)


async def schedule_digest_check(uow: UnitOfWork, now: datetime) -> None:
    """The next check for due digests, a minute past the coming hour (keyed by the hour,
    so scheduling it again, at every start, adds nothing)."""
    due = now.replace(minute=1, second=0, microsecond=0) + timedelta(hours=1)
    await uow.jobs.schedule(
        kind=DIGEST_CHECK, key=f"{DIGEST_CHECK}:{due:%Y-%m-%dT%H}", due_at=due, payload={}, now=now
    )


async def digest_check_job(uow: UnitOfWork, job: ClaimedJob, now: datetime) -> str:
    """The hourly job: queue the digests that are due, and schedule the next check."""
    queued = await queue_digests(uow, now)
    await schedule_digest_check(uow, now)
    return f"{queued} digest pushes queued"
