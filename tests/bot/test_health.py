"""/healthz and /metrics of a running bot: what operators and load balancers read."""

from __future__ import annotations

from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from bot.dispatcher import dispatcher_of
from bot.services.outbox import NotificationKind, notify
from bot.webhook import webhook_app
from storage.db import create_engine, create_session_factory
from tests import factories
from tests.harness import BotHarness


async def _get(harness: BotHarness, path: str) -> tuple[int, str]:
    web_app = webhook_app(harness.app, "/telegram", "secret")
    async with TestClient(TestServer(web_app)) as client:
        response = await client.get(path)
        return response.status, await response.text()


async def test_healthy_while_the_database_answers_and_the_dispatcher_runs(
    harness: BotHarness,
) -> None:
    status, body = await _get(harness, "/healthz")
    assert status == 200
    assert '"database": true' in body and '"dispatcher": true' in body


async def test_503_when_the_dispatcher_is_dead(harness: BotHarness) -> None:
    dispatcher = dispatcher_of(harness.app)
    assert dispatcher is not None
    await dispatcher.stop()
    status, body = await _get(harness, "/healthz")
    assert status == 503
    assert '"dispatcher": false' in body
    await dispatcher.start()


async def test_503_when_the_database_does_not_answer(harness: BotHarness, tmp_path: Path) -> None:
    services = harness.app.services
    working = services.session_factory
    # A directory where the database file should be: no connection can be opened.
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path}")
    services.session_factory = create_session_factory(unreachable)
    try:
        status, body = await _get(harness, "/healthz")
    finally:
        services.session_factory = working
        await unreachable.dispose()
    assert status == 503
    assert '"database": false' in body


async def test_metrics_show_the_outbox_and_the_jobs(harness: BotHarness) -> None:
    services = harness.app.services
    person = await factories.person(harness.session_factory, harness.clock.now(), 4242)
    dispatcher = dispatcher_of(harness.app)
    assert dispatcher is not None
    await dispatcher.stop()  # the row stays queued, to be counted
    async with services.uow() as uow:
        await notify(
            uow,
            recipient_id=person,
            kind=NotificationKind.ISSUE_NEEDS_INFO,
            payload={"issue_number": "YS-1", "question": "哪一根？", "question_id": 1},
            dedupe_key="metrics-1",
            now=harness.clock.now(),
        )
        await uow.commit()
    status, text = await _get(harness, "/metrics")
    await dispatcher.start()
    assert status == 200
    for name in (
        'bot_outbox_depth{priority="1"} 1.0',
        "bot_scheduled_jobs_due ",
        "bot_scheduled_jobs_overdue ",
        "bot_blocked_people ",
        "bot_updates_total",
        "bot_update_seconds_bucket",
        "bot_pushes_total",
        "bot_rate_limited_total",
        "bot_dispatcher_alive 0.0",
    ):
        assert name in text, name
