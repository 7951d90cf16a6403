"""Granting and revoking township roles (staff, member, admin): idempotent, audited, and told
to the person whose role changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.errors import NotFound
from bot.domain.roles import RoleName
from bot.services.outbox import NotificationKind, notify
from storage.models import Person, Township
from storage.uow import UnitOfWork

# Residents are everyone who talks to the bot; only these roles are handed out.
ASSIGNABLE_ROLES = (RoleName.STAFF, RoleName.MEMBER, RoleName.ADMIN)


@dataclass(frozen=True)
class RoleChange:
    person_id: int | None  # None: nobody with that Telegram id is known (nothing to revoke)
    changed: bool  # False when the person already had (or already lacked) the role
    person_created: bool = False


async def _check(uow: UnitOfWork, township_id: int, role: RoleName) -> Township:
    if role not in ASSIGNABLE_ROLES:
        raise ValueError(f"role {role} is not granted by hand")
    township = await uow.directory.township(township_id)
    if township is None:
        raise NotFound("township", township_id)
    return township


async def _tell(
    uow: UnitOfWork, person: Person, township: Township, role: RoleName, change: str, now: datetime
) -> None:
    """The person hears of it (a role they got or lost changes what the bot offers them)."""
    await notify(
        uow,
        recipient_id=person.id,
        kind=NotificationKind.ROLE_CHANGED,
        payload={"township": township.name, "granted_role": str(role), "change": change},
        dedupe_key=f"role-{change}:{person.id}:{township.id}:{role}:{now.isoformat()}",
        now=now,
    )


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
    tell: bool = True,
    first_name: str = "",
    username: str | None = None,
) -> RoleChange:
    """Give the role; the person is told unless `tell` is False (they see it already, e.g.
    they opened an invite link). `first_name` and `username` (as a forwarded message shows
    them) name someone the bot has not met yet."""
    township = await _check(uow, township_id, role)
    person = await uow.people.by_telegram_id(telegram_id)
    created = person is None
    if person is None:
        # They have not talked to the bot yet; their chat id arrives with /start.
        person = await uow.people.add(
            Person(
                telegram_id=telegram_id,
                first_name=first_name,
                username=username,
                created_at=now,
                updated_at=now,
                active=True,
            )
        )
    changed = await uow.people.grant(person.id, township_id, role, now)
    if changed:
        await _audit(uow, "role.grant", person, township_id, role, now, actor_id)
        if tell:
            await _tell(uow, person, township, role, "granted", now)
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
    township = await _check(uow, township_id, role)
    person = await uow.people.by_telegram_id(telegram_id)
    if person is None:
        return RoleChange(person_id=None, changed=False)
    if (township_id, role) not in await uow.people.roles(person.id):
        return RoleChange(person_id=person.id, changed=False)
    await uow.people.revoke(person.id, township_id, role)
    await _audit(uow, "role.revoke", person, township_id, role, now, actor_id)
    await _tell(uow, person, township, role, "revoked", now)
    uow.changes.people.add(telegram_id)
    return RoleChange(person_id=person.id, changed=True)


@dataclass(frozen=True)
class PersonChoice:
    """Someone an admin may give a role to (or take one from), as the admin knows them."""

    id: int
    telegram_id: int
    name: str
    username: str | None


def _choice(person: Person) -> PersonChoice:
    assert person.telegram_id is not None
    return PersonChoice(person.id, person.telegram_id, person.first_name, person.username)


async def people_to_choose(
    uow: UnitOfWork,
    township_id: int,
    *,
    page: int,
    page_size: int,
    holding: RoleName | None = None,
) -> tuple[list[PersonChoice], int]:
    """One page of the township's people (they live there, raised something there or work
    there), by name; with `holding`, only those who hold that role there."""
    if holding is not None:
        holders = [p for p in await uow.staff.holders_of(township_id, holding) if p.telegram_id]
        shown = holders[page * page_size : (page + 1) * page_size]
        return [_choice(p) for p in shown], len(holders)
    total = await uow.staff.count_township_people(township_id)
    people = await uow.staff.township_people(township_id, limit=page_size, offset=page * page_size)
    return [_choice(p) for p in people], total


async def chosen_person(uow: UnitOfWork, township_id: int, person_id: int) -> PersonChoice:
    """A person picked from the township's list (NotFound for anyone else: ids are input)."""
    person = await uow.people.get(person_id)
    if person is None or person.telegram_id is None:
        raise NotFound("person", person_id)
    if not await uow.staff.is_township_person(township_id, person_id):
        raise NotFound("person in township", person_id)
    return _choice(person)


async def person_by_username(uow: UnitOfWork, username: str) -> PersonChoice | None:
    """The person with this @username, if they have talked to the bot."""
    person = await uow.staff.by_username(username.lstrip("@"))
    return _choice(person) if person is not None and person.telegram_id else None
