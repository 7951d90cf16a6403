"""A meeting as an iCalendar file (.ics) a phone adds to its calendar, alarms included.

The event's times are in UTC (a phone shows them in its own zone); its UID stays the same
when the meeting moves, and SEQUENCE grows, so a calendar that imported the first file
updates the event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from bot.services.meeting_views import MeetingView

PRODUCT_ID = "-//haoshangliang//meetings//ZH"


def meeting_ics(view: MeetingView, *, now: datetime) -> bytes:
    """The .ics of one meeting."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{view.number}@haoshangliang")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", view.starts_at.astimezone(UTC))
    event.add("dtend", view.ends_at.astimezone(UTC))
    event.add("sequence", view.revision)
    event.add("summary", f"{view.number} {view.title}")
    if view.place:
        event.add("location", view.place)
    if view.latitude is not None and view.longitude is not None:
        event.add("geo", (view.latitude, view.longitude))
    if view.online_link:
        event.add("url", view.online_link)
    lines = [f"{index}. {item}" for index, item in enumerate(view.agenda, start=1)]
    if view.description:
        lines += ["", view.description]
    if view.online_link:
        lines += ["", view.online_link]
    event.add("description", "\n".join(lines))
    if view.status == "cancelled":
        event.add("status", "CANCELLED")
    for hours in view.reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{view.number} {view.title}")
        alarm.add("trigger", -timedelta(hours=hours))
        event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def filename(view: MeetingView) -> str:
    return f"{view.number}.ics"
