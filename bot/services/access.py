"""Who may act where, read from the permission table; nothing a client sends is trusted."""

from __future__ import annotations

from bot.domain.errors import NotAllowed
from bot.domain.permissions import PERMISSIONS, Act
from bot.domain.roles import RoleName
from bot.services.views import PersonView


def townships_for(person: PersonView, act: Act) -> list[int]:
    """The townships where the person may do `act`, in a stable order."""
    roles = PERMISSIONS[act]
    return sorted({township for township, role in person.roles if role in roles})


def may(person: PersonView, act: Act, township_id: int) -> bool:
    return any((township_id, role) in person.roles for role in PERMISSIONS[act])


def require(person: PersonView, act: Act, township_id: int) -> None:
    """Raise NotAllowed unless the person holds a role for `act` in that township."""
    if not may(person, act, township_id):
        raise NotAllowed(f"person {person.id} may not {act} in township {township_id}")


def working_township(person: PersonView, act: Act) -> int:
    """The township the person works in for `act`: the one they chose, else the first.

    Staff and members of several townships choose with /township; a choice that no longer
    carries the role falls back to the first township that does.
    """
    townships = townships_for(person, act)
    if not townships:
        raise NotAllowed(f"person {person.id} may not {act} anywhere")
    if person.working_township_id is not None and person.working_township_id in townships:
        return person.working_township_id
    return townships[0]


def has_any_role(person: PersonView, roles: frozenset[RoleName]) -> bool:
    return any(role in roles for _township, role in person.roles)
