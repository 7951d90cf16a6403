"""/alerts: how the township's staff hear of new issues (each one, a digest, or not at all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from telegram import InlineKeyboardMarkup, Update

from bot.domain.permissions import Act
from bot.services import alerts
from bot.services.alerts import AlertSetting
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import BotContext, Button, Route, button, command

# The digest periods offered as buttons (the service accepts every divisor of a day).
OFFERED_HOURS = (2, 4, 8, 24)


@dataclass(frozen=True)
class SetAlerts(Button, prefix="al.set"):
    mode: Literal["each", "digest", "off"]
    hours: int


def _describe(context: BotContext, setting: AlertSetting) -> str:
    tr = context.tr
    if setting.mode == "each":
        return tr._("Staff are told of each new issue as it comes in.")
    if setting.mode == "digest":
        return tr.n_(
            "Staff get a summary of the new issues every hour.",
            "Staff get a summary of the new issues every {count} hours.",
            setting.hours,
        )
    return tr._("Staff are not told of new issues; they look at /inbox themselves.")


async def _render(
    context: BotContext, setting: AlertSetting, notice: str | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    tr = context.tr
    township = await context.services.directory.township(context.township)
    lines = [notice, ""] if notice else []
    lines += [
        tr._("<b>New-issue alerts for {township}</b>", township=esc(township.name)),
        _describe(context, setting),
        tr._("Change it:"),
    ]

    def mark(mode: str, hours: int | None = None) -> str:
        same = setting.mode == mode and (hours is None or setting.hours == hours)
        return "✓ " if same else ""

    # "Each" and "off" keep the digest period for later; the button carries it.
    keep = setting.hours if setting.hours in alerts.DIGEST_HOURS else alerts.DEFAULT_DIGEST_HOURS
    keyboard = [
        [inline(mark("each") + tr._("🔔 Each issue"), SetAlerts("each", keep))],
        [
            inline(
                mark("digest", hours) + tr.n_("Every hour", "Every {count} hours", hours),
                SetAlerts("digest", hours),
            )
            for hours in OFFERED_HOURS
        ],
        [inline(mark("off") + tr._("🔕 No alerts"), SetAlerts("off", keep))],
    ]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


async def alerts_command(update: Update, context: BotContext) -> None:
    """/alerts: how staff hear of new issues now, and buttons to change it."""
    setting = await alerts.alert_setting(context.reads, context.township)
    context.ui.say(*await _render(context, setting))


async def set_alerts(update: Update, context: BotContext, press: SetAlerts) -> None:
    """A choice was pressed: saved for the whole township; the message shows it."""
    setting = await alerts.set_alerts(
        context.uow,
        township_id=context.township,
        mode=press.mode,
        hours=press.hours,
        actor_id=context.me.id,
        now=context.now,
    )
    context.ui.edit(*await _render(context, setting, context.tr._("Saved.")))


def routes() -> list[Route]:
    return [
        command("alerts", alerts_command, Act.ALERT_SETTINGS),
        button(SetAlerts, set_alerts, Act.ALERT_SETTINGS),
    ]
