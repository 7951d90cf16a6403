"""People as the bot meets them: registration on first contact, language, home village."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.config import SUPPORTED_LOCALES
from bot.domain.errors import NotFound
from bot.services import outbox
from bot.services.views import PersonView
from storage.models import Person
from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Contact:
    """Who is talking to the bot, as the chat platform tells us."""

    telegram_id: int
    chat_id: int
    first_name: str
    username: str | None
    language_code: str | None


async def _view(
    uow: UnitOfWork, person: Person, derived_locale: str, *, is_new: bool = False
) -> PersonView:
    township_id = None
    if person.village_id is not None:
        village = await uow.directory.village(person.village_id)
        township_id = village.township_id if village else None
    # Someone we have just met holds no roles yet: spare the query.
    roles = frozenset() if is_new else frozenset(await uow.people.roles(person.id))
    assert person.telegram_id is not None
    return PersonView(
        id=person.id,
        telegram_id=person.telegram_id,
        first_name=person.first_name,
        locale=person.locale or derived_locale,
        chosen_locale=person.locale,
        village_id=person.village_id,
        township_id=township_id,
        roles=roles,
        working_township_id=person.working_township_id,
        menu=person.menu,
    )


async def register_contact(
    uow: UnitOfWork, contact: Contact, derived_locale: str, now: datetime
) -> PersonView:
    """Find or create the person behind a chat user and refresh what Telegram tells us."""
    person = await uow.people.by_telegram_id(contact.telegram_id)
    is_new = person is None
    if person is None:
        person = await uow.people.add(
            Person(
                telegram_id=contact.telegram_id,
                chat_id=contact.chat_id,
                first_name=contact.first_name,
                username=contact.username,
                language_code=contact.language_code,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        changed = (
            person.chat_id != contact.chat_id
            or person.first_name != contact.first_name
            or person.username != contact.username
            or person.language_code != contact.language_code
            or not person.active
        )
        if changed:
            returning = not person.active
            first_chat = person.chat_id is None and contact.chat_id is not None
            person.chat_id = contact.chat_id
            person.first_name = contact.first_name
            person.username = contact.username
            person.language_code = contact.language_code
            person.active = True  # writing to us again means they unblocked the bot
            person.updated_at = now
            if returning:
                await outbox.catch_up(uow, person.id, now)
            elif first_chat:
                await outbox.deliver_held(uow, person.id, now)
    return await _view(uow, person, derived_locale, is_new=is_new)


async def _person(uow: UnitOfWork, person_id: int) -> Person:
    person = await uow.people.get(person_id)
    if person is None:
        raise NotFound("person", person_id)
    return person


async def choose_locale(uow: UnitOfWork, person_id: int, locale: str, now: datetime) -> None:
    if locale not in SUPPORTED_LOCALES:
        raise NotFound("locale", locale)
    person = await _person(uow, person_id)
    person.locale = locale
    person.updated_at = now
    _changed(uow, person)


async def choose_village(
    uow: UnitOfWork, person_id: int, telegram_id: int, village_id: int, now: datetime
) -> None:
    """One UPDATE: a QR code on a notice board sends many people here at once."""
    village = await uow.directory.village(village_id)
    if village is None:
        raise NotFound("village", village_id)
    if not await uow.people.set_village(person_id, village_id, now):
        raise NotFound("person", person_id)
    uow.changes.homes[telegram_id] = (village.id, village.township_id)


async def choose_working_township(
    uow: UnitOfWork, person_id: int, township_id: int, now: datetime
) -> None:
    """Staff of several townships: which one their commands act in from now on."""
    person = await _person(uow, person_id)
    person.working_township_id = township_id
    person.updated_at = now
    _changed(uow, person)


async def mark_blocked(uow: UnitOfWork, telegram_id: int, now: datetime) -> None:
    """The person blocked the bot: pushes skip them until they write again."""
    person = await uow.people.by_telegram_id(telegram_id)
    if person is not None and person.active:
        person.active = False
        person.updated_at = now
        _changed(uow, person)


def _changed(uow: UnitOfWork, person: Person) -> None:
    if person.telegram_id is not None:
        uow.changes.people.add(person.telegram_id)


class PersonCache:
    """Recently seen people, so most updates need no database read.

    One process serves the bot and updates of one chat run in order, so entries only go
    stale through this process's own writes, which call `forget`. The TTL bounds the rest
    (roles granted from the command line, for instance).
    """

    def __init__(self, ttl_seconds: float = 300.0) -> None:
        self._ttl = ttl_seconds
        self._entries: dict[int, tuple[float, Contact, PersonView]] = {}

    def get(self, contact: Contact, now: float) -> PersonView | None:
        entry = self._entries.get(contact.telegram_id)
        if entry is None:
            return None
        stored_at, stored_contact, view = entry
        if now - stored_at > self._ttl or stored_contact != contact:
            return None
        return view

    def peek(self, telegram_id: int) -> PersonView | None:
        """Whatever is known of the person, however old (for a best-effort language)."""
        entry = self._entries.get(telegram_id)
        return entry[2] if entry is not None else None

    def put(self, contact: Contact, view: PersonView, now: float) -> None:
        self._entries[contact.telegram_id] = (now, contact, view)

    def forget(self, telegram_id: int) -> None:
        self._entries.pop(telegram_id, None)

    def amend(self, telegram_id: int, **changes: Any) -> None:
        """Apply a change this process just committed, instead of reloading the person."""
        entry = self._entries.get(telegram_id)
        if entry is not None:
            stored_at, contact, view = entry
            self._entries[telegram_id] = (stored_at, contact, dataclasses.replace(view, **changes))
