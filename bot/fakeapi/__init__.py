"""A fake Telegram Bot API for offline tests, demos and benchmarks.

``FakeBotApi`` holds the state; ``InProcessRequest`` plugs it into PTB without sockets;
``start_server`` serves it over HTTP; ``SimUser``/``SimGroup`` play the people.
"""

from bot.fakeapi.core import FakeBotApi
from bot.fakeapi.groups import SimGroup
from bot.fakeapi.markup import EntityParseError, parse_html
from bot.fakeapi.server import RunningServer, start_server
from bot.fakeapi.state import ApiError, RecordedCall, StoredMessage, Upload
from bot.fakeapi.transport import InProcessRequest
from bot.fakeapi.users import BotMessage, SimUser

__all__ = [
    "ApiError",
    "BotMessage",
    "EntityParseError",
    "FakeBotApi",
    "InProcessRequest",
    "RecordedCall",
    "RunningServer",
    "SimGroup",
    "SimUser",
    "StoredMessage",
    "Upload",
    "parse_html",
    "start_server",
]
