"""The progress chart: a real PNG whose stacked bars are the counts, in the user's language."""

from __future__ import annotations

import warnings
from io import BytesIO

import matplotlib.image
from matplotlib.container import BarContainer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.i18n import Translator
from bot.services.access import Scope
from bot.services.charts import build_figure, chart_data, progress_chart
from bot.services.progress import Progress, campaign_progress
from tests.bot.services.test_progress import build_world, leader_scope
from tests.values import present

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _bars(progress: Progress, language: str = "vi") -> dict[str, list[float]]:
    figure = build_figure(Translator(language), progress)
    (ax,) = figure.axes
    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    return {present(c.get_label()): [patch.get_height() for patch in c.patches] for c in containers}


def test_the_bars_are_the_counts(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
    bars = _bars(progress)
    # launch document, title registration, year-end report
    assert bars == {
        "accepted": [2, 1, 1],
        "submitted": [1, 1, 1],
        "returned": [1, 0, 1],
        "missing": [2, 4, 3],
    }
    # Stacked: each bar's top is the number of enterprises.
    figure = build_figure(Translator("vi"), progress)
    (ax,) = figure.axes
    missing = next(c for c in ax.containers if c.get_label() == "missing")
    assert isinstance(missing, BarContainer)
    assert [p.get_y() + p.get_height() for p in missing.patches] == [6, 6, 6]


def test_a_cluster_leaders_chart_counts_his_cluster(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, leader_scope(w))
    bars = _bars(progress)
    assert bars["accepted"][0] + bars["submitted"][0] + bars["returned"][0] == 3
    assert sum(values[0] for values in bars.values()) == 3
    assert "Cụm 1" in chart_data(Translator("vi"), progress).title


def test_labels_follow_the_language(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
    en = chart_data(Translator("en"), progress)
    vi = chart_data(Translator("vi"), progress)
    assert en.categories[0] == "Launch document\ndue 31/01/2024"
    assert [s.label for s in en.series] == ["Accepted", "Submitted", "Returned", "Missing"]
    assert [s.label for s in vi.series] == ["Đã duyệt", "Đã nộp", "Bị trả lại", "Chưa nộp"]
    assert "31/01/2024" in vi.categories[0] and vi.categories[0] != en.categories[0]


def test_it_is_a_valid_png_with_vietnamese_text(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        progress = campaign_progress(session, w.campaign, Scope.board(w.org))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        png = progress_chart(Translator("vi"), progress)
    assert not [w for w in caught if "Glyph" in str(w.message) or "findfont" in str(w.message)]
    assert png.startswith(PNG_SIGNATURE)
    image = matplotlib.image.imread(BytesIO(png), format="png")
    height, width = image.shape[:2]
    assert width >= 600 and height >= 400


def test_a_campaign_without_deadlines_still_draws(engine: Engine) -> None:
    progress = Progress(
        campaign_title="Trống",
        cluster_id=None,
        cluster_name=None,
        enterprises=0,
        items=[],
    )
    png = progress_chart(Translator("en"), progress)
    assert png.startswith(PNG_SIGNATURE)
    assert _bars(progress) == {}
