"""`coalesced`: a plain text and the question after it become one message, unless that would
lose a keyboard or an attachment or go over the channel's limit."""

from __future__ import annotations

from pathlib import Path

from bot.messaging import Choice, Reply, coalesced

MENU = (Choice("add", "Thêm người"), Choice("done", "Xong"))


def anything(reply: Reply) -> bool:
    return True


def test_a_text_joins_the_question_after_it() -> None:
    replies = [Reply("Đã thêm: Nguyễn Văn An."), Reply("Anh/chị muốn làm gì tiếp?", MENU)]
    assert coalesced(replies, anything) == [
        Reply("Đã thêm: Nguyễn Văn An.\n\nAnh/chị muốn làm gì tiếp?", MENU)
    ]


def test_several_texts_join_in_order() -> None:
    replies = [Reply("Một."), Reply("Hai."), Reply("Ba?", MENU)]
    assert coalesced(replies, anything) == [Reply("Một.\n\nHai.\n\nBa?", MENU)]


def test_an_empty_text_adds_no_blank_lines() -> None:
    assert coalesced([Reply("Đã lưu."), Reply("", MENU)], anything) == [Reply("Đã lưu.", MENU)]


def test_a_reply_with_choices_is_not_joined_to_the_next() -> None:
    replies = [Reply("Chọn?", MENU), Reply("Hoặc gửi /cancel.")]
    assert coalesced(replies, anything) == replies


def test_attachments_are_never_joined(tmp_path: Path) -> None:
    form = tmp_path / "mau.docx"
    with_document = [Reply("Biểu mẫu", document=form), Reply("Câu hỏi?", MENU)]
    before_photo = [Reply("Đây là ảnh:"), Reply("", photo=form)]
    assert coalesced(with_document, anything) == with_document
    assert coalesced(before_photo, anything) == before_photo


def test_a_join_over_the_limit_stays_two_messages() -> None:
    replies = [Reply("a" * 10), Reply("b" * 10, MENU)]
    assert coalesced(replies, lambda r: len(r.text) <= 21) == replies
    assert coalesced(replies, lambda r: len(r.text) <= 22) == [
        Reply("a" * 10 + "\n\n" + "b" * 10, MENU)
    ]


def test_nothing_to_join() -> None:
    assert coalesced([], anything) == []
    assert coalesced([Reply("Một.")], anything) == [Reply("Một.")]
