"""/grant and /revoke: an admin gives a role or takes it back, naming the person the way they
know them — never by a Telegram id they would have to find out:

* `/grant staff` as a reply to one of the person's messages (forwarded here);
* `/grant staff @username`, when the person has talked to the bot;
* `/grant staff` alone: the bot asks whom — forward one of their messages, send their
  @username, or pick them from the township's people (paged); or take an invite link.

A Telegram id still works (`/grant staff 12345`). The person is told of the change by the
service, and their menu follows at their next message.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import filters

from bot.domain.errors import NotAllowed
from bot.domain.permissions import Act
from bot.domain.roles import RoleName
from bot.i18n import N_
from bot.services import invites, roles
from handlers import whom
from handlers.keyboards import inline
from handlers.render import esc
from handlers.toolkit import END, BotContext, Flow, FlowButton, button, command, message
from handlers.whom import Target, named_by, why_nobody

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
AWAIT_PERSON = "await_person"
PAGE_SIZE = 8
TEXT = filters.TEXT & ~filters.COMMAND


@dataclass(frozen=True)
class PeoplePage(FlowButton, prefix="rl.pg"):
    page: int


@dataclass(frozen=True)
class ChoosePerson(FlowButton, prefix="rl.ps"):
    person: int


@dataclass(frozen=True)
class InviteInstead(FlowButton, prefix="rl.inv"):
    pass


def _usage(context: BotContext) -> str:
    return context.tr._(
        "Usage: /grant staff|member|admin — then say whom: forward one of their messages, "
        "send their @username or pick them from a list. /revoke staff|member|admin works "
        "the same way. (A Telegram id after the role works too.)"
    )


def _parse(args: list[str]) -> tuple[RoleName | None, str | None, bool]:
    """(role, who as typed: a Telegram id or an @username, well formed)."""
    if not args or len(args) > 2 or args[0].lower() not in ROLE_WORDS:
        return None, None, False
    role = ROLE_WORDS[args[0].lower()]
    if len(args) == 1:
        return role, None, True
    who = args[1]
    if (who.isdigit() and len(who) <= 15) or (who.startswith("@") and 1 < len(who) <= 33):
        return role, who, True
    return role, None, False


async def _apply(context: BotContext, role: RoleName, target: Target, *, revoke: bool) -> str:
    """Give or take back the role; the sentence that tells the admin what happened."""
    tr = context.tr
    label = tr._(ROLE_LABELS[role])
    who = whom.who(tr, target)
    if revoke:
        change = await roles.revoke_role(
            context.uow,
            township_id=context.township,
            telegram_id=target.telegram_id,
            role=role,
            now=context.now,
            actor_id=context.me.id,
        )
        if not change.changed:
            return tr._("{who} was not {role}.", who=who, role=label)
        return tr._("{who} is no longer {role}; they were told.", who=who, role=label)
    change = await roles.grant_role(
        context.uow,
        township_id=context.township,
        telegram_id=target.telegram_id,
        role=role,
        now=context.now,
        actor_id=context.me.id,
        first_name=target.name,
        username=target.username,
    )
    if not change.changed:
        return tr._("{who} was {role} already.", who=who, role=label)
    text = tr._("{who} is now {role}; they were told.", who=who, role=label)
    if change.person_created:
        text += "\n" + tr._(
            "They have not talked to the bot yet: ask them to open it and send /start."
        )
    return text


async def _by_id(context: BotContext, role: RoleName, telegram_id: int, *, revoke: bool) -> None:
    """A Telegram id typed after the role (the way it always worked)."""
    tr = context.tr
    label = tr._(ROLE_LABELS[role])
    change_role = roles.revoke_role if revoke else roles.grant_role
    change = await change_role(
        context.uow,
        township_id=context.township,
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


async def grant(update: Update, context: BotContext) -> str | None:
    """/grant role [whom]: give the role at once when the message names the person, else ask."""
    return await _begin(update, context, revoke=False)


async def revoke(update: Update, context: BotContext) -> str | None:
    """/revoke role [whom]: take the role back at once when the message names the person,
    else ask (offering those who hold it)."""
    return await _begin(update, context, revoke=True)


async def _begin(update: Update, context: BotContext, *, revoke: bool) -> str | None:
    tr = context.tr
    role, who, ok = _parse(context.args or [])
    if not ok or role is None:
        context.ui.say(_usage(context))
        return END
    replied = update.message.reply_to_message if update.message else None
    if who is not None and who.isdigit():
        await _by_id(context, role, int(who), revoke=revoke)
        return END
    if who is not None:
        found = await roles.person_by_username(context.reads, who)
        if found is None:
            context.ui.say(
                tr._(
                    "I do not know {username}: they have not talked to the bot yet. Forward "
                    "one of their messages here, or send them an invite link (/grant {role}).",
                    username=esc(who),
                    role=role.value,
                )
            )
            return END
        context.ui.say(await _apply(context, role, Target.of(found), revoke=revoke))
        return END
    if replied is not None:
        named = named_by(replied, context.me.telegram_id)
        if isinstance(named, Target):
            context.ui.say(await _apply(context, role, named, revoke=revoke))
            return END
        context.ui.say(why_nobody(context.tr, named))
    # Kept with the flow: a prompt repeated after an off-script message runs without the
    # permission check that sets context.township.
    context.flow.data = {"role": role.value, "revoke": revoke, "township": context.township}
    await _ask_whom(update, context)
    return AWAIT_PERSON


async def _people_keyboard(context: BotContext, page: int) -> InlineKeyboardMarkup:
    tr = context.tr
    data = context.flow.data
    holding = RoleName(data["role"]) if data["revoke"] else None
    people, total = await roles.people_to_choose(
        context.reads,
        int(data["township"]) if "township" in data else context.township,
        page=page,
        page_size=PAGE_SIZE,
        holding=holding,
    )
    frame = context.flow.id
    keyboard = [[inline(whom.who(tr, Target.of(p)), ChoosePerson(frame, p.id))] for p in people]
    navigation = []
    if page > 0:
        navigation.append(inline(tr._("‹ Previous page"), PeoplePage(frame, page - 1)))
    if (page + 1) * PAGE_SIZE < total:
        navigation.append(inline(tr._("Next page ›"), PeoplePage(frame, page + 1)))
    if navigation:
        keyboard.append(navigation)
    if not data["revoke"]:
        keyboard.append([inline(tr._("🔗 An invite link instead"), InviteInstead(frame))])
    return InlineKeyboardMarkup(keyboard)


def _whom_text(context: BotContext) -> str:
    tr = context.tr
    data = context.flow.data
    label = tr._(ROLE_LABELS[RoleName(data["role"])])
    if data["revoke"]:
        return tr._(
            "Who should no longer be {role}? Forward one of their messages here, send their "
            "@username, or pick them below (or /cancel).",
            role=label,
        )
    return tr._(
        "Who should become {role}? Forward one of their messages here, send their "
        "@username, or pick them from the township's people below (or /cancel).",
        role=label,
    )


async def _ask_whom(update: Update, context: BotContext) -> None:
    context.ui.say(_whom_text(context), await _people_keyboard(context, 0))


async def people_page(update: Update, context: BotContext, press: PeoplePage) -> None:
    """‹ Previous / Next ›: another page of the people to pick from."""
    context.ui.edit(_whom_text(context), await _people_keyboard(context, press.page))


async def person_chosen(update: Update, context: BotContext, press: ChoosePerson) -> str:
    """A person was picked from the list: the role is given (or taken back)."""
    data = context.flow.data
    chosen = await roles.chosen_person(context.uow, context.township, press.person)
    text = await _apply(context, RoleName(data["role"]), Target.of(chosen), revoke=data["revoke"])
    context.ui.edit(text)
    return END


async def person_forwarded(update: Update, context: BotContext) -> str | None:
    """One of the person's messages, forwarded here: the role is given (or taken back)."""
    assert update.message is not None
    named = named_by(update.message, context.me.telegram_id)
    if not isinstance(named, Target):
        context.ui.say(why_nobody(context.tr, named))
        return None
    data = context.flow.data
    context.ui.say(await _apply(context, RoleName(data["role"]), named, revoke=data["revoke"]))
    return END


async def person_typed(update: Update, context: BotContext) -> str | None:
    """An @username (or a Telegram id) typed: the role is given (or taken back)."""
    assert update.message is not None
    tr = context.tr
    typed = (update.message.text or "").strip()
    data = context.flow.data
    role = RoleName(data["role"])
    if typed.isdigit() and len(typed) <= 15:
        await _by_id(context, role, int(typed), revoke=data["revoke"])
        return END
    found = await roles.person_by_username(context.reads, typed) if typed.startswith("@") else None
    if found is None:
        context.ui.say(
            tr._(
                "I do not know {username}: they have not talked to the bot yet. Forward one of "
                "their messages instead, or pick them below.",
                username=esc(typed[:40]),
            )
            if typed.startswith("@")
            else tr._("Please send their @username, or forward one of their messages.")
        )
        return None
    context.ui.say(await _apply(context, role, Target.of(found), revoke=data["revoke"]))
    return END


async def invite_instead(update: Update, context: BotContext, press: InviteInstead) -> str:
    """🔗 An invite link instead: a link to forward; whoever opens it gets the role, once."""
    tr = context.tr
    role = RoleName(context.flow.data["role"])
    services = context.services
    payload = invites.make_invite(services.settings.invite_key, context.township, role, context.now)
    link = f"https://t.me/{context.bot.username}?start={payload}"
    context.ui.drop_buttons()
    context.ui.say(
        tr._(
            "Forward this link to the person; opening it makes them {role}. It works "
            "once, within 7 days:\n{link}",
            role=tr._(ROLE_LABELS[role]),
            link=link,
        )
    )
    return END


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
    # This update goes on with the new role (the greeting and the menu depend on it).
    context.person = dataclasses.replace(
        context.me, roles=context.me.roles | {(invite.township_id, invite.role)}
    )
    tr = context.tr
    return tr._(
        "You are now {role} of {township}.",
        role=tr._(ROLE_LABELS[invite.role]),
        township=township.name,
    )


def flow() -> Flow:
    return Flow(
        name="role_change",
        title=N_("giving or taking back a role"),
        timeout=timedelta(hours=1),
        entry=[
            command("grant", grant, Act.MANAGE_ROLES),
            command("revoke", revoke, Act.MANAGE_ROLES),
        ],
        states={
            AWAIT_PERSON: [
                message(filters.FORWARDED, person_forwarded, Act.MANAGE_ROLES),
                message(TEXT, person_typed, Act.MANAGE_ROLES),
                button(PeoplePage, people_page, Act.MANAGE_ROLES),
                button(ChoosePerson, person_chosen, Act.MANAGE_ROLES),
                button(InviteInstead, invite_instead, Act.MANAGE_ROLES),
            ]
        },
        prompts={AWAIT_PERSON: _ask_whom},
        restart=True,
    )
