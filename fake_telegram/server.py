"""Serves a ``FakeBotApi`` over real HTTP, shaped like api.telegram.org."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from fake_telegram.control import add_control_routes
from fake_telegram.core import FakeBotApi
from fake_telegram.state import JsonDict, Upload

API_KEY: web.AppKey[FakeBotApi] = web.AppKey("fake_bot_api", FakeBotApi)

# PTB's HTTPXRequest sends form fields with every non-string value JSON-encoded, but sends
# strings raw. So "123" may be the int 123 (chat_id) or the text "123"; the Bot API's
# parameter types decide, and these parameters are strings whatever they look like.
STRING_FIELDS = frozenset(
    {
        "text",
        "caption",
        "parse_mode",
        "callback_query_id",
        "inline_message_id",
        "url",
        "description",
        "short_description",
        "name",
        "language_code",
        "file_id",
        "action",
        "emoji",
        "title",
        "first_name",
        "last_name",
        "phone_number",
        "vcard",
        "address",
        "foursquare_id",
        "foursquare_type",
        "google_place_id",
        "google_place_type",
        "business_connection_id",
        "message_effect_id",
        "secret_token",
        "ip_address",
        "query",
        "next_offset",
        "question",
        "explanation",
        "payload",
        "provider_token",
        "currency",
        "start_parameter",
        "invite_link",
        "custom_title",
        "sticker_set_name",
        "error_message",
        "photo",
        "audio",
        "document",
        "video",
        "animation",
        "voice",
        "video_note",
        "sticker",
        "thumbnail",
        "certificate",
    }
)
_JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_dumps = partial(json.dumps, ensure_ascii=False)


def decode_form_value(name: str, value: str) -> Any:
    """Turns one form field back into the JSON value PTB encoded."""
    if name in STRING_FIELDS or name.endswith(("_query_id", "emoji_id")):
        return value
    stripped = value.strip()
    looks_json = (
        stripped[:1] in ("{", "[")
        or stripped in ("true", "false", "null")
        or _JSON_NUMBER.fullmatch(stripped) is not None
    )
    if not looks_json:
        return value
    try:
        return json.loads(stripped)
    except ValueError:
        return value


async def read_params(request: web.Request) -> tuple[JsonDict, dict[str, Upload]]:
    params: JsonDict = {k: decode_form_value(k, v) for k, v in request.query.items()}
    uploads: dict[str, Upload] = {}
    if not request.can_read_body:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(
                text=_dumps(
                    {"ok": False, "error_code": 400, "description": "Bad Request: can't parse JSON"}
                ),
                content_type="application/json",
            ) from None
        if isinstance(body, dict):
            params.update(body)
        return params, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            uploads[key] = Upload(value.file.read(), value.filename, value.content_type)
        elif isinstance(value, bytes | bytearray):
            params[key] = decode_form_value(key, value.decode("utf-8", "replace"))
        else:
            params[key] = decode_form_value(key, value)
    return params, uploads


async def _bot_method(request: web.Request) -> web.Response:
    api = request.app[API_KEY]
    params, uploads = await read_params(request)
    status, body = await api.handle(
        request.match_info["token"], request.match_info["method"], params, uploads
    )
    return web.json_response(body, status=status, dumps=_dumps)


async def _file(request: web.Request) -> web.Response:
    api = request.app[API_KEY]
    content = api.file_content(request.match_info["token"], request.match_info["path"])
    if content is None:
        body = {"ok": False, "error_code": 404, "description": "Not Found"}
        return web.json_response(body, status=404, dumps=_dumps)
    return web.Response(body=content, content_type="application/octet-stream")


def create_app(api: FakeBotApi) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[API_KEY] = api
    app.router.add_route("*", "/file/bot{token}/{path:.+}", _file)
    app.router.add_route("*", "/bot{token}/{method}", _bot_method)
    add_control_routes(app, api)
    return app


@dataclass
class RunningServer:
    url: str
    base_url: str
    base_file_url: str
    runner: web.AppRunner

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    async def close(self) -> None:
        await self.runner.cleanup()


async def start_server(api: FakeBotApi, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Starts serving ``api``; ``port=0`` picks a free port (see ``RunningServer.url``)."""
    # Cancelling handlers of dropped connections ends abandoned long polls right away, and a
    # short shutdown timeout keeps close() from waiting on a poll nobody reads any more.
    runner = web.AppRunner(
        create_app(api), handler_cancellation=True, access_log=None, shutdown_timeout=0.5
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = int(runner.addresses[0][1])
    url = f"http://{host}:{bound_port}"
    return RunningServer(url, f"{url}/bot", f"{url}/file/bot", runner)
