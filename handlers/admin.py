"""/grant and /revoke: an admin hands out roles by Telegram id or by a single-use invite link."""

from __future__ import annotations

import dataclasses

from telegram import Update

from bot.domain.errors import NotAllowed
from bot.domain.permissions import Act
from bot.domain.roles import RoleName
from bot.i18n import N_
from bot.services import invites, roles
from handlers.toolkit import BotContext, Route, command

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
    """/grant role [id]: give the role, or (without an id) an invite link to forward."""
    await _change(context, revoke=False)


async def revoke(update: Update, context: BotContext) -> None:
    """/revoke role id: take the role back."""
    await _change(context, revoke=True)


async def _change(context: BotContext, *, revoke: bool) -> None:
    tr = context.tr
    role, telegram_id, ok = _parse(context.args or [])
    if not ok or role is None or (revoke and telegram_id is None):
        context.ui.say(
            tr._(
                "Usage: /grant staff|member|admin [Telegram id] — without an id you get an "
                "invite link to forward. /revoke staff|member|admin <i>Telegram id</i>"
            )
        )
        return
    services = context.services
    township = context.township
    label = tr._(ROLE_LABELS[role])
    if telegram_id is None:
        payload = invites.make_invite(services.settings.invite_key, township, role, context.now)
        link = f"https://t.me/{context.bot.username}?start={payload}"
        context.ui.say(
            tr._(
                "Forward this link to the person; opening it makes them {role}. It works "
                "once, within 7 days:\n{link}",
                role=label,
                link=link,
            )
        )
        return
    change_role = roles.revoke_role if revoke else roles.grant_role
    change = await change_role(
        context.uow,
        township_id=township,
        telegram_id=telegram_id,
        role=role,
        now=context.now,
        actor_id=context.me.id,
    )
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
    context.ui.say(text)


async def redeem_invite(context: BotContext, payload: str) -> str | None:
    """The text to greet an invited person with, or None if the invite is not valid."""
    services = context.services
    try:
        invite = await invites.redeem(
            context.uow,
            services.settings.invite_key,
            payload,
            telegram_id=context.me.telegram_id,
            now=context.now,
        )
    except (invites.InvalidInvite, NotAllowed):
        return None
    township = await services.directory.township(invite.township_id)
    # This update goes on with the new role (the chat menu, for one, depends on it).
    context.person = dataclasses.replace(
        context.me, roles=context.me.roles | {(invite.township_id, invite.role)}
    )
    tr = context.tr
    return tr._(
        "You are now {role} of {township}.",
        role=tr._(ROLE_LABELS[invite.role]),
        township=township.name,
    )


def routes() -> list[Route]:
    return [
        command("grant", grant, Act.MANAGE_ROLES),
        command("revoke", revoke, Act.MANAGE_ROLES),
    ]
