"""Runs the fake Bot API as a local HTTP server: ``python -m fake_telegram --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from fake_telegram.core import FakeBotApi
from fake_telegram.server import start_server


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fake_telegram", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="haoshangliang_bot")
    parser.add_argument("--first-name", default="有事好商量")
    parser.add_argument(
        "--no-privacy",
        action="store_true",
        help="deliver every group message to the bot, not only commands and mentions",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace) -> None:
    api = FakeBotApi(args.token, args.username, args.first_name, privacy_mode=not args.no_privacy)
    server = await start_server(api, args.host, args.port)
    print(f"READY {server.url}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.close()


def main(argv: list[str] | None = None) -> None:
    args = _parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
