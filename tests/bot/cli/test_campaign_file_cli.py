"""`thidua campaign export/import`: the office edits its whole plan as a file. Unchanged is no
change; an edited file previews with --dry-run and applies audited; a wrong file names each
problem by line and field, exits 1 and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.models import AuditEntry, Campaign, Delivery, DeliveryKind, Observance
from bot.services import plan_edits
from tests.bot.cli.conftest import Invoke
from tests.scheduler.test_late_reminders import _board
from tests.test_next_year_campaign_e2e import TARGETS

# The CLI reads the real clock (a deadline may not be moved into the past): the plan edited
# is next year's, as an office edits it.
YEAR = datetime.now(UTC).year + 1


def _exported(engine: Engine, run: Invoke, tmp_path: Path) -> tuple[int, Path]:
    with Session(engine, expire_on_commit=False) as session:
        campaign_id = _board(session, YEAR)["campaign"].id
    path = tmp_path / "ke-hoach.toml"
    out = run("campaign", "export", "--campaign", str(campaign_id), "--output", str(path))
    assert out.exit_code == 0, out.output
    return campaign_id, path


def _spec(engine: Engine, campaign_id: int) -> plan_edits.CampaignSpec:
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        return plan_edits.spec_of(session, campaign)


def _edit(text: str) -> str:
    """The office's edit: renamed, two deadlines moved (one accepted late), a day removed and
    one added, a founding year changed, a prompt off, the year's targets, an award target."""
    text = text.replace("tỉnh Bắc Giang", "tỉnh Bắc Ninh")
    text = text.replace(f'due = "15/04/{YEAR}"', f'due = "25/04/{YEAR}"')
    text = text.replace(
        f'due = "15/06/{YEAR}"\nlate = "lock"', f'due = "30/06/{YEAR}"\nlate = "accept_late"'
    )
    text = text.replace("founded = 1931", "founded = 1930")
    text = text.replace(
        'name = "Chiến thắng Điện Biên Phủ"\nname_en = "Điện Biên Phủ Victory"\nfounded = 1954'
        "\nphase = 1\nprompt = true",
        'name = "Chiến thắng Điện Biên Phủ"\nname_en = "Điện Biên Phủ Victory"\nfounded = 1954'
        "\nphase = 1\nprompt = false",
    )
    start = text.index("[[days]]\n" + f'date = "01/05/{YEAR}"')
    text = text[:start] + text[text.index("[[days]]", start + 1) :]
    text = text.replace("targets = []\n", "")
    text = text.replace(
        'key = "flag_enterprises"\nvalue = 5', 'key = "flag_enterprises"\nvalue = 6'
    )
    return (
        text
        + f'\n[[days]]\ndate = "14/10/{YEAR}"\nname = "Ngày thành lập Hội Nông dân Việt Nam"\n'
        + "founded = 1930\nphase = 2\n"
        + TARGETS
    )


def test_export_then_import_unchanged_is_no_change(
    engine: Engine, database: str, run: Invoke, tmp_path: Path
) -> None:
    campaign_id, path = _exported(engine, run, tmp_path)
    text = path.read_text(encoding="utf-8")
    assert f'due = "15/04/{YEAR}"' in text and "[[days]]" in text and "targets = []" in text
    assert "Ngày kỷ niệm" in text  # the notes are in the office's language
    before = _spec(engine, campaign_id)
    out = run("campaign", "import", "--campaign", str(campaign_id), str(path))
    assert out.exit_code == 0 and "Không có gì thay đổi" in out.output, out.output
    assert _spec(engine, campaign_id) == before
    with Session(engine) as session:
        assert session.exec(select(AuditEntry)).all() == []


def test_an_edited_file_previews_then_applies_audited(
    engine: Engine, database: str, run: Invoke, tmp_path: Path
) -> None:
    campaign_id, path = _exported(engine, run, tmp_path)
    before = _spec(engine, campaign_id)
    path.write_text(_edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    args = ("campaign", "import", "--campaign", str(campaign_id), str(path))
    dry = run(*args[:-1], "--dry-run", str(path))
    assert dry.exit_code == 0, dry.output
    assert _spec(engine, campaign_id) == before  # a dry run applies nothing
    out = run(*args)
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[1:] == dry.output.splitlines()[1:]
    text = out.output
    assert "Bắc Ninh" in text and f"15/04/{YEAR} → 25/04/{YEAR}" in text
    assert f"15/06/{YEAR} → 30/06/{YEAR}" in text and "nộp muộn" in text
    assert "Ngày Quốc tế Lao động" in text and "Hội Nông dân" in text and "1931 → 1930" in text
    assert "Chiến thắng Điện Biên Phủ" in text
    assert "khoảng 1,5 tỷ USD" in text and "từ 250 ha trở lên" in text
    assert "25.000–30.000 người" in text and "600.000 tỷ đồng, tăng 11,1%" in text
    assert "Cờ thi đua”: 5 → 6" in text  # named as the plan names it
    again = run(*args)
    assert "Không có gì thay đổi" in again.output, again.output
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and "Bắc Ninh" in campaign.title
        assert {t["key"] for t in campaign.targets} == {
            "investment",
            "cleared_land",
            "workers",
            "industrial_output",
        }
        days = {o.name: o for o in session.exec(select(Observance)).all()}
        assert "Ngày Quốc tế Lao động" not in days and not days["Chiến thắng Điện Biên Phủ"].prompt
        actions = [e.action for e in session.exec(select(AuditEntry)).all()]
        assert actions.count("deadline.change") == 2 and "observance.add" in actions
        assert all(e.actor == "cli" for e in session.exec(select(AuditEntry)).all())
        told = session.exec(
            select(Delivery).where(Delivery.kind == DeliveryKind.DEADLINE_MOVED)
        ).all()
        assert len(told) == 4  # two officers, two moved deadlines, each once


def test_a_wrong_file_names_each_error_and_changes_nothing(
    engine: Engine, database: str, run: Invoke, tmp_path: Path
) -> None:
    campaign_id, path = _exported(engine, run, tmp_path)
    before = _spec(engine, campaign_id)
    good = _edit(path.read_text(encoding="utf-8"))
    lines = good.splitlines()

    def line_of(text: str, after: int = 0) -> int:
        return next(i for i, line in enumerate(lines, 1) if i > after and line == text)

    wrong = (
        good.replace(f'due = "25/04/{YEAR}"', f'due = "31/04/{YEAR}"')
        .replace('qualifier = "about"', 'qualifier = "khoảng"')
        .replace("value = 250\n", 'value = "250"\n')
        .replace("prompt = false", "prompt = 2")
    )
    path.write_text(wrong, encoding="utf-8")
    out = run("campaign", "import", "--campaign", str(campaign_id), str(path))
    assert out.exit_code == 1, out.output
    assert "tệp có 3 lỗi" in out.output, out.output
    due, qualifier = line_of(f'due = "25/04/{YEAR}"'), line_of('qualifier = "about"')
    assert f"dòng {due}, due: Ngày 31/04/{YEAR} không tồn tại" in out.output
    assert f"dòng {qualifier}, qualifier: một trong: exact, about" in out.output
    assert f"dòng {line_of('prompt = false')}, prompt:" in out.output
    # "250" in quotes is read as the number it says; the plan's own rules come next
    semantic = good.replace("founded = 1930\nphase = 2", f"founded = {YEAR}\nphase = 2").replace(
        'kind = "year_end_report"', 'kind = "title_registration"'
    )
    path.write_text(semantic, encoding="utf-8")
    out = run("campaign", "import", "--campaign", str(campaign_id), str(path))
    assert out.exit_code == 1, out.output
    assert "tệp có 2 lỗi" in out.output, out.output
    kind_line = line_of('kind = "year_end_report"')
    assert f"dòng {kind_line}, kind:" in out.output
    added = line_of(f'date = "14/10/{YEAR}"')
    assert f"dòng {added + 2}, founded:" in out.output
    assert _spec(engine, campaign_id) == before
    with Session(engine) as session:
        assert session.exec(select(AuditEntry)).all() == []
        assert session.exec(select(Delivery)).all() == []


def test_a_file_that_is_not_toml_or_not_there(
    engine: Engine, database: str, run: Invoke, tmp_path: Path
) -> None:
    campaign_id, path = _exported(engine, run, tmp_path)
    path.write_text('title = "không đóng ngoặc\n', encoding="utf-8")
    out = run("campaign", "import", "--campaign", str(campaign_id), str(path))
    assert out.exit_code == 1 and "dòng 1, file" in out.output, out.output
    missing = run("campaign", "import", "--campaign", str(campaign_id), str(tmp_path / "x.toml"))
    assert missing.exit_code == 1
    nowhere = run("campaign", "export", "--campaign", "999")
    assert nowhere.exit_code == 1 and "999" in nowhere.output
