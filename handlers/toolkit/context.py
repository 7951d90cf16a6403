"""The callback context every handler sees: who is talking, in which language, and the
update's unit of work, answers and flow (all from the update's scope)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import CallbackContext, ExtBot

from bot.context import ConsultationApp
from bot.i18n import Translator, translator
from bot.services.container import Services
from bot.services.views import PersonView
from handlers.toolkit.replies import Replies
from handlers.toolkit.scope import UpdateScope, require_scope
from handlers.toolkit.state import Frame
from storage.uow import UnitOfWork


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Set up by the gatekeeper; `township` by the permission check of the action."""

    def __init__(self, application: Any, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.person: PersonView | None = None
        self._township: int | None = None
        self._translator: Translator | None = None

    @property
    def services(self) -> Services:
        app = self.application
        assert isinstance(app, ConsultationApp)
        return app.services

    @property
    def tr(self) -> Translator:
        if self._translator is None:
            self._translator = translator(self.services.settings.default_locale)
        return self._translator

    def use_locale(self, locale: str) -> None:
        self._translator = translator(locale)
        self.scope.locale = locale

    @property
    def me(self) -> PersonView:
        """The registered person; the gatekeeper guarantees it for private-chat updates."""
        assert self.person is not None, "gatekeeper did not run"
        return self.person

    @property
    def township(self) -> int:
        """The township the action runs in (set by the permission check)."""
        assert self._township is not None, "the route declares no permission"
        return self._township

    @township.setter
    def township(self, value: int) -> None:
        self._township = value

    @property
    def scope(self) -> UpdateScope:
        return require_scope()

    @property
    def uow(self) -> UnitOfWork:
        return self.scope.uow

    @property
    def reads(self) -> UnitOfWork:
        return self.scope.reads

    @property
    def ui(self) -> Replies:
        return self.scope.replies

    @property
    def flow(self) -> Frame:
        """The frame of the flow this update belongs to."""
        frame = self.scope.flows.top
        assert frame is not None, "no open flow"
        return frame

    @property
    def text(self) -> str:
        """What the person wrote: the message's text, or a long one joined from its parts."""
        return self.scope.text or ""

    @property
    def now(self) -> datetime:
        return self.services.clock.now()


# Job options for the short in-memory waits (an album's parts, a long text's parts): run
# however late a busy event loop gets to them. APScheduler's default drops a job missed by
# more than a second, which would lose what the person sent.
RUN_HOWEVER_LATE: dict[str, object] = {"misfire_grace_time": None}
