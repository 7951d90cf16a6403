"""JSON control API under ``/_client/`` for driving simulated users from another process."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import web

from fake_telegram.core import FakeBotApi
from fake_telegram.state import JsonDict
from fake_telegram.users import SimUser
from fake_telegram.views import BotMessage, ChatView

_dumps = partial(json.dumps, ensure_ascii=False)


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields}, dumps=_dumps)


def _error(message: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status, dumps=_dumps)


def message_json(message: BotMessage) -> JsonDict:
    return {
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "kind": message.kind,
        "text": message.text,
        "source": message.source,
        "parse_mode": message.parse_mode,
        "inline_keyboard": [[list(b) for b in row] for row in message.inline_keyboard],
        "reply_keyboard": message.reply_keyboard,
        "method": message.method,
        "edited": message.edited,
        "deleted": message.deleted,
    }


def add_control_routes(app: web.Application, api: FakeBotApi) -> None:
    async def body(request: web.Request) -> JsonDict:
        data = await request.json() if request.can_read_body else {}
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    def sim_user(data: JsonDict) -> SimUser:
        user_id = int(data["user_id"])
        return api.user(
            user_id,
            str(data.get("first_name") or f"User{user_id}"),
            username=data.get("username"),
            language_code=data.get("language_code"),
        )

    def target(data: JsonDict, user: SimUser) -> ChatView | None:
        chat_id = data.get("chat_id")
        if chat_id is None or int(chat_id) == user.id:
            return None
        chat_id = int(chat_id)
        if chat_id > 0:
            raise ValueError("a user can only act in their own private chat or in a group")
        if chat_id not in api.chats:
            api.group(chat_id, str(data.get("title") or f"Group {chat_id}"))
        return api.group(chat_id)

    def view(chat_id: int) -> ChatView:
        return api.group(chat_id) if chat_id < 0 else api.user(chat_id)

    async def send(request: web.Request) -> web.Response:
        data = await body(request)
        user = sim_user(data)
        chat = target(data, user)
        if "text" in data:
            update_id: Any = await user.send(
                str(data["text"]), reply_to=data.get("reply_to"), chat=chat
            )
        elif "command" in data:
            args = [str(a) for a in data.get("args", [])]
            update_id = await user.command(str(data["command"]), *args, chat=chat)
        elif "album" in data:
            update_id = await user.send_album(int(data["album"]), data.get("caption"), chat=chat)
        elif "photo" in data:
            update_id = await user.send_photo(caption=data.get("caption"), chat=chat)
        elif "voice" in data:
            update_id = await user.send_voice(int(data["voice"] or 5), chat=chat)
        elif "location" in data:
            loc = data["location"]
            lat, lon = (loc["latitude"], loc["longitude"]) if isinstance(loc, dict) else loc
            update_id = await user.send_location(float(lat), float(lon), chat=chat)
        elif "sticker" in data:
            update_id = await user.send_sticker(chat=chat)
        elif "video_note" in data:
            update_id = await user.send_video_note(chat=chat)
        elif "document" in data:
            update_id = await user.send_document(str(data["document"] or "a.pdf"), chat=chat)
        elif "contact" in data:
            update_id = await user.send_contact(chat=chat)
        else:
            return _error("nothing to send: give text, command, photo, album, voice, ...")
        return _ok(update_id=update_id)

    async def press(request: web.Request) -> web.Response:
        data = await body(request)
        user = sim_user(data)
        chat = target(data, user)
        if "button" in data:
            return _ok(callback_query_id=await user.press_button(str(data["button"]), chat=chat))
        message = None
        if data.get("message_id") is not None:
            stored = api.chats[chat.chat_id if chat else user.id].messages[int(data["message_id"])]
            message = BotMessage.from_stored(stored)
        query_id = await user.press(str(data["data"]), message, chat=chat)
        return _ok(callback_query_id=query_id)

    async def tap(request: web.Request) -> web.Response:
        data = await body(request)
        user = sim_user(data)
        update_id = await user.tap_reply_button(str(data["text"]), chat=target(data, user))
        return _ok(update_id=update_id)

    async def messages(request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        if chat_id not in api.chats:
            return _ok(messages=[])
        since = int(request.query.get("since", 0))
        found = [m for m in view(chat_id).bot_messages() if m.message_id > since]
        return _ok(messages=[message_json(m) for m in found])

    async def calls(request: web.Request) -> web.Response:
        method = request.query.get("method")
        since = int(request.query.get("since", 0))
        found = api.calls_of(method) if method else api.calls
        return _ok(
            calls=[{"method": c.method, "params": c.params, "at": c.at} for c in found[since:]]
        )

    async def transcript(request: web.Request) -> web.Response:
        chat_id = int(request.query["chat_id"])
        lines = view(chat_id).transcript() if chat_id in api.chats else []
        return _ok(transcript=[list(line) for line in lines])

    async def fail(request: web.Request) -> web.Response:
        data = await body(request)
        api.fail_next(
            str(data["method"]),
            status=int(data.get("status", 429)),
            retry_after=data.get("retry_after"),
            description=data.get("description"),
            times=int(data.get("times", 1)),
            chat_id=data.get("chat_id"),
        )
        return _ok()

    async def block(request: web.Request) -> web.Response:
        data = await body(request)
        if data.get("blocked", True):
            api.block(int(data["user_id"]))
        else:
            api.unblock(int(data["user_id"]))
        return _ok()

    handlers = {
        "send": send,
        "press": press,
        "tap": tap,
        "fail": fail,
        "block": block,
    }

    def guarded(handler: Any) -> Any:
        async def run(request: web.Request) -> web.Response:
            try:
                response: web.Response = await handler(request)
            except (AssertionError, KeyError, ValueError, TypeError) as exc:
                return _error(f"{type(exc).__name__}: {exc}")
            return response

        return run

    for name, handler in handlers.items():
        app.router.add_post(f"/_client/{name}", guarded(handler))
    app.router.add_get("/_client/messages", guarded(messages))
    app.router.add_get("/_client/calls", guarded(calls))
    app.router.add_get("/_client/transcript", guarded(transcript))
