"""The console channel, in process and as `thidua run --console` with piped input."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import select

from bot.channels.console import ConsoleChannel, ConsoleSender, render
from bot.messaging import Choice, Reply
from bot.models import Attachment, Receipt
from tests import files as real
from tests.conversations.conftest import JANUARY, build_world

ROOT = Path(__file__).resolve().parents[2]


def test_render_numbers_choices_and_names_files(tmp_path: Path) -> None:
    text = render(Reply("Chọn?", (Choice("a", "Một"), Choice("b", "Hai")), document=tmp_path))
    assert text == f"Chọn?\n\n1. Một\n2. Hai\n[{tmp_path}]"


async def test_console_sender_prints() -> None:
    out = io.StringIO()
    await ConsoleSender(out).send("x", Reply("Nhắc hạn"))
    assert out.getvalue() == "Nhắc hạn\n\n"


async def test_piped_lines_run_a_launch_flow_with_a_file(
    sqlite_engine: SAEngine, tmp_path: Path
) -> None:
    world = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    doc = tmp_path / "van ban phat dong.pdf"
    real.pdf(doc)
    script = "\n".join(
        [
            "/language en",
            "/start",
            world.codes[0],
            "/launch",
            "/file",
            "/file nowhere.pdf",
            f"/file {doc}",
            "12/KH-CĐ",
            "05/01/2026",
            "1",
            "",
        ]
    )
    out = io.StringIO()
    channel = ConsoleChannel(
        world.engine(), user_id="console-officer", stdin=io.StringIO(script), stdout=out
    )
    await channel.run()
    text = out.getvalue()
    assert "> /launch" in text
    assert "Write the path after /file" in text or "Gõ đường dẫn" in text
    assert "nowhere.pdf" in text
    assert "Received van ban phat dong.pdf" in text
    assert "1. Submit now" in text
    assert re.search(r"Receipt number PD-2026-\d{6}", text)
    with world.session() as s:
        attachment = s.exec(select(Attachment)).one()
        assert Path(attachment.path).read_bytes() == doc.read_bytes()
        assert s.exec(select(Receipt)).one().number.startswith("PD-2026-")


def _run(
    args: list[str], stdin: str, env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def test_thidua_run_console_with_piped_input(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "THIDUA_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "THIDUA_FILES_DIR": str(tmp_path / "files"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    # a first start as staff seeds the demo and prints a code; EOF ends it at once
    first = _run(["--console", "--as-staff"], "/help\n", env, tmp_path)
    assert first.returncode == 0, first.stderr
    code = re.search(r": ([2-9A-Z]{4}-[2-9A-Z]{4})$", first.stdout, re.MULTILINE)
    assert code, first.stdout
    assert "> /help" in first.stdout
    # the officer links with that code and registers a title, in Vietnamese
    script = "\n".join(
        [
            "/start",
            code.group(1),
            "/register",
            "1",
            "Nguyễn Thị Hoa",
            "Tổ trưởng",
            "1",
            "6",
            "1",
            "/status",
            "",
        ]
    )
    second = _run(["--console"], script, env, tmp_path)
    assert second.returncode == 0, second.stderr
    out = second.stdout
    assert "Liên kết thành công" in out
    assert "Đã thêm: Nguyễn Thị Hoa (Tổ trưởng): Lao động tiên tiến." in out
    assert re.search(r"Số biên nhận DK-\d{4}-\d{6}", out), out
    assert "Đăng ký danh hiệu thi đua: đã nộp" in out
    # a third start finds the demo in place and the officer still linked
    third = _run(["--console"], "/status\n", env, tmp_path)
    assert third.returncode == 0 and "đã nộp" in third.stdout


def _figure_answers() -> list[str]:
    from bot.services.numbers import report_figures

    values = {"decimal": "1.250,5", "percent": "19,3", "integer": "120", "yes_no": "1"}
    # an average income above 200 triệu a month would be asked to be confirmed
    special = {"average_income": "9,5", "accidents": "1"}
    return [special.get(f.code, values[f.kind]) for f in report_figures()]


MARKERS = {
    "en": {
        "register": "Receipt number DK-",
        "report": "Receipt number BC-",
        "launch": "Receipt number PD-",
        "status": "Year-end report: submitted",
    },
    "vi": {
        "register": "Số biên nhận DK-",
        "report": "Số biên nhận BC-",
        "launch": "Số biên nhận PD-",
        "status": "Báo cáo tổng kết năm: đã nộp",
    },
}


@pytest.mark.parametrize("language", ["vi", "en"])
async def test_every_officer_flow_through_the_console(
    sqlite_engine: SAEngine, tmp_path: Path, language: str
) -> None:
    world = build_world(sqlite_engine, tmp_path / "files")
    world.clock.now = JANUARY
    pdf = tmp_path / "signed.pdf"
    real.pdf(pdf, pages=2)
    lines = [
        f"/language {language}",
        world.codes[0],
        "/register",
        "1",
        "Đinh Văn Nam",
        "Kỹ sư",
        "1",
        "6",
        "1",
        "/report",
        *_figure_answers(),
        "Doanh nghiệp áp dụng 4 sáng kiến trong năm.",
        f"/file {pdf}",
        "1",
        "/launch",
        f"/file {pdf}",
        "03/KH-CĐ",
        "08/01/2026",
        "1",
        "/status",
        "",
    ]
    out = io.StringIO()
    channel = ConsoleChannel(
        world.engine(), user_id="console-officer", stdin=io.StringIO("\n".join(lines)), stdout=out
    )
    await channel.run()
    text = out.getvalue()
    for flow, marker in MARKERS[language].items():
        assert marker in text, (flow, text[-3000:])
    assert "went wrong" not in text and "lỗi" not in text


async def test_the_outbox_reaches_the_console_of_its_addressee(
    engine: SAEngine, tmp_path: Path
) -> None:
    """The console's dispatcher prints what the office sent to the person at this terminal;
    a message for another console user stays pending until their own console runs."""
    from bot.demo import OFFICER_USER_ID
    from bot.models import Channel, Contact, DeadlineKind, Delivery, DeliveryStatus
    from bot.notifications.kinds import Nudge
    from bot.notifications.outbox import enqueue
    from scheduler.clock import FakeClock
    from scheduler.outbox import Dispatcher
    from tests.conversations.conftest import MARCH

    world = build_world(engine, tmp_path / "files")
    world.clock.now = MARCH
    here = ConsoleChannel(world.engine(), user_id=OFFICER_USER_ID, stdout=io.StringIO())
    await here.handle_line(world.codes[0])
    there = ConsoleChannel(world.engine(), user_id="console-other", stdout=io.StringIO())
    await there.handle_line(world.other_code)
    with world.session() as s:
        ids = {
            c.user_id: c.id
            for c in s.exec(select(Contact).where(Contact.channel == Channel.CONSOLE)).all()
            if c.id is not None
        }
        nudge = Nudge(world.campaign_id, DeadlineKind.YEAR_END_REPORT, MARCH.date())
        enqueue(s, nudge, [ids[OFFICER_USER_ID], ids["console-other"]], not_before=MARCH)
        s.commit()
    officer_screen = io.StringIO()
    dispatcher = Dispatcher(
        engine,
        {Channel.CONSOLE: ConsoleSender(officer_screen, heading="[Tin nhắn mới]")},
        FakeClock(MARCH),
        world.settings,
        "console-test",
        only_chats={Channel.CONSOLE: (OFFICER_USER_ID,)},
    )
    assert await dispatcher.run_once() == 1
    assert officer_screen.getvalue().startswith("[Tin nhắn mới]\n")
    with world.session() as s:
        states = {d.contact_id: d.status for d in s.exec(select(Delivery)).all()}
    assert states == {
        ids[OFFICER_USER_ID]: DeliveryStatus.SENT,
        ids["console-other"]: DeliveryStatus.PENDING,
    }


def test_thidua_run_without_a_channel_stops_and_make_run_demo_works(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "THIDUA_DATABASE_URL": f"sqlite:///{tmp_path / 'prod.db'}",
        "THIDUA_FILES_DIR": str(tmp_path / "files"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)
    env.pop("ZALO_BOT_TOKEN", None)
    production = _run([], "", env, tmp_path)
    assert production.returncode == 1
    assert production.stderr.strip().splitlines() == [
        "Lỗi: Chưa cấu hình kênh trò chuyện nào: hãy đặt TELEGRAM_BOT_TOKEN hoặc "
        "ZALO_BOT_TOKEN, hoặc chạy `thidua run --console` để dùng thử bot trên cửa sổ dòng "
        "lệnh này."
    ]
    demo = _run(["--demo"], "/help\n", env, tmp_path)  # what `make run` starts
    assert demo.returncode == 0, demo.stderr
    assert "> /help" in demo.stdout and "/language" in demo.stdout
    assert "thidua run --demo" in (ROOT / "Makefile").read_text()
