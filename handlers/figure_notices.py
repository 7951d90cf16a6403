"""The pushes about the office's figures, rendered in each recipient's language."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.i18n import Translator
from bot.services.outbox import NotificationKind
from handlers.figure_files import ReportFile
from handlers.figure_periods import month_label
from handlers.keyboards import inline
from handlers.render import esc

Payload = Mapping[str, Any]
Rendered = tuple[str, InlineKeyboardMarkup | None]


def monthly_report(tr: Translator, payload: Payload) -> Rendered:
    year, month = int(payload["year"]), int(payload["month"])
    date(year, month, 1)  # a row with an impossible month fails here, not on the press
    text = "\n".join(
        [
            tr._(
                "<b>The report on public opinion (社情民意) of {township} for {month} is "
                "ready.</b>",
                township=esc(str(payload["township"])),
                month=month_label(tr, year, month),
            ),
            tr._(
                "Top topics by the number of people, what was deliberated, decided and done, "
                "satisfaction, and the new matters."
            ),
        ]
    )
    press = ReportFile(year, month)
    return text, InlineKeyboardMarkup([[inline(tr._("📄 The report (.docx)"), press)]])


RENDERERS: dict[NotificationKind, Callable[[Translator, Payload], Rendered]] = {
    NotificationKind.MONTHLY_REPORT: monthly_report,
}
