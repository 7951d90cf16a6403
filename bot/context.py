"""The application and callback-context types every handler sees."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.services.container import Services
from bot.services.views import PersonView


class ConsultationApp(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that carries the domain services (database, settings, clock)."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """Adds the person behind the update and their translator (set by the gatekeeper)."""

    def __init__(self, application: Any, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.person: PersonView | None = None
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

    @property
    def me(self) -> PersonView:
        """The registered person; the gatekeeper guarantees it for private-chat updates."""
        assert self.person is not None, "gatekeeper did not run"
        return self.person
