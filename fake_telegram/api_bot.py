"""Bot API methods about the bot itself, updates, chats and files."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from fake_telegram.api_common import Ctx, Handler
from fake_telegram.objects import chat_member_object
from fake_telegram.state import ApiError, BotState, ChatState, JsonDict, bad_request

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


async def get_me(ctx: Ctx) -> JsonDict:
    me = copy.deepcopy(ctx.bot.user)
    me.update(
        can_join_groups=True,
        can_read_all_group_messages=not ctx.api.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return me


def _confirm(bot: BotState, offset: int | None) -> None:
    if offset is None:
        return
    if offset < 0:
        del bot.updates[: max(0, len(bot.updates) + offset)]
    else:
        bot.updates[:] = [u for u in bot.updates if u["update_id"] >= offset]


async def get_updates(ctx: Ctx) -> list[JsonDict]:
    bot = ctx.bot
    if bot.webhook_url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = ctx.p.opt_int("offset")
    limit = min(max(ctx.p.opt_int("limit") or 100, 1), 100)
    timeout = max(ctx.p.opt_float("timeout") or 0.0, 0.0)
    allowed = ctx.p.get("allowed_updates")
    if isinstance(allowed, list):
        bot.allowed_updates = [str(kind) for kind in allowed] or None
    _confirm(bot, offset)
    # A newer poll terminates an older one, which is how Telegram reports two running bots.
    bot.poll_generation += 1
    generation = bot.poll_generation
    ctx.api.updates_changed.notify()
    if timeout > 0:
        await ctx.api.updates_changed.wait_for(
            lambda: bool(bot.updates) or bot.poll_generation != generation, timeout
        )
    if bot.poll_generation != generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    return copy.deepcopy(bot.updates[:limit])


async def delete_webhook(ctx: Ctx) -> bool:
    ctx.bot.webhook_url = ""
    if ctx.p.opt_bool("drop_pending_updates"):
        ctx.bot.updates.clear()
    return True


async def set_webhook(ctx: Ctx) -> bool:
    url = ctx.p.opt_str("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    ctx.bot.webhook_url = url
    if ctx.p.opt_bool("drop_pending_updates"):
        ctx.bot.updates.clear()
    ctx.api.updates_changed.notify()
    return True


async def get_webhook_info(ctx: Ctx) -> JsonDict:
    info: JsonDict = {
        "url": ctx.bot.webhook_url,
        "has_custom_certificate": False,
        "pending_update_count": len(ctx.bot.updates),
    }
    if ctx.bot.allowed_updates:
        info["allowed_updates"] = list(ctx.bot.allowed_updates)
    return info


async def close_or_log_out(ctx: Ctx) -> bool:
    return True


def _scope_key(ctx: Ctx) -> tuple[str, str]:
    scope = ctx.p.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), ctx.p.opt_str("language_code") or ""


async def set_my_commands(ctx: Ctx) -> bool:
    commands = ctx.p.get("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be an array of at most 100 BotCommand")
    cleaned = []
    for item in commands:
        name = str(item.get("command", "")) if isinstance(item, dict) else ""
        description = str(item.get("description", "")) if isinstance(item, dict) else ""
        if not _COMMAND_RE.fullmatch(name.lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        cleaned.append({"command": name, "description": description})
    key = _scope_key(ctx)
    if cleaned:
        ctx.bot.commands[key] = cleaned
    else:
        ctx.bot.commands.pop(key, None)
    return True


async def get_my_commands(ctx: Ctx) -> list[JsonDict]:
    return copy.deepcopy(ctx.bot.commands.get(_scope_key(ctx), []))


async def delete_my_commands(ctx: Ctx) -> bool:
    ctx.bot.commands.pop(_scope_key(ctx), None)
    return True


async def set_chat_menu_button(ctx: Ctx) -> bool:
    chat_id = ctx.p.opt_int("chat_id")
    if chat_id is not None:
        ctx.chat()
    ctx.bot.menu_buttons[chat_id] = ctx.p.get("menu_button") or {"type": "default"}
    return True


async def get_chat_menu_button(ctx: Ctx) -> JsonDict:
    chat_id = ctx.p.opt_int("chat_id")
    button = ctx.bot.menu_buttons.get(chat_id) or ctx.bot.menu_buttons.get(None)
    return copy.deepcopy(button or {"type": "commands"})


def _text_setting(attr: str, key: str, limit: int) -> tuple[Handler, Handler]:
    async def setter(ctx: Ctx) -> bool:
        value = ctx.p.opt_str(key) or ""
        if len(value) > limit:
            raise bad_request(f"{key} is too long")
        store: dict[str, str] = getattr(ctx.bot, attr)
        store[ctx.p.opt_str("language_code") or ""] = value
        return True

    async def getter(ctx: Ctx) -> JsonDict:
        store: dict[str, str] = getattr(ctx.bot, attr)
        return {key: store.get(ctx.p.opt_str("language_code") or "", "")}

    return setter, getter


async def get_file(ctx: Ctx) -> JsonDict:
    file_id = ctx.p.opt_str("file_id") or ""
    record = ctx.api.files.get(file_id)
    if record is None:
        raise bad_request("invalid file_id")
    return {
        "file_id": file_id,
        "file_unique_id": record.file_unique_id,
        "file_size": record.size,
        "file_path": record.file_path,
    }


def _member(ctx: Ctx, chat: ChatState, user_id: int) -> JsonDict:
    if user_id == ctx.bot.bot_id:
        return chat_member_object(ctx.bot.user, chat.members.get(user_id, "member"))
    user = ctx.api.known_user(user_id)
    if user is None:
        raise bad_request("user not found")
    default = "member" if chat.is_private else "left"
    return chat_member_object(user, chat.members.get(user_id, default))


async def get_chat(ctx: Ctx) -> JsonDict:
    info = copy.deepcopy(ctx.chat().chat)
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return info


async def get_chat_member(ctx: Ctx) -> JsonDict:
    chat = ctx.chat()
    return _member(ctx, chat, ctx.p.req_int("user_id"))


async def get_chat_administrators(ctx: Ctx) -> list[JsonDict]:
    chat = ctx.chat()
    admins = [uid for uid, status in chat.members.items() if status in ("creator", "administrator")]
    return [_member(ctx, chat, uid) for uid in admins]


async def get_chat_member_count(ctx: Ctx) -> int:
    chat = ctx.chat()
    if chat.is_private:
        return 2
    return sum(1 for status in chat.members.values() if status not in ("left", "kicked"))


async def chat_ok(ctx: Ctx) -> bool:
    ctx.chat()
    return True


def _text_handlers() -> dict[str, Any]:
    handlers: dict[str, Any] = {}
    for suffix, attr, key, limit in (
        ("Description", "descriptions", "description", 512),
        ("ShortDescription", "short_descriptions", "short_description", 120),
        ("Name", "names", "name", 64),
    ):
        setter, getter = _text_setting(attr, key, limit)
        handlers[f"setMy{suffix}"] = setter
        handlers[f"getMy{suffix}"] = getter
    return handlers


METHODS: dict[str, Handler] = {
    "getMe": get_me,
    "getUpdates": get_updates,
    "deleteWebhook": delete_webhook,
    "setWebhook": set_webhook,
    "getWebhookInfo": get_webhook_info,
    "close": close_or_log_out,
    "logOut": close_or_log_out,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getFile": get_file,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": chat_ok,
    "pinChatMessage": chat_ok,
    "unpinChatMessage": chat_ok,
    "unpinAllChatMessages": chat_ok,
    "setMessageReaction": chat_ok,
    **_text_handlers(),
}


def visible_menu(bot: BotState, chat: ChatState, user_id: int, language: str) -> list[JsonDict]:
    """The command menu a user sees in a chat, in the lookup order the Bot API documents."""
    chat_id = chat.chat_id
    scopes: list[JsonDict]
    if chat.is_private:
        scopes = [{"type": "chat", "chat_id": chat_id}, {"type": "all_private_chats"}]
    else:
        is_admin = chat.members.get(user_id) in ("creator", "administrator")
        scopes = [{"type": "chat_member", "chat_id": chat_id, "user_id": user_id}]
        if is_admin:
            scopes.append({"type": "chat_administrators", "chat_id": chat_id})
        scopes.append({"type": "chat", "chat_id": chat_id})
        if is_admin:
            scopes.append({"type": "all_chat_administrators"})
        scopes.append({"type": "all_group_chats"})
    scopes.append({"type": "default"})
    # Menus are keyed by two-letter codes, so a "zh-hans" client reads the "zh" menu.
    short = language.split("-")[0].lower()[:2]
    for scope in scopes:
        key = json.dumps(scope, sort_keys=True)
        for code in dict.fromkeys((short, "")):
            found = bot.commands.get((key, code))
            if found is not None:
                return copy.deepcopy(found)
    return []
