"""Who may act where: every staff command and button checks this, never trusting the client."""

from __future__ import annotations

from bot.domain.errors import NotAllowed
from bot.domain.roles import RoleName
from bot.services.views import PersonView

STAFF_ROLES = frozenset({RoleName.STAFF, RoleName.ADMIN})
# Members follow topics and read their state; triage stays with staff.
TOPIC_READERS = frozenset({RoleName.STAFF, RoleName.ADMIN, RoleName.MEMBER})


def townships_with(person: PersonView, roles: frozenset[RoleName]) -> list[int]:
    return sorted({township for township, role in person.roles if role in roles})


def require(person: PersonView, township_id: int, roles: frozenset[RoleName]) -> None:
    """Raise NotAllowed unless the person holds one of `roles` in that township."""
    if not any((township_id, role) in person.roles for role in roles):
        raise NotAllowed(f"person {person.id} lacks {sorted(roles)} in township {township_id}")


def staff_township(person: PersonView, roles: frozenset[RoleName] = STAFF_ROLES) -> int:
    """The township a staff member (or, with `roles`, a member) serves; the first of several."""
    townships = townships_with(person, roles)
    if not townships:
        raise NotAllowed(f"person {person.id} holds none of {sorted(roles)}")
    return townships[0]
