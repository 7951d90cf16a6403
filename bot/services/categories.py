"""Category suggestion: the likely category of a description, learnt per township from the
categories staff confirmed (keyword rules until there are enough), retrained in the
background so no update ever waits for training."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.grouping import CategoryModel
from bot.services.directory import DirectoryCache
from storage.db import SessionFactory
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# A highlighted suggestion is only a help: the resident still presses the button, so a
# modest confidence is enough to show it.
SUGGEST_CONFIDENCE = 0.45
# Retrain after this many newly confirmed categories (and at start-up).
RETRAIN_EVERY = 20


@dataclass(frozen=True)
class Suggestion:
    category_id: int
    confidence: float


class CategorySuggester:
    def __init__(self, session_factory: SessionFactory, directory: DirectoryCache) -> None:
        self._factory = session_factory
        self._directory = directory
        self._rules = CategoryModel()
        self._models: dict[int, CategoryModel] = {}
        self._trained_on: dict[int, int] = {}
        self._training: dict[int, asyncio.Task[None]] = {}

    async def suggest(self, township_id: int, text: str) -> Suggestion | None:
        """The township's likely category for `text`, or None when unsure or no text."""
        if not text.strip():
            return None
        model = self._models.get(township_id, self._rules)
        # Predicting is a sparse dot product (well under a millisecond): no thread needed.
        label, confidence = model.predict(text)
        if confidence < SUGGEST_CONFIDENCE:
            return None
        for category in await self._directory.categories(township_id):
            if category.label == label:
                return Suggestion(category.id, confidence)
        return None

    @property
    def training(self) -> int:
        """How many townships' models are being trained right now."""
        return sum(1 for task in self._training.values() if not task.done())

    def note_confirmation(self, township_id: int) -> None:
        """Staff confirmed a category: retrain once enough new examples have come in."""
        self._trained_on.setdefault(township_id, 0)
        self.retrain_soon(township_id, only_if_grown=True)

    async def retrain(self, township_id: int) -> None:
        """Retrain now and wait for it (start-up and tests; the bot itself uses retrain_soon)."""
        await self._retrain(township_id, only_if_grown=False)

    def retrain_soon(self, township_id: int, *, only_if_grown: bool = False) -> None:
        running = self._training.get(township_id)
        if running is not None and not running.done():
            return
        task = asyncio.get_running_loop().create_task(self._retrain(township_id, only_if_grown))
        self._training[township_id] = task

    async def _retrain(self, township_id: int, only_if_grown: bool) -> None:
        try:
            async with UnitOfWork(self._factory) as uow:
                examples = await uow.issues.confirmed_categories(township_id)
            if (
                only_if_grown
                and len(examples) - self._trained_on.get(township_id, 0) < RETRAIN_EVERY
            ):
                return
            texts = [text for text, _label in examples]
            labels = [label for _text, label in examples]
            model = await asyncio.to_thread(CategoryModel().fit, texts, labels)
            self._models[township_id] = model
            self._trained_on[township_id] = len(examples)
            log.info(
                "category model of township %s trained on %d examples", township_id, len(examples)
            )
        except Exception:  # a failed retraining keeps the previous model; never fatal
            log.exception("retraining the category model of township %s failed", township_id)
