"""The one shape of the Telegram layer (see README, "Layout"):

* `scope`    — one unit of work per update, committed once; answers sent after the commit;
* `outgoing` — what handlers answer (`context.ui.say/edit/answer/photos…`) and how it is sent;
* `buttons`  — one declaration per button kind: builder, pattern, typed parser;
* `access`   — the permission check against bot/domain/permissions.py;
* `routes`   — a command, button or message, its handler and its permission;
* `flows`    — multi-step conversations with one rule set (timeout, stacking, /cancel).
"""

from handlers.toolkit.buttons import Button, Token
from handlers.toolkit.context import BotContext
from handlers.toolkit.flows import END, Flow, FlowButton, FlowRouter
from handlers.toolkit.routes import Route, button, command, expired, message

__all__ = [
    "END",
    "BotContext",
    "Button",
    "Flow",
    "FlowButton",
    "FlowRouter",
    "Route",
    "Token",
    "button",
    "command",
    "expired",
    "message",
]
