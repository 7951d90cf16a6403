"""A township's November 2026, written straight into the database, with figures checked by
hand (the numbers the tests of /stats, the chart, the exports and the report assert).

Times are local (Asia/Shanghai, UTC+8). "Now" is 2026-11-20 10:00 local.

Issues received in November (6), and the office's first answer:
  I1 东风村   category 0  11-02 09:00  accepted 11-03 09:00 (24 h)       topic T1
  I2 东风村   category 0  11-05 10:00  question 11-10 10:00 (120 h)
  I3 南湖社区 category 1  11-06 08:00  rejected 11-06 10:00 (2 h)
  I4 南湖社区 category 0  11-10 12:00  accepted 11-12 12:00 (48 h)       topic T2
  I5 柳树屯   category 1  11-15 09:00  no answer; raised anonymously by 匿名者
  I6 东风村   category 0  11-01 00:30  accepted 11-01 06:30 (6 h)        topic T1
and I0 (东风村, 10-31 23:30 local: October) in T3.

Topics opened in November: T1 (category 0, resolved 11-18), T2 (category 0, implementing),
T4 (collecting, not selected); T3 was opened in October.
Ratings of T1 in November: 满意, 基本满意, 不满意. 回头看 answers on T1: 还好 ×3, 又出现了 ×1.
Meetings: HY1 on T1 (11-08 14:00): 老刘 (member, checked in), 老陈 (member, did not come),
王阿姨 (resident, checked in). HY2 on T2 (11-13 14:00): 老陈 (checked in).
Action items: C (T1, 老刘, due 11-10, done 11-09), A (T2, 老陈, due 11-15, open: overdue),
B (T2, 城管办, due 11-30, open). Progress: 老刘 on C (11-09), 老陈 on A (11-14).
Opinion: 老刘 on T1 (11-07).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.domain.issue_status import IssueStatus
from bot.domain.roles import RoleName
from bot.domain.topic_status import TopicStatus
from storage.db import SessionFactory
from storage.models import (
    ActionItem,
    Invitation,
    Issue,
    IssueEvent,
    LookBack,
    Meeting,
    MeetingTopic,
    Opinion,
    Outcome,
    ProgressUpdate,
    Rating,
    Topic,
)
from storage.uow import UnitOfWork
from tests import factories

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ANONYMOUS_NAME = "匿名者"


def local(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    """A Shanghai wall-clock time as the UTC instant it is."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@dataclass
class November:
    township_id: int
    people: dict[str, int] = field(default_factory=dict)
    issues: dict[str, int] = field(default_factory=dict)
    topics: dict[str, int] = field(default_factory=dict)


async def november(session_factory: SessionFactory) -> November:
    report = await factories.township(session_factory, local(10, 1))
    scene = November(report.township_id)
    for telegram_id, name in (
        (1001, "王阿姨"),
        (1002, "李大爷"),
        (1003, "赵姐"),
        (1004, "孙叔"),
        (1005, ANONYMOUS_NAME),
        (5001, "老刘"),
        (5002, "老陈"),
        (9001, "小张"),
    ):
        scene.people[name] = await factories.person(
            session_factory, local(10, 1), telegram_id, name
        )
    people = scene.people
    async with UnitOfWork(session_factory) as uow:
        for name, role in (("老刘", RoleName.MEMBER), ("老陈", RoleName.MEMBER)):
            await uow.people.grant(people[name], report.township_id, role, local(10, 1))
        await uow.people.grant(people["小张"], report.township_id, RoleName.STAFF, local(10, 1))
        categories = [c.id for c in await uow.directory.categories(report.township_id)]
        session = uow.session
        staff = people["小张"]

        def topic(number: str, status: TopicStatus, opened: datetime, **extra: object) -> Topic:
            row = Topic(
                number=number,
                township_id=report.township_id,
                category_id=categories[0],
                title=f"议题{number}",
                summary="",
                status=status,
                created_at=opened,
                updated_at=opened,
                **extra,
            )
            session.add(row)
            return row

        t1 = topic("YT-1", TopicStatus.RESOLVED, local(11, 3, 9), resolved_at=local(11, 18, 9))
        t2 = topic("YT-2", TopicStatus.IMPLEMENTING, local(11, 12, 12))
        t3 = topic("YT-3", TopicStatus.COLLECTING, local(10, 31, 23, 30))
        t4 = topic("YT-4", TopicStatus.COLLECTING, local(11, 20, 0))
        await uow.flush()
        scene.topics = {"T1": t1.id, "T2": t2.id, "T3": t3.id, "T4": t4.id}

        plan = [
            # name, village, category, raised, author, answer (status, at), topic, anonymous
            (
                "I1",
                "东风村",
                0,
                local(11, 2, 9),
                "王阿姨",
                (IssueStatus.ACCEPTED, local(11, 3, 9)),
                t1,
                False,
            ),
            (
                "I2",
                "东风村",
                0,
                local(11, 5, 10),
                "李大爷",
                (IssueStatus.NEEDS_INFO, local(11, 10, 10)),
                None,
                False,
            ),
            (
                "I3",
                "南湖社区",
                1,
                local(11, 6, 8),
                "赵姐",
                (IssueStatus.REJECTED, local(11, 6, 10)),
                None,
                False,
            ),
            (
                "I4",
                "南湖社区",
                0,
                local(11, 10, 12),
                "孙叔",
                (IssueStatus.ACCEPTED, local(11, 12, 12)),
                t2,
                False,
            ),
            ("I5", "柳树屯", 1, local(11, 15, 9), ANONYMOUS_NAME, None, None, True),
            (
                "I6",
                "东风村",
                0,
                local(11, 1, 0, 30),
                "李大爷",
                (IssueStatus.ACCEPTED, local(11, 1, 6, 30)),
                t1,
                False,
            ),
            (
                "I0",
                "东风村",
                0,
                local(10, 31, 23, 30),
                "赵姐",
                (IssueStatus.ACCEPTED, local(11, 1, 9)),
                t3,
                False,
            ),
        ]
        for index, (name, village, category, raised, author, answer, into, anonymous) in enumerate(
            plan
        ):
            status = answer[0] if answer else IssueStatus.SUBMITTED
            issue = Issue(
                number=f"YS-2026-{index + 1:06d}",
                township_id=report.township_id,
                village_id=report.villages[village],
                reporter_village_id=report.villages[village],
                author_id=people[author],
                category_id=categories[category],
                text=f"{name}：{village}的事",
                anonymous=anonymous,
                status=status,
                topic_id=into.id if into is not None else None,
                first_answered_at=answer[1] if answer else None,
                created_at=raised,
                updated_at=raised,
            )
            issue.events.append(
                IssueEvent(at=raised, actor_id=people[author], to_status=IssueStatus.SUBMITTED)
            )
            if answer:
                issue.events.append(
                    IssueEvent(
                        at=answer[1],
                        actor_id=staff,
                        from_status=IssueStatus.SUBMITTED,
                        to_status=answer[0],
                        note="理由" if answer[0] is IssueStatus.REJECTED else None,
                    )
                )
            session.add(issue)
            await uow.flush()
            scene.issues[name] = issue.id

        for person, value, comment in (
            ("王阿姨", "satisfied", "灯亮了"),
            ("李大爷", "basic", None),
            ("赵姐", "unsatisfied", "还是有点暗"),
        ):
            session.add(
                Rating(
                    topic_id=t1.id,
                    person_id=people[person],
                    round=1,
                    value=value,
                    comment=comment,
                    created_at=local(11, 19, 10),
                    updated_at=local(11, 19, 10),
                )
            )
        for person, answer in (
            ("王阿姨", "still_solved"),
            ("李大爷", "still_solved"),
            ("赵姐", "still_solved"),
            ("孙叔", "back_again"),
        ):
            session.add(
                LookBack(
                    topic_id=t1.id,
                    round=1,
                    person_id=people[person],
                    answer=answer,
                    created_at=local(11, 19, 12),
                )
            )

        def meeting(number: str, starts: datetime, topic_row: Topic) -> Meeting:
            row = Meeting(
                number=number,
                township_id=report.township_id,
                title=f"关于{topic_row.title}的协商",
                starts_at=starts,
                created_at=starts - timedelta(days=5),
                updated_at=starts,
            )
            session.add(row)
            return row

        hy1 = meeting("HY-2026-0001", local(11, 8, 14), t1)
        hy2 = meeting("HY-2026-0002", local(11, 13, 14), t2)
        await uow.flush()
        session.add_all(
            [
                MeetingTopic(meeting_id=hy1.id, topic_id=t1.id),
                MeetingTopic(meeting_id=hy2.id, topic_id=t2.id),
            ]
        )
        for held, person, role, came in (
            (hy1, "老刘", "member", True),
            (hy1, "老陈", "member", False),
            (hy1, "王阿姨", "resident", True),
            (hy2, "老陈", "member", True),
        ):
            session.add(
                Invitation(
                    meeting_id=held.id,
                    person_id=people[person],
                    role=role,
                    reason="member" if role == "member" else "raiser",
                    rsvp="yes",
                    responded_at=held.created_at,
                    checked_in_at=held.starts_at if came else None,
                    created_at=held.created_at,
                )
            )
        session.add(
            Opinion(
                topic_id=t1.id,
                meeting_id=hy1.id,
                author_id=people["老刘"],
                text="建议尽快修好路灯",
                created_at=local(11, 7, 9),
            )
        )
        o1 = Outcome(
            meeting_id=hy1.id,
            summary="修路灯",
            consensus="一周内修好",
            status="published",
            updated_at=local(11, 8, 17),
            published_at=local(11, 8, 17),
        )
        o2 = Outcome(
            meeting_id=hy2.id,
            summary="疏通下水道",
            consensus="月底前完成",
            status="published",
            updated_at=local(11, 13, 17),
            published_at=local(11, 13, 17),
        )
        session.add_all([o1, o2])
        await uow.flush()

        def item(
            outcome: Outcome, topic_row: Topic, text: str, due: date, **extra: object
        ) -> ActionItem:
            row = ActionItem(
                outcome_id=outcome.id,
                topic_id=topic_row.id,
                description=text,
                due_on=due,
                created_at=outcome.published_at,
                updated_at=outcome.published_at,
                **extra,
            )
            session.add(row)
            return row

        c = item(
            o1,
            t1,
            "更换路灯",
            date(2026, 11, 10),
            owner_person_id=people["老刘"],
            status="done",
            progress=100,
            done_at=local(11, 9, 16),
        )
        a = item(
            o2, t2, "疏通下水道", date(2026, 11, 15), owner_person_id=people["老陈"], progress=40
        )
        item(o2, t2, "清理路面", date(2026, 11, 30), owner_name="城管办")
        await uow.flush()
        session.add_all(
            [
                ProgressUpdate(
                    action_item_id=c.id,
                    author_id=people["老刘"],
                    text="已更换",
                    percent=100,
                    created_at=local(11, 9, 16),
                ),
                ProgressUpdate(
                    action_item_id=a.id,
                    author_id=people["老陈"],
                    text="进行中",
                    percent=40,
                    created_at=local(11, 14, 10),
                ),
            ]
        )
        await uow.commit()
    return scene
