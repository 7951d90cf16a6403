"""Naming a person the way an admin knows them: by a message of theirs (forwarded, or
replied to), by @username, or picked from a list — what /grant and /revoke act on."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Message, MessageOriginHiddenUser, MessageOriginUser

from bot.i18n import Translator
from bot.services.roles import PersonChoice
from handlers.render import esc


@dataclass(frozen=True)
class Target:
    """Whom the admin named: a Telegram account, with what it tells of itself."""

    telegram_id: int
    name: str
    username: str | None

    @classmethod
    def of(cls, choice: PersonChoice) -> Target:
        return cls(choice.telegram_id, choice.name, choice.username)


def named_by(shown: Message, me: int) -> Target | str:
    """The person a message names: who wrote a forwarded message, or who wrote the message
    replied to. A string says why there is nobody to name."""
    origin = shown.forward_origin
    if isinstance(origin, MessageOriginUser):
        user = origin.sender_user
        return "bot" if user.is_bot else Target(user.id, user.first_name, user.username)
    if isinstance(origin, MessageOriginHiddenUser):
        return "hidden"
    if origin is not None:
        return "not_person"  # forwarded from a channel or a group's anonymous admin
    author = shown.from_user
    if author is None or author.is_bot or author.id == me:
        return "not_person"
    return Target(author.id, author.first_name, author.username)


def why_nobody(tr: Translator, reason: str) -> str:
    if reason == "hidden":
        return tr._(
            "This person hides their account in forwarded messages, so I cannot tell who it "
            "is. Send their @username, pick them from the list, or send them an invite link."
        )
    if reason == "bot":
        return tr._("That message is from a bot, not from a person.")
    return tr._("That message does not show who wrote it. Forward one the person wrote.")


def who(tr: Translator, target: Target) -> str:
    """The person as the admin would say it: their name, and their @username if they have one."""
    name = esc(target.name) if target.name else str(target.telegram_id)
    if target.username:
        return tr._("{name} (@{username})", name=name, username=esc(target.username))
    return name
