"""The e-mail Sender against a real SMTP server on 127.0.0.1: what arrives (headers, RFC 2047
subject, plain text + HTML, clickable links, footer, attachment) and what each SMTP answer
becomes for the outbox (bounce → Unreachable, 4xx or no server → TransientError)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.email import EmailSender, Letterhead, SmtpConfig, subject_of
from bot.i18n import Translator
from bot.messaging import Reply, TransientError, Unreachable
from bot.services.chat_links import BotNames, email_footer
from tests.fakes.smtp_server import Mailbox, free_port, smtp_server

BOARD = "Ban Quản lý các KCN tỉnh Bắc Giang"
NAMES = BotNames(telegram="ThiDuaBacGiangBot", zalo="Thi đua KCN Bắc Giang")


@pytest.fixture
def server() -> Iterator[tuple[Mailbox, int]]:
    with smtp_server() as running:
        yield running


def _sender(port: int) -> EmailSender:
    config = SmtpConfig(
        host="127.0.0.1", port=port, security="none", from_address="thidua@bqlkcn.bacgiang.vn"
    )
    footer = email_footer(Translator("vi"), BOARD, NAMES)
    return EmailSender(config, lambda address: Letterhead(board=BOARD, footer=footer))


async def test_a_vietnamese_message_arrives_whole(
    server: tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox, port = server
    document = tmp_path / "ke-hoach.pdf"
    document.write_bytes(b"%PDF-1.4\n%test\n")
    text = (
        "Thông báo: hạn đăng ký danh hiệu thi đua là ngày 15/04/2025\n\n"
        "Xem kế hoạch tại https://bqlkcn.bacgiang.gov.vn/ke-hoach-2025.\n"
        "Trân trọng."
    )
    await _sender(port).send("nhansu@congtya.vn", Reply(text, document=document))

    (mail,) = mailbox.to("nhansu@congtya.vn")
    assert mail.mail_from == "thidua@bqlkcn.bacgiang.vn"
    raw_headers = mail.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    # Vietnamese headers travel RFC 2047-encoded (pure ASCII on the wire) ...
    assert "=?utf-8?" in raw_headers.lower()
    message = mail.message
    # ... and decode back to the words written.
    assert message["Subject"] == "Thông báo: hạn đăng ký danh hiệu thi đua là ngày 15/04/2025"
    assert message["From"].addresses[0].display_name == BOARD
    assert message["From"].addresses[0].addr_spec == "thidua@bqlkcn.bacgiang.vn"
    assert message["To"] == "nhansu@congtya.vn"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@bqlkcn.bacgiang.vn>")

    plain = mail.body("plain")
    assert "Xem kế hoạch tại https://bqlkcn.bacgiang.gov.vn/ke-hoach-2025." in plain
    assert "\n-- \n" in plain
    assert "chưa liên kết tài khoản Telegram hoặc Zalo" in plain
    assert "@ThiDuaBacGiangBot" in plain and "“Thi đua KCN Bắc Giang”" in plain
    html = mail.body("html")
    assert (
        '<a href="https://bqlkcn.bacgiang.gov.vn/ke-hoach-2025">'
        "https://bqlkcn.bacgiang.gov.vn/ke-hoach-2025</a>." in html
    )
    assert "hạn đăng ký danh hiệu thi đua" in html
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "ke-hoach.pdf"
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == b"%PDF-1.4\n%test\n"


async def test_a_bounce_is_unreachable_and_a_deferral_transient(
    server: tuple[Mailbox, int],
) -> None:
    mailbox, port = server
    mailbox.refuse.add("khongton@congtya.vn")
    mailbox.defer.add("day@congtyb.vn")
    sender = _sender(port)
    with pytest.raises(Unreachable, match="550"):
        await sender.send("khongton@congtya.vn", Reply("Thông báo"))
    with pytest.raises(TransientError, match="451"):
        await sender.send("day@congtyb.vn", Reply("Thông báo"))
    assert mailbox.received == []


async def test_no_server_is_transient() -> None:
    with pytest.raises(TransientError, match="SMTP unavailable"):
        await _sender(free_port()).send("a@b.vn", Reply("x"))


def test_subject_is_the_first_line_cut_on_a_word() -> None:
    assert subject_of("\n\n  Nhắc hạn nộp báo cáo  \nchi tiết") == "Nhắc hạn nộp báo cáo"
    long = "Ban Quản lý " + "các khu công nghiệp " * 10
    cut = subject_of(long)
    assert cut.endswith("…") and len(cut) <= 111 and not cut[:-1].endswith(" ")
