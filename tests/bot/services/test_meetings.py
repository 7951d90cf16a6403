"""Meetings in the service layer: creating, answering, the waiting line, moving, cancelling,
reminders as jobs, guests' links; the calendar file and the check-in code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.config import Settings
from bot.domain.errors import NotFound
from bot.domain.topic_status import IllegalTopicTransition, TopicStatus
from bot.jobs import JOB_HANDLERS
from bot.scheduler import Scheduler
from bot.services import meeting_checkin, meeting_invites, meetings
from bot.services.container import Services
from bot.services.meeting_calendar import meeting_ics
from bot.services.meeting_views import MeetingRefused
from bot.services.meetings import MeetingDraft
from storage.db import SessionFactory
from storage.models import Invitation, Notification, ScheduledJob, Topic
from storage.uow import UnitOfWork
from tests.bot.services.meeting_fixtures import MONDAY, SATURDAY_EVENING, Cast, cast, meeting
from tests.conftest import MutableClock


@pytest.fixture
def services(settings: Settings, session_factory: SessionFactory, clock: MutableClock) -> Services:
    clock.current = MONDAY
    return Services(settings=settings, session_factory=session_factory, clock=clock)


async def _pushes(factory: SessionFactory, kind: str) -> list[Notification]:
    async with factory() as session:
        query = select(Notification).where(Notification.kind == kind).order_by(Notification.id)
        return list((await session.scalars(query)).all())


async def _jobs(factory: SessionFactory) -> dict[str, tuple[str, datetime, str | None]]:
    async with factory() as session:
        return {
            j.key: (j.status, j.due_at, j.outcome)
            for j in await session.scalars(select(ScheduledJob))
        }


async def _answer(
    factory: SessionFactory, meeting_id: int, person: int, answer: str, now: datetime
) -> meeting_invites.Answer:
    async with UnitOfWork(factory) as uow:
        result = await meeting_invites.respond(
            uow, meeting_id=meeting_id, person_id=person, answer=answer, now=now
        )
        await uow.commit()
    return result


async def test_a_meeting_invites_raisers_and_members_and_schedules_reminders(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    assert view.number == "HY-2026-0001"
    async with session_factory() as session:
        invited = {
            (i.person_id, i.role, i.reason) for i in await session.scalars(select(Invitation))
        }
        topic = await session.get(Topic, people.topic_id)
    assert invited == {(p, "resident", "raiser") for p in people.residents} | {
        (p, "member", "member") for p in people.members
    }
    assert topic is not None and topic.status is TopicStatus.SCHEDULED
    pushes = await _pushes(session_factory, "meeting_invited")
    assert {p.recipient_id for p in pushes} == set(people.residents + people.members)
    assert pushes[0].payload["starts_at"] == SATURDAY_EVENING.isoformat()
    jobs = await _jobs(session_factory)
    assert {key: (status, due) for key, (status, due, _o) in jobs.items()} == {
        f"meeting-reminder:{view.id}:24h": ("pending", SATURDAY_EVENING - timedelta(hours=24)),
        f"meeting-reminder:{view.id}:2h": ("pending", SATURDAY_EVENING - timedelta(hours=2)),
        # Seven working days after the meeting, at 09:00, staff hear if no outcome is out.
        f"outcome-nag:{view.id}:2026-12-16": ("pending", datetime(2026, 12, 16, 1, tzinfo=UTC)),
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [({"capacity": 0}, "capacity"), ({"starts_at": MONDAY}, "past"), ({"place": None}, "format")],
)
async def test_a_bad_draft_stores_nothing(
    session_factory: SessionFactory, services: Services, change: dict[str, object], reason: str
) -> None:
    people = await cast(session_factory, MONDAY)
    values: dict[str, object] = {
        "topic_ids": [people.topic_id],
        "starts_at": SATURDAY_EVENING,
        "place": "议事室",
        **change,
    }
    async with UnitOfWork(session_factory) as uow:
        with pytest.raises(MeetingRefused) as refused:
            await meetings.create_meeting(
                uow,
                township_id=people.township_id,
                draft=MeetingDraft(**values),  # type: ignore[arg-type]
                actor_id=people.staff,
                now=MONDAY,
            )
    assert refused.value.reason == reason
    assert await _pushes(session_factory, "meeting_invited") == []


async def test_only_selected_topics_can_be_scheduled(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY, select=False)
    with pytest.raises(IllegalTopicTransition):
        await meeting(session_factory, people, MONDAY)


async def test_a_full_meeting_keeps_a_waiting_line_and_promotes_the_first(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY, capacity=2)
    r1, r2, r3 = people.residents
    m1 = people.members[0]
    now = MONDAY
    assert (await _answer(session_factory, view.id, r1, "yes", now)).rsvp == "yes"
    assert (await _answer(session_factory, view.id, r2, "yes", now)).rsvp == "yes"
    third = await _answer(session_factory, view.id, r3, "yes", now + timedelta(minutes=1))
    assert (third.rsvp, third.position) == ("waiting", 1)
    fourth = await _answer(session_factory, view.id, m1, "yes", now + timedelta(minutes=2))
    assert (fourth.rsvp, fourth.position) == ("waiting", 2)
    again = await _answer(session_factory, view.id, m1, "yes", now + timedelta(minutes=3))
    assert (again.rsvp, again.position, again.changed) == ("waiting", 2, False)
    assert (await _answer(session_factory, view.id, r1, "no", now)).rsvp == "no"
    async with session_factory() as session:
        answers = {i.person_id: i.rsvp for i in await session.scalars(select(Invitation))}
    assert answers[r3] == "yes" and answers[m1] == "waiting"
    promoted = await _pushes(session_factory, "meeting_promoted")
    assert [p.recipient_id for p in promoted] == [r3]
    # Staff take r2 off the list: m1 gets the seat.
    async with UnitOfWork(session_factory) as uow:
        invitation = await uow.meetings.invitation(view.id, r2)
        assert invitation is not None
        await meeting_invites.remove_invitee(
            uow,
            township_id=people.township_id,
            invitation_id=invitation.id,
            actor_id=people.staff,
            now=now,
        )
        await uow.commit()
    assert [p.recipient_id for p in await _pushes(session_factory, "meeting_promoted")] == [r3, m1]


async def test_answers_on_a_cancelled_or_past_meeting_or_by_strangers_are_refused(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    with pytest.raises(NotFound):
        await _answer(session_factory, view.id, people.staff, "yes", MONDAY)
    with pytest.raises(MeetingRefused) as late:
        await _answer(session_factory, view.id, people.residents[0], "yes", SATURDAY_EVENING)
    assert late.value.reason == "started"
    async with UnitOfWork(session_factory) as uow:
        await meetings.cancel(
            uow,
            township_id=people.township_id,
            meeting_id=view.id,
            reason="天气",
            actor_id=people.staff,
            now=MONDAY,
        )
        await uow.commit()
    with pytest.raises(MeetingRefused) as cancelled:
        await _answer(session_factory, view.id, people.residents[0], "yes", MONDAY)
    assert cancelled.value.reason == "cancelled"
    async with session_factory() as session:
        topic = await session.get(Topic, people.topic_id)
    assert topic is not None and topic.status is TopicStatus.SELECTED
    assert {s for s, _d, _o in (await _jobs(session_factory)).values()} == {"skipped"}
    assert len(await _pushes(session_factory, "meeting_cancelled")) == 5


async def test_reminders_run_once_skip_when_late_and_follow_a_move(
    session_factory: SessionFactory, services: Services, clock: MutableClock
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    await _answer(session_factory, view.id, people.residents[0], "no", MONDAY)
    clock.current = SATURDAY_EVENING - timedelta(hours=24)
    assert await Scheduler(services, JOB_HANDLERS).run_once() == 1
    # A second scheduler (a restarted bot) finds nothing more to do.
    assert await Scheduler(services, JOB_HANDLERS).run_once() == 0
    reminded = await _pushes(session_factory, "meeting_reminder")
    assert sorted(p.recipient_id for p in reminded) == sorted(people.residents[1:] + people.members)
    # Moved by a week after the 24 h reminder went out: the new time is reminded of again,
    # the pending 2 h job moves along.
    later = SATURDAY_EVENING + timedelta(days=7)
    async with UnitOfWork(session_factory) as uow:
        await meetings.reschedule(
            uow,
            township_id=people.township_id,
            meeting_id=view.id,
            starts_at=later,
            actor_id=people.staff,
            now=clock.now(),
        )
        await uow.commit()
    moved = await _pushes(session_factory, "meeting_rescheduled")
    assert len(moved) == 5
    assert {p.payload["rsvp"] for p in moved if p.recipient_id == people.residents[0]} == {"no"}
    jobs = await _jobs(session_factory)
    assert jobs[f"meeting-reminder:{view.id}:2h"][:2] == ("pending", later - timedelta(hours=2))
    again = f"meeting-reminder:{view.id}:24h:{int(later.timestamp())}"
    assert jobs[again][:2] == ("pending", later - timedelta(hours=24))
    # The bot was down for both reminder times of the new date: on start, only the 2 h one
    # is sent, the 24 h one is skipped with the reason recorded.
    clock.current = later - timedelta(hours=1)
    assert await Scheduler(services, JOB_HANDLERS).run_once() == 2
    jobs = await _jobs(session_factory)
    assert jobs[again][0] == "skipped" and "2 h reminder" in (jobs[again][2] or "")
    assert jobs[f"meeting-reminder:{view.id}:2h"][0] == "done"
    hours_sent = [p.payload["hours"] for p in await _pushes(session_factory, "meeting_reminder")]
    assert hours_sent == [24] * 4 + [2] * 4


async def test_a_reminder_due_after_the_start_is_skipped(
    session_factory: SessionFactory, services: Services, clock: MutableClock
) -> None:
    people = await cast(session_factory, MONDAY)
    await meeting(session_factory, people, MONDAY)
    clock.current = SATURDAY_EVENING + timedelta(minutes=5)
    assert await Scheduler(services, JOB_HANDLERS).run_once() == 2
    outcomes = [o for s, _d, o in (await _jobs(session_factory)).values() if s == "skipped"]
    assert outcomes == ["the meeting had started when the reminder came due"] * 2
    assert await _pushes(session_factory, "meeting_reminder") == []


async def test_a_guest_link_works_once_and_not_after_it_expires(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    guest = await _person(session_factory, 6001)
    other = await _person(session_factory, 6002)

    async def make() -> str:
        async with UnitOfWork(session_factory) as uow:
            payload = await meeting_invites.guest_pass(
                uow,
                township_id=people.township_id,
                meeting_id=view.id,
                role="department",
                actor_id=people.staff,
                now=MONDAY,
            )
            await uow.commit()
        return payload

    async def redeem(payload: str, person: int, now: datetime) -> tuple[str, str]:
        async with UnitOfWork(session_factory) as uow:
            found = await meeting_invites.redeem_guest_pass(
                uow, payload=payload, person_id=person, now=now
            )
            await uow.commit()
        return found

    link = await make()
    assert await redeem(link, guest, MONDAY) == ("HY-2026-0001", "department")
    for payload, now, reason in (
        (link, MONDAY, "pass_used"),
        (await make(), MONDAY + timedelta(days=6), "pass_expired"),
        ("g-notarealnonce1", MONDAY, "pass_unknown"),
    ):
        with pytest.raises(MeetingRefused) as refused:
            await redeem(payload, other, now)
        assert refused.value.reason == reason
    async with session_factory() as session:
        roles = {i.person_id: i.role for i in await session.scalars(select(Invitation))}
    assert roles[guest] == "department" and other not in roles


async def _person(factory: SessionFactory, telegram_id: int) -> int:
    from tests import factories

    return await factories.person(factory, MONDAY, telegram_id, "嘉宾")


async def test_the_calendar_file_parses_back_with_the_right_instant_and_alarms(
    session_factory: SessionFactory, services: Services
) -> None:
    people: Cast = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    calendar = Calendar.from_ical(meeting_ics(view, now=MONDAY))
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == SATURDAY_EVENING
    assert event.decoded("dtend") == SATURDAY_EVENING + timedelta(minutes=90)
    assert str(event["uid"]) == "HY-2026-0001@haoshangliang"
    assert "东风镇协商议事室" in str(event["location"])
    triggers = sorted(alarm.decoded("trigger") for alarm in event.walk("VALARM"))
    assert triggers == [-timedelta(hours=24), -timedelta(hours=2)]


def test_the_check_in_link_is_signed() -> None:
    key = b"k" * 32
    payload = meeting_checkin.checkin_payload(12, key)
    assert meeting_checkin.read_checkin_payload(payload, key) == 12
    forged = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    assert meeting_checkin.read_checkin_payload(forged, key) is None
    assert meeting_checkin.read_checkin_payload("ci-13-" + payload[-12:], key) is None
    assert meeting_checkin.read_checkin_payload(payload, b"x" * 32) is None


async def _scan(
    factory: SessionFactory, meeting_id: int, person: int, township: int | None, now: datetime
) -> meeting_checkin.CheckIn:
    async with UnitOfWork(factory) as uow:
        done = await meeting_checkin.check_in(
            uow, meeting_id=meeting_id, person_id=person, person_township_id=township, now=now
        )
        await uow.commit()
    return done


async def test_check_in_refuses_closed_cancelled_finished_and_foreign_meetings(
    session_factory: SessionFactory, services: Services
) -> None:
    people = await cast(session_factory, MONDAY)
    view = await meeting(session_factory, people, MONDAY)
    resident = people.residents[0]
    doors = SATURDAY_EVENING - timedelta(minutes=30)
    with pytest.raises(MeetingRefused) as closed:
        await _scan(session_factory, view.id, resident, people.township_id, doors)
    assert closed.value.reason == "checkin_closed"
    async with UnitOfWork(session_factory) as uow:
        await meeting_checkin.open_checkin(
            uow, township_id=people.township_id, meeting_id=view.id, chat_id=9001,
            message_id=77, now=doors,
        )  # fmt: skip
        await uow.commit()
    assert (
        await _scan(session_factory, view.id, resident, people.township_id, doors)
    ).status == "checked_in"
    assert (
        await _scan(session_factory, view.id, resident, people.township_id, doors)
    ).status == "already"
    # Someone of another township, not on the list: told so, and staff are not bothered.
    with pytest.raises(MeetingRefused) as foreign:
        await _scan(session_factory, view.id, people.staff, people.township_id + 1, doors)
    assert foreign.value.reason == "other_township"
    assert await _pushes(session_factory, "meeting_walk_in") == []
    with pytest.raises(MeetingRefused) as over:
        await _scan(
            session_factory,
            view.id,
            people.residents[1],
            people.township_id,
            SATURDAY_EVENING + timedelta(hours=2),
        )
    assert over.value.reason == "over"
    async with UnitOfWork(session_factory) as uow:
        found = await uow.meetings.get(view.id)
        assert found is not None
        found.status = "cancelled"
        await uow.commit()
    with pytest.raises(MeetingRefused) as cancelled:
        await _scan(session_factory, view.id, people.residents[1], people.township_id, doors)
    assert cancelled.value.reason == "cancelled"
    async with session_factory() as session:
        arrived = [
            i.person_id for i in await session.scalars(select(Invitation)) if i.checked_in_at
        ]
    assert arrived == [resident]
