"""The application type: a PTB Application that carries the domain services."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.services.container import Services


class ConsultationApp(Application[Any, Any, Any, Any, Any, Any]):
    """An Application that carries the domain services (database, settings, clock)."""

    def __init__(self, *, services: Services, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = services
