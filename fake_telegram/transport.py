"""A PTB request backend that hands calls straight to a ``FakeBotApi`` (no sockets)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import unquote

from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

from fake_telegram.core import FakeBotApi
from fake_telegram.state import Upload

_FILE_URL = re.compile(r"/file/bot([^/]+)/(.+)$")
_METHOD_URL = re.compile(r"/bot([^/]+)/([^/?]+)$")


def _upload(value: Any) -> Upload:
    """PTB gives ``(filename, bytes-or-file-handle, mimetype)`` tuples for multipart parts."""
    if isinstance(value, tuple):
        filename, content, mime_type = [*value, None, None, None][:3]
    else:
        filename, content, mime_type = None, value, None
    if hasattr(content, "read"):
        content = content.read()
    if isinstance(content, str):
        content = content.encode()
    return Upload(bytes(content or b""), filename, mime_type)


class InProcessRequest(BaseRequest):
    """Routes PTB's Bot API requests into a ``FakeBotApi`` running in the same event loop.

    Use one instance for ``request`` and another for ``get_updates_request``. Calls honour
    ``read_timeout`` (raising ``TimedOut``) so ``api.delay`` can exercise timeouts; for
    getUpdates PTB passes the long poll's ``timeout`` plus the read timeout, as an HTTP client
    would wait.
    """

    def __init__(self, api: FakeBotApi, read_timeout: float | None = 5.0) -> None:
        self.api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        file_match = _FILE_URL.search(url)
        if file_match is not None:
            # File URLs arrive percent-encoded (PTB quotes the path, including the token's ':').
            token, path = unquote(file_match.group(1)), unquote(file_match.group(2))
            content = self.api.file_content(token, path)
            if content is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, content
        match = _METHOD_URL.search(url)
        if match is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        token, api_method = unquote(match.group(1)), match.group(2)
        params: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        if request_data is not None:
            # A JSON round trip gives the core exactly what the wire would carry.
            params = json.loads(json.dumps(request_data.parameters))
            uploads = {k: _upload(v) for k, v in request_data.multipart_data.items()}
        call = self.api.handle(token, api_method, params, uploads)
        if read_timeout is BaseRequest.DEFAULT_NONE:
            read_timeout = self._read_timeout
        if read_timeout is None:
            status, body = await call
        else:
            try:
                status, body = await asyncio.wait_for(call, float(read_timeout))
            except TimeoutError as exc:
                raise TimedOut(f"fake Bot API did not answer {api_method} in time") from exc
        return status, json.dumps(body, ensure_ascii=False).encode()
