"""/report end to end: figures in both number styles, narrative, signed file, submit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlmodel import select

from bot.models import Attachment, Channel, Submission, SubmissionStatus, YearEndReport
from bot.services.numbers import Figure, report_figures
from conversations.flows import report as rep
from tests.conversations.conftest import LocalFetcher, World, linked_chat

ANSWERS = {
    "decimal": ["9.540,5", "9540.5"],
    "percent": ["19,3", "19.3"],
    "integer": ["1.250", "1250"],
    "yes_no": ["có", "yes"],
}


def answer(figure: Figure, style: int) -> str:
    """A value the figure accepts, in the Vietnamese (0) or the plain (1) style."""
    if figure.code == "revenue":
        return ["540.000,5", "540000.5"][style]
    return ANSWERS[figure.kind][style]


def _report(world: World) -> YearEndReport | None:
    with world.session() as s:
        return s.exec(select(YearEndReport)).first()


def _pdf(tmp_path: Path, name: str = "bao-cao-tong-ket.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(b"%PDF-1.4\n% signed report\n" + name.encode())
    return path


async def test_report_in_english_with_both_number_styles(world: World, tmp_path: Path) -> None:
    chat = await linked_chat(world, language="en")
    out = await chat.say("/report")
    figures = report_figures()
    assert "Year-end report for 2026, due 05/12/2026" in out
    assert f"Figure 1 of {len(figures)}" in out and "billion VND" in out
    for i, figure in enumerate(figures):
        typed = answer(figure, i % 2)
        if figure.code == "growth":
            out = await chat.say("12,3,4")
            assert "Growth" in out and "Noted" not in out
        out = await chat.say(typed)
        assert "Noted:" in out, (figure.code, typed, out)
    report = _report(world)
    assert report is not None
    assert Decimal(report.figures["revenue"]) == Decimal("540000.5")
    assert set(report.figures) == {f.code for f in figures}
    assert "achievements" in chat.text()
    out = await chat.say("ok")
    assert "at least a sentence" in out and _report(world).narrative == ""  # type: ignore[union-attr]
    out = await chat.say("We applied 12 initiatives and ISO 9001.")
    assert "as a file: PDF" in out
    out = await chat.say("here it is")
    assert "send the file itself" in out
    bad = tmp_path / "virus.exe"
    bad.write_bytes(b"MZ")
    out = await chat.send_file(bad, mime="application/octet-stream")
    assert "PDF, Word (.docx) or Excel (.xlsx)" in out
    out = await chat.send_file(_pdf(tmp_path))
    assert "Received bao-cao-tong-ket.pdf" in out and "Revenue: 540.000,5 billion VND" in out
    with world.session() as s:
        attachment = s.exec(select(Attachment)).one()
    stored = Path(attachment.path)
    assert stored.is_file() and stored.parent.parent.parent == world.settings.files_dir
    assert stored.parent.name == "0100109106" and stored.parent.parent.name == "bac-giang-kcn-2026"
    assert len(attachment.sha256) == 64
    assert not list((world.settings.files_dir / ".incoming").iterdir())
    out = await chat.press(rep.SUBMIT)
    assert "Receipt number BC-2026-" in out
    with world.session() as s:
        assert s.exec(select(Submission)).one().status == SubmissionStatus.SUBMITTED


async def test_report_in_vietnamese_keeps_values_and_resumes(world: World, tmp_path: Path) -> None:
    chat = await linked_chat(world)
    out = await chat.say("/report")
    assert "Báo cáo tổng kết năm 2026" in out and "tỷ đồng" in out
    out = await chat.say("540.000")
    assert "Đã ghi nhận: Doanh thu: 540.000 tỷ đồng." in out
    out = await chat.say("mười")
    assert "Doanh thu" not in out.split("\n")[0]
    await chat.say("/cancel")
    out = await chat.say("/report")
    assert "Chỉ tiêu 2/" in out  # resumes at the first figure not given
    out = await chat.say("/back")
    assert "không có câu trước" in out
    await chat.say("/cancel")
    out = await chat.say("/report")
    await chat.say("/cancel")
    # from the menu: figures again; "=" keeps the revenue
    await chat.say("/report")
    await chat.say("12")
    await chat.say("/back")
    out = await chat.say("=")
    assert "Chỉ tiêu 3/" in out


async def test_zalo_takes_photos_of_the_pages(world: World, tmp_path: Path) -> None:
    chat = await linked_chat(world, user_id="z1", channel=Channel.ZALO, language="vi")
    out = await chat.say("/report")
    assert "Trên Zalo" in out
    for figure in report_figures():
        await chat.say(answer(figure, 0))
    out = await chat.say("Năm nay doanh nghiệp áp dụng 5 sáng kiến, giữ vững ISO 9001.")
    assert "Trên Zalo chỉ gửi được ảnh" in out
    for page in (1, 2):
        photo = tmp_path / f"page{page}.jpg"
        photo.write_bytes(b"\xff\xd8\xff" + bytes([page]) * 50)
        out = await chat.send_file(photo, mime="image/jpeg", is_photo=True)
        assert f"Đã nhận trang {page}" in out
    assert "file:done" in chat.choice_keys()
    out = await chat.say("1")
    assert "page1.jpg, page2.jpg" in out
    out = await chat.press(rep.SUBMIT)
    assert "Đã nộp" in out and "BC-2026-" in out


async def test_report_file_over_20_mb_is_refused(world: World, tmp_path: Path) -> None:
    from bot.messaging import IncomingFile

    chat = await linked_chat(world, language="en")
    await chat.say("/report")
    big = IncomingFile(
        file_id="x", file_name="big.pdf", mime_type="application/pdf", size=21 * 1024 * 1024
    )
    for figure in report_figures():
        await chat.say(answer(figure, 0))
    await chat.say("A good year with many initiatives.")
    replies = await chat.engine.handle(chat._incoming(file=big), LocalFetcher())
    assert "larger than 20 MB" in "\n".join(r.text for r in replies)
    with world.session() as s:
        assert s.exec(select(Attachment)).first() is None


async def test_a_redelivered_file_is_fetched_and_kept_once(world: World, tmp_path: Path) -> None:
    from bot.messaging import IncomingFile

    class Counting(LocalFetcher):
        calls = 0

        async def fetch(self, file: IncomingFile, destination: Path) -> None:
            Counting.calls += 1
            await super().fetch(file, destination)

    chat = await linked_chat(world, language="en")
    await chat.say("/report")
    for figure in report_figures():
        await chat.say(answer(figure, 0))
    await chat.say("A good year with many initiatives.")
    pdf = _pdf(tmp_path)
    file = IncomingFile(
        file_id=str(pdf), file_name=pdf.name, mime_type="application/pdf", size=pdf.stat().st_size
    )
    incoming = chat._incoming(file=file, update_key="tg-file-1")
    assert await chat.engine.handle(incoming, Counting())
    assert await chat.engine.handle(incoming, Counting()) == []
    assert Counting.calls == 1
    with world.session() as s:
        assert len(list(s.exec(select(Attachment)))) == 1
