"""Flows: named multi-step conversations with one set of rules for all of them.

A flow is a name, the words people know it by, a timeout, the routes that start it, and per
state the routes that answer it and the prompt that asks it (again)::

    INTAKE = Flow(
        name="intake",
        title=N_("raising a matter"),
        timeout=timedelta(hours=24),
        entry=[command("new", begin)],
        states={DESCRIBE: [message(TEXT, description_text)], ...},
        prompts={DESCRIBE: ask_description, ...},
    )

A route's callback returns the next state, `END`, or None to stay. Where the chat stands is
the stack of open frames in its scope; it is written with the step's data, in the same
commit, before the bot answers.

The rules, the same for every flow:
* **A second flow started while one is open puts the first aside**: the person is told,
  the new one runs, and when it ends the first resumes with its question asked again.
  Starting a flow that is already open resumes it where it was (flows declared
  `restart=True`, whose entry names a different object each time, start afresh instead).
* **/cancel** ends the flow on top (and resumes the one beneath, if any).
* **Timeout**: a flow left alone longer than its timeout is closed at the next update.
* **Input that fits no route of the current step** gets a hint and the question again;
  commands that work anywhere (/help, /my) still work and leave the flow open.
* **Buttons of a flow carry its frame id**: a button from an earlier run of the flow (an
  old draft's keyboard) is stale and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any, Final

from telegram import Update
from telegram.ext import Application, BaseHandler

from handlers.toolkit.buttons import Button, Token, button_kind
from handlers.toolkit.context import BotContext
from handlers.toolkit.routes import Route
from handlers.toolkit.scope import current_scope
from handlers.toolkit.state import Frame

END: Final = "end"
_STARTING = "starting"
CANCEL_COMMAND = "cancel"

Prompt = Callable[[Update, BotContext], Awaitable[None]]


@dataclass(frozen=True)
class FlowButton(Button):
    """Base of a flow's buttons: `flow` is the frame id the button belongs to."""

    flow: Annotated[str, Token(r"[0-9a-f]{6,8}")]


@dataclass(frozen=True)
class Flow:
    name: str
    # What people call it, marked with N_() ("raising a matter"); used in every notice.
    title: str
    timeout: timedelta
    entry: Sequence[Route]
    states: Mapping[str, Sequence[Route]]
    prompts: Mapping[str, Prompt] = field(default_factory=dict)
    restart: bool = False

    def button_kinds(self) -> set[type[Button]]:
        return {
            route.kind
            for routes in self.states.values()
            for route in routes
            if route.kind is not None
        }


@dataclass(frozen=True)
class _Match:
    action: str  # cancel | enter | step | stale | otherwise
    flow: Flow
    route: Route | None = None
    check: object = None


def _is_cancel(update: Update) -> bool:
    message = update.message
    if message is None or not message.text:
        return False
    words = message.text.split(maxsplit=1)
    return bool(words) and words[0].split("@", 1)[0] == f"/{CANCEL_COMMAND}"


def _matches(route: Route, update: Update) -> object:
    check = route.handler.check_update(update)
    return None if check is False else check


class FlowRouter(BaseHandler[Update, BotContext, None]):
    """The one PTB handler in front of every flow (registered before all other routes)."""

    def __init__(self, flows: Sequence[Flow]) -> None:
        super().__init__(self._unused)
        self.flows = {flow.name: flow for flow in flows}
        if len(self.flows) != len(flows):
            raise ValueError("two flows share a name")
        self._kinds = {flow.name: flow.button_kinds() for flow in flows}

    @staticmethod
    async def _unused(update: Update, context: BotContext) -> None:
        raise AssertionError("FlowRouter handles updates in handle_update")

    # -- matching -----------------------------------------------------------------------------

    def check_update(self, update: object) -> _Match | None:
        scope = current_scope()
        if not isinstance(update, Update) or scope is None:
            return None
        top = scope.flows.top
        top_flow = self.flows.get(top.flow) if top is not None else None
        if top_flow is not None and _is_cancel(update):
            return _Match("cancel", top_flow)
        for flow in self.flows.values():
            for route in flow.entry:
                check = _matches(route, update)
                if check is not None:
                    return _Match("enter", flow, route, check)
        if top is None or top_flow is None:
            return None
        for route in top_flow.states.get(top.state, ()):
            check = _matches(route, update)
            if check is not None:
                if not self._current_button(update, route, top):
                    return _Match("stale", top_flow)
                return _Match("step", top_flow, route, check)
        if update.callback_query is not None:
            kind = button_kind(update.callback_query.data)
            return _Match("stale", top_flow) if kind in self._kinds[top_flow.name] else None
        message = update.message
        if message is not None and not (message.text or "").startswith("/"):
            return _Match("otherwise", top_flow)
        return None

    @staticmethod
    def _current_button(update: Update, route: Route, top: Frame) -> bool:
        if route.kind is None or not issubclass(route.kind, FlowButton):
            return True
        assert update.callback_query is not None
        press = route.kind.parse(update.callback_query.data)
        return press is None or press.flow == top.id  # unparseable: the route's guard says so

    # -- handling -----------------------------------------------------------------------------

    async def handle_update(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        check_result: object,
        context: BotContext,
    ) -> None:
        assert isinstance(check_result, _Match)
        match = check_result
        if match.action == "cancel":
            await self._cancel(update, context, match.flow)
        elif match.action == "enter":
            await self._enter(update, application, context, match)
        elif match.action == "step":
            await self._step(update, application, context, match)
        elif match.action == "stale":
            context.ui.answer(context.tr._("This button has expired."))
            await self._ask(update, context, match.flow)
        else:
            context.ui.say(self._hint(context, match.flow))
            await self._ask(update, context, match.flow)

    @staticmethod
    def _hint(context: BotContext, flow: Flow) -> str:
        top = context.scope.flows.top
        routes = flow.states.get(top.state, ()) if top is not None else ()
        if routes and all(route.kind is not None for route in routes):
            return context.tr._("Please use the buttons above, or /cancel to stop.")
        return context.tr._("Please answer the question above, or send /cancel to stop.")

    async def _run(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        context: BotContext,
        match: _Match,
    ) -> Any:
        assert match.route is not None
        handler = match.route.handler
        handler.collect_additional_context(context, update, application, match.check)
        return await handler.callback(update, context)

    async def _enter(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        context: BotContext,
        match: _Match,
    ) -> None:
        flow, stack, tr = match.flow, context.scope.flows, context.tr
        existing = stack.find(flow.name)
        if existing is not None and not flow.restart:
            if existing is not stack.top:
                stack.remove(existing)
                self._put_aside(context, stack.top)
                stack.push(existing)
            context.ui.say(tr._("Let us go on with {title}.", title=tr._(flow.title)))
            await self._ask(update, context, flow)
            return
        if existing is not None:
            stack.remove(existing)
        before = stack.top
        frame = Frame(flow.name, _STARTING, context.now + flow.timeout)
        dropped = stack.push(frame)
        result = await self._run(update, application, context, match)
        if frame not in stack.frames:
            return  # the entry was refused and rolled back
        if result == END or result is None:
            stack.remove(frame)
            if result == END and before is not None and stack.top is before:
                await self._resume(update, context)  # a one-step flow in between
            return
        frame.state = str(result)
        self._put_aside(context, before, first=True)
        if dropped is not None:
            dropped_flow = self.flows.get(dropped.flow)
            if dropped_flow is not None:
                context.ui.say(
                    tr._(
                        "Closed {title}: it was left unfinished.",
                        title=tr._(dropped_flow.title),
                    )
                )

    def _put_aside(self, context: BotContext, frame: Frame | None, *, first: bool = False) -> None:
        if frame is None or frame.flow not in self.flows:
            return
        tr = context.tr
        text = tr._(
            "Putting {title} aside; we come back to it when this is done.",
            title=tr._(self.flows[frame.flow].title),
        )
        if first:
            context.ui.say_first(text)  # before the new flow's first question
        else:
            context.ui.say(text)

    async def _step(
        self,
        update: Update,
        application: Application[Any, BotContext, Any, Any, Any, Any],
        context: BotContext,
        match: _Match,
    ) -> None:
        stack = context.scope.flows
        frame = stack.top
        assert frame is not None
        result = await self._run(update, application, context, match)
        if frame not in stack.frames:
            return  # rolled back: the flow stays where it was
        if result == END:
            stack.remove(frame)
            await self._resume(update, context)
            return
        if result is not None:
            frame.state = str(result)
        frame.expires_at = context.now + match.flow.timeout

    async def _cancel(self, update: Update, context: BotContext, flow: Flow) -> None:
        stack = context.scope.flows
        top = stack.top
        assert top is not None
        stack.remove(top)
        tr = context.tr
        context.ui.say(tr._("Stopped {title}. Nothing was sent.", title=tr._(flow.title)))
        await self._resume(update, context)

    async def _resume(self, update: Update, context: BotContext) -> None:
        """The flow beneath the one that ended comes back, with its question asked again."""
        top = context.scope.flows.top
        flow = self.flows.get(top.flow) if top is not None else None
        if flow is None:
            return
        tr = context.tr
        context.ui.say(tr._("Back to {title}.", title=tr._(flow.title)))
        await self._ask(update, context, flow)

    async def _ask(self, update: Update, context: BotContext, flow: Flow) -> None:
        top = context.scope.flows.top
        prompt = flow.prompts.get(top.state) if top is not None else None
        if prompt is not None:
            await prompt(update, context)
