"""The monthly 社情民意 report as a Word document (python-docx), in the reader's language."""

from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from docx import Document

from bot.i18n import Translator
from bot.services.export_files import WORDS
from bot.services.monthly_report import MonthlyReport
from bot.services.stats import Rate
from handlers.deliberation_errors import day_text
from handlers.figure_periods import month_label
from handlers.minutes_docx import _chinese_fonts


def _table(document: object, header: list[str], rows: list[list[str]]) -> None:
    table = document.add_table(rows=1, cols=len(header))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _rate(rate: Rate) -> str:
    return f"{rate.percent()} ({rate.part}/{rate.whole})"


def report_docx(tr: Translator, report: MonthlyReport) -> bytes:
    zone = ZoneInfo(report.zone_key)
    month = month_label(tr, report.month.year, report.month.month)
    document = Document()
    _chinese_fonts(document)
    document.add_heading(tr._("Report on public opinion (社情民意)"), level=0)
    document.add_paragraph(tr._("{township}, {month}", township=report.township, month=month))

    f = report.overall
    document.add_heading(tr._("The month in figures"), level=1)
    _table(
        document,
        [tr._("Figure"), tr._("Value")],
        [
            [tr._("Issues received"), str(f.received)],
            [
                tr._("Response rate"),
                f"{f.response.percent()} ({f.response.part}/{f.response.whole})",
            ],
            [
                tr._("Selection rate"),
                f"{f.selection.percent()} ({f.selection.part}/{f.selection.whole})",
            ],
            [
                tr._("Resolution rate"),
                f"{f.resolution.percent()} ({f.resolution.part}/{f.resolution.whole})",
            ],
            [
                tr._("Satisfaction rate"),
                tr.n_(
                    "{rate} of {count} rating",
                    "{rate} of {count} ratings",
                    f.satisfaction.whole,
                    rate=f.satisfaction.percent(),
                ),
            ],
            [tr._("Action items still open (overdue)"), f"{f.items_open} ({f.items_overdue})"],
        ],
    )

    document.add_heading(tr._("What residents raised most"), level=1)
    if report.top_topics:
        _table(
            document,
            [tr._("Topic"), tr._("People"), tr._("Issues this month"), tr._("Status")],
            [
                [
                    f"{t.number} {t.title}",
                    str(t.people),
                    str(t.issues),
                    tr._(WORDS["topic_status"].get(t.status, t.status)),
                ]
                for t in report.top_topics
            ],
        )
    else:
        document.add_paragraph(tr._("No issue of this month is part of a topic yet."))

    document.add_heading(tr._("What was deliberated"), level=1)
    for held in report.held:
        document.add_paragraph(
            tr._(
                "{day}: {number} {title} — {topics}",
                day=tr.day(held.starts_at, zone),
                number=held.number,
                title=held.title,
                topics=tr._("、").join(held.topics) or "—",
            ),
            style="List Bullet",
        )
    if not report.held:
        document.add_paragraph(tr._("No meeting this month."))

    document.add_heading(tr._("What was decided"), level=1)
    for decision in report.decisions:
        document.add_paragraph(
            tr.n_(
                "{number} {title}: {count} action item",
                "{number} {title}: {count} action items",
                decision.items,
                number=decision.meeting_number,
                title=decision.meeting_title,
            ),
            style="List Bullet",
        )
        if decision.consensus.strip():
            document.add_paragraph(decision.consensus.strip())
    if not report.decisions:
        document.add_paragraph(tr._("No outcome was published this month."))

    document.add_heading(tr._("What got done"), level=1)
    if report.done:
        _table(
            document,
            [tr._("Topic"), tr._("Action item"), tr._("In charge"), tr._("Due"), tr._("Done")],
            [
                [d.topic, d.item, d.owner, day_text(tr, d.due_on), tr.day(d.done_at, zone)]
                for d in report.done
            ],
        )
    else:
        document.add_paragraph(tr._("No action item was completed this month."))

    document.add_heading(tr._("New matters"), level=1)
    for matter in report.new_matters:
        document.add_paragraph(
            f"{matter.number} · {matter.village or '—'} · {matter.summary}", style="List Bullet"
        )
    if not report.new_matters:
        document.add_paragraph(tr._("No new matter waits outside a topic."))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
