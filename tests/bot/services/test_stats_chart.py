"""The chart of the hand-checked November: a PNG whose Chinese labels are drawn with the
bundled CJK font, with no glyph falling back to boxes."""

from __future__ import annotations

import io
import warnings
from datetime import date

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from bot.i18n import translator
from bot.services import stats, stats_chart
from bot.services.stats import Period
from storage.db import SessionFactory
from storage.uow import UnitOfWork
from tests.stats_fixtures import NOW, november

YEAR_TO_NOVEMBER = Period(date(2026, 1, 1), date(2026, 11, 30))
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def _glyph_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "Glyph" in str(w.message)]


async def test_chinese_labels_render_in_the_cjk_font(session_factory: SessionFactory) -> None:
    scene = await november(session_factory)
    async with UnitOfWork(session_factory) as uow:
        report = await stats.figures(uow, scene.township_id, NOVEMBER, NOW)
        monthly = await stats.monthly(uow, scene.township_id, YEAR_TO_NOVEMBER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = stats_chart.render(translator("zh_Hans"), report, monthly)
    assert _glyph_warnings(caught) == []
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (900, 800)
    # The font matplotlib resolves for the family is the bundled Noto Sans CJK file.
    family = stats_chart.cjk_font()
    assert "CJK" in family
    found = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert found.endswith("NotoSansCJK-Regular.ttc")


def test_the_check_would_see_a_missing_glyph() -> None:
    """Without the CJK font the same label falls back and matplotlib says so: the test above
    would catch a chart drawn in the wrong font."""
    figure = Figure()
    FigureCanvasAgg(figure)
    figure.text(0.5, 0.5, "满意率（按村）", fontfamily="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    assert _glyph_warnings(caught)
