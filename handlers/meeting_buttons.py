"""Every button of meetings, declared once (see handlers/toolkit/buttons.py).

Residents' buttons (mt.r, mt.ics, mt.loc) need no permission: the services check that the
invitation is the presser's and the meeting still ahead. Staff buttons run behind
Act.CONVENE. Buttons of the flows carry their frame id (FlowButton).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from handlers.toolkit import Button, FlowButton

Answer = Literal["yes", "no", "maybe"]
Format = Literal["onsite", "online", "hybrid"]
GuestRole = Literal["department", "village", "expert", "observer"]
Step = Literal["place", "link", "agenda", "capacity", "description"]

# -- residents: under an invitation ------------------------------------------------------------


@dataclass(frozen=True)
class Rsvp(Button, prefix="mt.r"):
    meeting: int
    answer: Answer


@dataclass(frozen=True)
class CalendarFile(Button, prefix="mt.ics"):
    meeting: int


@dataclass(frozen=True)
class ShowPlace(Button, prefix="mt.loc"):
    meeting: int


# -- staff: meetings, topics, the list ---------------------------------------------------------


@dataclass(frozen=True)
class MeetingCard(Button, prefix="mt.v"):
    meeting: int


@dataclass(frozen=True)
class SelectTopic(Button, prefix="mt.sel"):
    topic: int


@dataclass(frozen=True)
class NewMeeting(Button, prefix="mt.new"):
    # 0: pick among the selected topics; else the topic the meeting starts with.
    topic: int


@dataclass(frozen=True)
class Invitees(Button, prefix="mt.iv"):
    meeting: int
    page: int


@dataclass(frozen=True)
class RemoveInvitee(Button, prefix="mt.rm"):
    invitation: int


@dataclass(frozen=True)
class PickInvitee(Button, prefix="mt.ap"):
    meeting: int


@dataclass(frozen=True)
class AddInvitee(Button, prefix="mt.ad"):
    meeting: int
    person: int


@dataclass(frozen=True)
class PickGuestRole(Button, prefix="mt.gl"):
    meeting: int


@dataclass(frozen=True)
class GuestLink(Button, prefix="mt.gr"):
    meeting: int
    role: GuestRole


@dataclass(frozen=True)
class MessageAll(Button, prefix="mt.msg"):
    meeting: int


@dataclass(frozen=True)
class Reschedule(Button, prefix="mt.mv"):
    meeting: int


@dataclass(frozen=True)
class AskCancel(Button, prefix="mt.cx"):
    meeting: int


@dataclass(frozen=True)
class ConfirmCancel(Button, prefix="mt.cxy"):
    meeting: int


@dataclass(frozen=True)
class OpenCheckin(Button, prefix="mt.ci"):
    meeting: int


@dataclass(frozen=True)
class CloseCheckin(Button, prefix="mt.cc"):
    meeting: int


@dataclass(frozen=True)
class CheckinList(Button, prefix="mt.cl"):
    meeting: int
    page: int


@dataclass(frozen=True)
class CheckInvitee(Button, prefix="mt.ck"):
    invitation: int
    page: int


@dataclass(frozen=True)
class Admit(Button, prefix="mt.adm"):
    meeting: int
    person: int


# -- the creation and reschedule flows ---------------------------------------------------------


@dataclass(frozen=True)
class ToggleTopic(FlowButton, prefix="mf.t"):
    topic: int


@dataclass(frozen=True)
class TopicsDone(FlowButton, prefix="mf.td"):
    pass


@dataclass(frozen=True)
class PickDay(FlowButton, prefix="mf.pd"):
    pass


@dataclass(frozen=True)
class Day(FlowButton, prefix="mf.d"):
    day: int  # yyyymmdd


@dataclass(frozen=True)
class Hour(FlowButton, prefix="mf.h"):
    day: int
    hour: int


@dataclass(frozen=True)
class TimeRight(FlowButton, prefix="mf.ok"):
    pass


@dataclass(frozen=True)
class TimeAgain(FlowButton, prefix="mf.ag"):
    pass


@dataclass(frozen=True)
class Duration(FlowButton, prefix="mf.du"):
    minutes: int


@dataclass(frozen=True)
class PickFormat(FlowButton, prefix="mf.f"):
    format: Format


@dataclass(frozen=True)
class Skip(FlowButton, prefix="mf.sk"):
    step: Step


@dataclass(frozen=True)
class Members(FlowButton, prefix="mf.m"):
    invite: bool


@dataclass(frozen=True)
class Create(FlowButton, prefix="mf.c"):
    pass
