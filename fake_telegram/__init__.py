"""A fake Telegram Bot API for offline tests, demos and benchmarks.

``FakeBotApi`` holds the state; ``InProcessRequest`` plugs it into PTB without sockets;
``start_server`` serves it over HTTP; ``SimUser``/``SimGroup`` play the people.
"""

from fake_telegram.core import FakeBotApi
from fake_telegram.groups import SimGroup
from fake_telegram.markup import EntityParseError, parse_html
from fake_telegram.server import RunningServer, start_server
from fake_telegram.state import ApiError, RecordedCall, StoredMessage, Upload
from fake_telegram.transport import InProcessRequest
from fake_telegram.users import BotMessage, SimUser

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
