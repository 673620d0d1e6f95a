"""`thidua closing` through click, on both databases: review, scores, decision with notices,
and the documents written and read back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import docx
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.db import get_engine
from bot.models import Delivery
from bot.services import proposals as prop
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.sheets import HEADER_ROW
from bot.settings import get_settings
from tests.bot.cli.conftest import Invoke
from tests.bot.services.test_commendations import (
    PROPOSAL,
    PROPOSING,
    build,
    propose_all,
    register,
    report,
)
from tests.sheets import active

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller


def _prepare(database: str) -> tuple[int, list[int]]:
    with Session(get_engine(database), expire_on_commit=False) as session:
        w = build(session)
        register(w)
        report(w)
        item = w.item(PROPOSAL)
        propose_all(w, item)
        subs.submit(w.session, item, Act(PROPOSING, TZ, w.officer.id))
        ids = [e.id for e in prop.list_proposals(session, item)]
        session.commit()
        assert w.campaign.id is not None
        return w.campaign.id, [i for i in ids if i is not None]


def test_review_score_decide_and_write_the_documents(
    run: Invoke, database: str, tmp_path: Path
) -> None:
    campaign, ids = _prepare(database)
    result = run("closing", "review", str(ids[-1]), "lower", "--to", "CO_CP")
    assert result.exit_code == 1 and "không phải danh hiệu, hình thức thấp hơn" in result.output
    result = run("closing", "review", str(ids[-1]), "lower", "--to", "BK_TINH")
    assert result.exit_code == 0, result.output
    assert "đồng ý ở danh hiệu, hình thức thấp hơn" in result.output
    for entry in ids[:-1]:
        assert run("closing", "review", str(entry), "accept").exit_code == 0
    listing = run("closing", "proposals", "--campaign", str(campaign)).output
    assert "Công ty Alpha\tCông ty Alpha\tCờ thi đua của UBND tỉnh" in listing
    assert "→ Bằng khen của Chủ tịch UBND tỉnh" in listing

    result = run("closing", "score", "--campaign", str(campaign), "2400123456", "movement", "28")
    assert result.exit_code == 0 and "28 điểm" in result.output
    result = run("closing", "scores", "--campaign", str(campaign))
    lines = result.output.splitlines()
    assert lines[0].split("\t")[:3] == ["Cụm thi đua", "#", "Doanh nghiệp"]
    assert lines[1].startswith("Cụm 1\t1\tCông ty Alpha\t20\t30\t28\t0\t78 ★")

    # The CLI acts now: a decision dated after today is refused, one dated today is recorded.
    today = datetime.now(get_settings().tz).date()
    future = today + timedelta(days=30)
    result = run(
        "closing", "decision", "--campaign", str(campaign), "--number", "45/QĐ-UBND",
        "--date", f"{future:%d/%m/%Y}", "--authority", "province",
    )  # fmt: skip
    assert result.exit_code == 1 and "ở tương lai" in result.output
    result = run(
        "closing", "decision", "--campaign", str(campaign), "--number", "125/QĐ-BQL",
        "--date", f"{today:%d/%m/%Y}", "--authority", "board", "--signer", "Nguyễn Văn Bình",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "12 mục của 1 doanh nghiệp; 1 thông báo" in result.output
    with Session(get_engine(database)) as session:
        (notice,) = session.exec(select(Delivery).where(col(Delivery.body).is_not(None)))
    assert f"Quyết định số 125/QĐ-BQL ngày {today:%d/%m/%Y} (Trưởng ban)" in (notice.body or "")

    out = tmp_path / "van-ban"
    result = run("closing", "documents", "--campaign", str(campaign), "--out", str(out))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "danh-sach-de-nghi-2026.docx",
        "danh-sach-de-nghi-2026.xlsx",
        "phu-luc-125-QĐ-BQL.docx",
        "phu-luc-125-QĐ-BQL.xlsx",
        "qua-cac-nam.xlsx",
        "to-trinh-2026.docx",
    ]
    letter = docx.Document(str(out / "to-trinh-2026.docx"))
    assert [c.text for c in letter.tables[1].rows[1].cells] == [
        "1", "", "Bằng khen của Chủ tịch UBND tỉnh", "01", "00",
    ]  # fmt: skip
    ws = active(load_workbook(out / "phu-luc-125-QĐ-BQL.xlsx"))
    assert (
        ws.cell(row=HEADER_ROW + 1, column=2).value == "Công Nhân 0"
    )  # names are stored capitalised (issue 11)
