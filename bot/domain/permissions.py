"""Who may do what, in which township: the one table every command and button is checked
against (handlers/toolkit/access.py enforces it; services re-check the objects they touch).

An action not in the table is open to every registered person (raising an issue, /my); the
service behind it checks ownership instead.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain.roles import RoleName


class Act(StrEnum):
    TRIAGE = "triage"  # the inbox and every action on an issue that waits there
    READ_TOPICS = "read_topics"  # /topics, a topic's card
    FOLLOW_TOPIC = "follow_topic"
    MANAGE_TOPICS = "manage_topics"  # merge, split, rename
    CANDIDATES = "candidates"  # /candidates and making a candidate a topic
    MANAGE_ROLES = "manage_roles"  # /grant, /revoke
    CHOOSE_TOWNSHIP = "choose_township"  # staff and members of several townships
    READ_ISSUES = "read_issues"  # /issue by number, an issue of a topic (members see less)
    ALERT_SETTINGS = "alert_settings"  # /alerts: how staff hear of new issues
    # -- meetings (协商议事会) --
    CONVENE = "convene"  # select topics, create, move, cancel meetings; invitees; check-in

    # -- Deliberation meetings: opinions before, the outcome after (协商成果) ----------------
    GATHER_OPINIONS = "gather_opinions"  # open a meeting's topics for opinions, the digest
    RECORD_OUTCOME = "record_outcome"  # record, edit and publish a meeting's outcome
    READ_MINUTES = "read_minutes"  # download the minutes (纪要) of a meeting
    MANAGE_CALENDAR = "manage_calendar"  # /holiday: public holidays and 调休 working days
    # -- After the work: resolve a topic, reopen it, answer a resident's rating --
    RESOLVE = "resolve"

    # -- Follow-through: progress on action items --------------------------------------------
    # /mine, an item's card, posting progress (the service checks the owner), /record.
    FOLLOW_UP = "follow_up"
    # -- The liaison office's figures --
    READ_FIGURES = "read_figures"  # /stats, its chart, /export, /report


STAFF = frozenset({RoleName.STAFF, RoleName.ADMIN})
STAFF_AND_MEMBERS = frozenset({RoleName.STAFF, RoleName.ADMIN, RoleName.MEMBER})
ADMINS = frozenset({RoleName.ADMIN})

PERMISSIONS: dict[Act, frozenset[RoleName]] = {
    Act.TRIAGE: STAFF,
    Act.READ_TOPICS: STAFF_AND_MEMBERS,
    Act.FOLLOW_TOPIC: STAFF_AND_MEMBERS,
    Act.MANAGE_TOPICS: STAFF,
    Act.CANDIDATES: STAFF,
    Act.MANAGE_ROLES: ADMINS,
    Act.CHOOSE_TOWNSHIP: STAFF_AND_MEMBERS,
    Act.READ_ISSUES: STAFF_AND_MEMBERS,
    Act.ALERT_SETTINGS: STAFF,
    # -- meetings --
    Act.CONVENE: STAFF,
    # -- Deliberation meetings: opinions before, the outcome after ---------------------------
    Act.GATHER_OPINIONS: STAFF,
    Act.RECORD_OUTCOME: STAFF,
    # Members take part in meetings and answer for action items: they read the minutes too.
    Act.READ_MINUTES: STAFF_AND_MEMBERS,
    Act.MANAGE_CALENDAR: ADMINS,
    Act.RESOLVE: STAFF,
    # -- Follow-through: members own action items, staff post for departments -------------
    Act.FOLLOW_UP: STAFF_AND_MEMBERS,
    # -- The liaison office's figures: they name residents' matters, so staff only --
    Act.READ_FIGURES: STAFF,
}
