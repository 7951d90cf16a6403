"""The Bot API transport: python-telegram-bot's requests over aiohttp.

PTB's default transport is httpx. Measured under the intake benchmark, half of the bot's CPU
per update went into it: each call costs 0.7–1.3 ms, growing with the pool, because httpcore
scans every pooled connection; aiohttp does the same call in 0.2–0.3 ms, and it is already a
dependency (webhooks). PTB lets any `BaseRequest` be plugged in with `.request()` and
`.get_updates_request()`; this is that, and nothing else changes.

Requests without files go as a JSON body (the Bot API accepts it, and it spares the form
encoding); uploads go as multipart form data.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a connection pool of `pool_size` to the Bot API server."""

    def __init__(
        self,
        pool_size: int = 64,
        *,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                json_serialize=json.dumps,
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

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
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        files = request_data.multipart_data if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        if isinstance(pool_timeout, DefaultValue):
            pool_timeout = self._pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write_timeout = self._media_write_timeout if files else self._write_timeout
        # aiohttp has no write timeout of its own: the whole request is bounded by writing
        # plus reading; waiting for a pooled connection by the pool timeout.
        timeout = aiohttp.ClientTimeout(
            total=_sum(write_timeout, read_timeout),
            connect=pool_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        try:
            async with self._session.request(
                method, url, timeout=timeout, **_body(request_data, files)
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _sum(*timeouts: float | None) -> float | None:
    if any(value is None for value in timeouts):
        return None
    return sum(value for value in timeouts if value is not None)


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> dict[str, Any]:
    if request_data is None:
        return {}
    if not files:
        # `parameters` holds plain JSON values (arrays as arrays, not as JSON strings).
        payload = json.dumps(request_data.parameters, ensure_ascii=False).encode()
        return {"data": payload, "headers": _JSON_HEADERS}
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return {"data": form}
