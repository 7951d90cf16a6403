"""Who may act where: every staff command and button checks this, never trusting the client."""

from __future__ import annotations

from bot.domain.errors import NotAllowed
from bot.domain.roles import RoleName
from bot.services.views import PersonView

STAFF_ROLES = frozenset({RoleName.STAFF, RoleName.ADMIN})


def townships_with(person: PersonView, roles: frozenset[RoleName]) -> list[int]:
    return sorted({township for township, role in person.roles if role in roles})


def require(person: PersonView, township_id: int, roles: frozenset[RoleName]) -> None:
    """Raise NotAllowed unless the person holds one of `roles` in that township."""
    if not any((township_id, role) in person.roles for role in roles):
        raise NotAllowed(f"person {person.id} lacks {sorted(roles)} in township {township_id}")


def staff_township(person: PersonView) -> int:
    """The township a staff member works for (the first, if they serve several)."""
    townships = townships_with(person, STAFF_ROLES)
    if not townships:
        raise NotAllowed(f"person {person.id} is not staff anywhere")
    return townships[0]
