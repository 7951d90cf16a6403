"""A simulated group chat whose members are ``SimUser`` objects."""

from __future__ import annotations

import asyncio
import copy

from fake_telegram.objects import chat_member_object
from fake_telegram.state import JsonDict
from fake_telegram.users import SimUser
from fake_telegram.views import BotMessage, ChatView


class SimGroup(ChatView):
    """A group chat; members act through ``SimUser`` objects."""

    @property
    def title(self) -> str:
        return str(self.state.chat.get("title", ""))

    async def send(
        self, user: SimUser, text: str, *, reply_to: BotMessage | int | None = None
    ) -> int | None:
        return await user.send(text, reply_to=reply_to, chat=self)

    async def command(
        self, user: SimUser, name: str, *args: str, mention: bool = False
    ) -> int | None:
        return await user.command(name, *args, mention=mention, chat=self)

    async def press(self, user: SimUser, data: str, message: BotMessage | None = None) -> str:
        return await user.press(data, message, chat=self)

    async def press_button(self, user: SimUser, text: str) -> str:
        return await user.press_button(text, chat=self)

    def set_status(self, user: SimUser | int, status: str) -> None:
        """Sets a member's status ("creator", "administrator", "member", "left", ...)."""
        self.state.members[user if isinstance(user, int) else user.id] = status

    async def add_member(self, user: SimUser) -> int | None:
        self.set_status(user, "member")
        return await user.post({"new_chat_members": [copy.deepcopy(user.user)]}, self)

    async def add_bot(self, by: SimUser, *, status: str = "member") -> int | None:
        """``by`` adds the bot to this group: a ``my_chat_member`` update, as Telegram sends."""
        api = self._api
        bot = api.bot_state(self.token)
        self.state.members[bot.bot_id] = status
        self.state.members.setdefault(by.id, "creator")
        body: JsonDict = {
            "chat": copy.deepcopy(self.state.chat),
            "from": copy.deepcopy(by.user),
            "date": api.now(),
            "old_chat_member": chat_member_object(bot.user, "left"),
            "new_chat_member": chat_member_object(bot.user, status),
        }
        api.log.add(self.state, "user", by.first_name, f"[added {bot.user['first_name']}]")
        update_id = api.enqueue_update("my_chat_member", body, self.token)
        await asyncio.sleep(0)
        return update_id
