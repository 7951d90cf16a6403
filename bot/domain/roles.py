"""Who may do what in a township."""

from __future__ import annotations

from enum import StrEnum


class RoleName(StrEnum):
    RESIDENT = "resident"
    STAFF = "staff"
    MEMBER = "member"
    ADMIN = "admin"
