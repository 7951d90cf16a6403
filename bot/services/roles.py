"""Granting and revoking township roles (staff, member, admin); both idempotent and audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from storage.models import Person
from storage.uow import UnitOfWork

# Residents are everyone who talks to the bot; only these roles are handed out.
ASSIGNABLE_ROLES = (RoleName.STAFF, RoleName.MEMBER, RoleName.ADMIN)


@dataclass(frozen=True)
class RoleChange:
    person_id: int | None  # None: nobody with that Telegram id is known (nothing to revoke)
    changed: bool  # False when the person already had (or already lacked) the role
    person_created: bool = False


async def _check(uow: UnitOfWork, township_id: int, role: RoleName) -> None:
    if role not in ASSIGNABLE_ROLES:
        raise ValueError(f"role {role} is not granted by hand")
    if await uow.directory.township(township_id) is None:
        raise NotFound("township", township_id)


async def _audit(
    uow: UnitOfWork,
    action: str,
    person: Person,
    township_id: int,
    role: RoleName,
    now: datetime,
    actor_id: int | None,
) -> None:
    await uow.audit.record(
        at=now,
        actor_id=actor_id,
        action=action,
        object_type="person",
        object_id=person.id,
        details={"township_id": township_id, "role": str(role), "telegram_id": person.telegram_id},
    )


async def grant_role(
    uow: UnitOfWork,
    *,
    township_id: int,
    telegram_id: int,
    role: RoleName,
    now: datetime,
    actor_id: int | None = None,
) -> RoleChange:
    await _check(uow, township_id, role)
    person = await uow.people.by_telegram_id(telegram_id)
    created = person is None
    if person is None:
        # They have not talked to the bot yet; their chat id arrives with /start.
        person = await uow.people.add(
            Person(telegram_id=telegram_id, created_at=now, updated_at=now, active=True)
        )
    changed = await uow.people.grant(person.id, township_id, role, now)
    if changed:
        await _audit(uow, "role.grant", person, township_id, role, now, actor_id)
        uow.changes.people.add(telegram_id)
    return RoleChange(person_id=person.id, changed=changed, person_created=created)


async def revoke_role(
    uow: UnitOfWork,
    *,
    township_id: int,
    telegram_id: int,
    role: RoleName,
    now: datetime,
    actor_id: int | None = None,
) -> RoleChange:
    """Delete the role row; nobody is created for a Telegram id the bot does not know."""
    await _check(uow, township_id, role)
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        return RoleChange(person_id=None, changed=False)
    if (township_id, role) not in await uow.people.roles(person.id):
        return RoleChange(person_id=person.id, changed=False)
    await uow.people.revoke(person.id, township_id, role)
    await _audit(uow, "role.revoke", person, township_id, role, now, actor_id)
    uow.changes.people.add(telegram_id)
    return RoleChange(person_id=person.id, changed=True)
