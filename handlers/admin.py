"""/grant and /revoke: an admin hands out roles by Telegram id or by a single-use invite link."""

from __future__ import annotations

import dataclasses

from telegram import Update
from telegram.ext import CommandHandler

from bot.context import BotContext
from bot.domain.errors import NotAllowed
from bot.domain.roles import RoleName
from bot.i18n import N_
from bot.services import invites, roles
from bot.services.access import townships_with
from handlers.replies import say

ADMIN = frozenset({RoleName.ADMIN})
ROLE_WORDS = {
    "staff": RoleName.STAFF,
    "工作人员": RoleName.STAFF,
    "工作人員": RoleName.STAFF,
    "member": RoleName.MEMBER,
    "委员": RoleName.MEMBER,
    "委員": RoleName.MEMBER,
    "admin": RoleName.ADMIN,
    "管理员": RoleName.ADMIN,
    "管理員": RoleName.ADMIN,
}
ROLE_LABELS = {
    RoleName.STAFF: N_("liaison-office staff"),
    RoleName.MEMBER: N_("CPPCC member"),
    RoleName.ADMIN: N_("administrator"),
}


async def _admin_township(update: Update, context: BotContext) -> int | None:
    townships = townships_with(context.me, ADMIN)
    if not townships:
        await say(update, context, context.tr._("Only an administrator can do this."))
        return None
    return townships[0]


def _parse(args: list[str]) -> tuple[RoleName | None, int | None, bool]:
    """(role, telegram id, well formed)."""
    if not args or len(args) > 2 or args[0].lower() not in ROLE_WORDS:
        return None, None, False
    role = ROLE_WORDS[args[0].lower()]
    if len(args) == 1:
        return role, None, True
    if not args[1].isdigit() or len(args[1]) > 15:
        return role, None, False
    return role, int(args[1]), True


async def grant(update: Update, context: BotContext) -> None:
    await _change(update, context, revoke=False)


async def revoke(update: Update, context: BotContext) -> None:
    await _change(update, context, revoke=True)


async def _change(update: Update, context: BotContext, *, revoke: bool) -> None:
    township = await _admin_township(update, context)
    if township is None:
        return
    tr = context.tr
    role, telegram_id, ok = _parse(context.args or [])
    if not ok or role is None or (revoke and telegram_id is None):
        await say(
            update,
            context,
            tr._(
                "Usage: /grant staff|member|admin [Telegram id] — without an id you get an "
                "invite link to forward. /revoke staff|member|admin <i>Telegram id</i>"
            ),
        )
        return
    services = context.services
    now = services.clock.now()
    label = tr._(ROLE_LABELS[role])
    if telegram_id is None:
        payload = invites.make_invite(services.settings.invite_key, township, role, now)
        link = f"https://t.me/{context.bot.username}?start={payload}"
        await say(
            update,
            context,
            tr._(
                "Forward this link to the person; opening it makes them {role}. It works "
                "once, within 7 days:\n{link}",
                role=label,
                link=link,
            ),
        )
        return
    async with services.uow() as uow:
        if revoke:
            change = await roles.revoke_role(
                uow,
                township_id=township,
                telegram_id=telegram_id,
                role=role,
                now=now,
                actor_id=context.me.id,
            )
        else:
            change = await roles.grant_role(
                uow,
                township_id=township,
                telegram_id=telegram_id,
                role=role,
                now=now,
                actor_id=context.me.id,
            )
    services.people.forget(telegram_id)
    if revoke:
        text = (
            tr._("{id} is no longer {role}.", id=telegram_id, role=label)
            if change.changed
            else tr._("{id} was not {role}.", id=telegram_id, role=label)
        )
    else:
        text = (
            tr._("{id} is now {role}.", id=telegram_id, role=label)
            if change.changed
            else tr._("{id} was {role} already.", id=telegram_id, role=label)
        )
    await say(update, context, text)


async def redeem_invite(update: Update, context: BotContext, payload: str) -> str | None:
    """The text to greet an invited person with, or None if the invite is not valid."""
    services = context.services
    try:
        async with services.uow() as uow:
            invite = await invites.redeem(
                uow,
                services.settings.invite_key,
                payload,
                telegram_id=context.me.telegram_id,
                now=services.clock.now(),
            )
            township = await uow.directory.township(invite.township_id)
    except (invites.InvalidInvite, NotAllowed):
        return None
    services.people.forget(context.me.telegram_id)
    # This update goes on with the new role (the chat menu, for one, depends on it).
    context.person = dataclasses.replace(
        context.me, roles=context.me.roles | {(invite.township_id, invite.role)}
    )
    tr = context.tr
    return tr._(
        "You are now {role} of {township}.",
        role=tr._(ROLE_LABELS[invite.role]),
        township=township.name if township else "",
    )


def handlers() -> list[object]:
    return [CommandHandler("grant", grant), CommandHandler("revoke", revoke)]
