"""/register end to end through the engine, in English and Vietnamese."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.messaging import numbered
from bot.models import Receipt, RegistrationEntry, Submission, SubmissionStatus
from bot.services import submissions as subs
from bot.services.acts import Act
from bot.services.titles import catalogue
from conversations.common import picked_numbers
from conversations.flows import register as reg
from tests.conversations.conftest import Chat, World, linked_chat
from tests.values import present

TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller


def _entries(world: World) -> list[RegistrationEntry]:
    with world.session() as s:
        return list(s.exec(select(RegistrationEntry).order_by(col(RegistrationEntry.id))))


def _submission(world: World) -> Submission | None:
    with world.session() as s:
        return s.exec(select(Submission)).first()


async def _add_person(chat: Chat, name: str, position: str, title: str) -> str:
    await chat.press(reg.ADD_PERSON)
    await chat.say(name)
    await chat.say(position)
    return await chat.press(f"reg:t:{title}")


async def test_register_add_review_fix_remove_submit_in_english(world: World) -> None:
    chat = await linked_chat(world, language="en")
    out = await chat.say("/register")
    assert "Title registration" in out and "15/04/2026" in out
    assert reg.ADD_PERSON in chat.choice_keys()

    out = await _add_person(chat, "Nguyễn Văn An", "HR manager", "LDTT")
    assert "Added: Nguyễn Văn An (HR manager): Advanced Worker" in out
    # a collective, by typing the numbers shown
    await chat.say("2")
    await chat.say("Phòng Kỹ thuật")
    out = await chat.say("1")
    assert "Added: Phòng Kỹ thuật" in out and "Advanced Labour Collective" in out
    # a CSTĐ cơ sở without LĐTT: the rule is explained in plain words
    await chat.press(reg.ADD_PERSON)
    await chat.say("Trần Thị Bình")
    await chat.say("Team leader")
    out = await chat.press("reg:t:CSTD_CS")
    assert "initiative" in out and chat.choice_keys() == ["reg:init:yes", "reg:init:no"]
    out = await chat.say("maybe")
    assert "Please answer yes or no" in out
    assert len(_entries(world)) == 2
    out = await chat.say("yes")
    assert "Note:" in out and "needs Advanced Worker" in out
    assert "Register Trần Thị Bình for Advanced Worker too?" in out
    assert len(_entries(world)) == 3
    await chat.press("reg:req:no")

    out = await chat.press(reg.RULES)
    assert "at most 15% of the Advanced Worker entries" in out

    out = await chat.press(reg.SUBMIT)
    assert "cannot be submitted yet" in out and reg.CONFIRM not in chat.choice_keys()
    await chat.press(reg.MENU)

    # fix: change Bình's title to LĐTT, then remove the collective
    await chat.press(reg.LIST)
    bình = _entries(world)[2]
    await chat.press(f"reg:e:{bình.id}")
    await chat.press(reg.FIX_TITLE)
    out = await chat.press("reg:t:LDTT")
    assert "Changed: Trần Thị Bình (Team leader): Advanced Worker" in out
    unit = _entries(world)[1]
    await chat.press(f"reg:e:{unit.id}")
    await chat.press(reg.REMOVE)
    out = await chat.press("reg:rm:yes")
    assert "Removed: Phòng Kỹ thuật" in out
    assert [e.full_name for e in _entries(world)] == ["Nguyễn Văn An", "Trần Thị Bình"]

    await chat.press(reg.MENU)
    out = await chat.press(reg.SUBMIT)
    assert "Submit it to the board office now?" in out
    out = await chat.press(reg.CONFIRM)
    assert "Receipt number DK-2026-" in out and "10:00 10/03/2026" in out
    sub = _submission(world)
    assert sub is not None and sub.status == SubmissionStatus.SUBMITTED

    out = await chat.say("/status")
    assert "Title registration: submitted, due 15/04/2026" in out and "DK-2026-" in out


async def test_register_in_vietnamese_and_reopen_gives_a_new_receipt(world: World) -> None:
    chat = await linked_chat(world)
    out = await chat.say("/register")
    assert "Đăng ký danh hiệu thi đua" in out and "Thêm cá nhân" in chat.last[-1].choices[0].label
    await _add_person(chat, "Lê Văn Cường", "Công nhân", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "Đã nộp. Số biên nhận DK-2026-" in out

    out = await chat.say("/register")
    assert "Mở lại để sửa" in [c.label for c in chat.last[-1].choices]
    out = await chat.press("item:leave")
    assert "Không có thay đổi" in out
    await chat.say("/register")
    out = await chat.press("item:reopen")
    assert "Đã mở lại" in out
    await _add_person(chat, "Phạm Thị Dung", "Kế toán", "LDTT")
    await chat.press(reg.SUBMIT)
    out = await chat.press(reg.CONFIRM)
    assert "Đã nộp" in out
    with world.session() as s:
        receipts = list(s.exec(select(Receipt).order_by(col(Receipt.version))))
    assert [r.version for r in receipts] == [1, 2]
    assert receipts[0].number != receipts[1].number
    assert len(receipts[0].snapshot["entries"]) == 1 and len(receipts[1].snapshot["entries"]) == 2


async def test_invalid_answers_change_nothing(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    out = await chat.say("hello")
    assert "Please choose one of the options" in out
    await chat.press(reg.ADD_PERSON)
    for bad in ("12345", "   ", "x" * 300):
        out = await chat.say(bad)
        assert "Full name of the person" in out
    await chat.say("Võ Thị Én")
    out = await chat.say("!!!")
    assert "must contain letters" in out
    await chat.say("Engineer")
    out = await chat.say("99")
    assert "choose an emulation title or a form of commendation from the list" in out
    out = await chat.press("reg:t:TT_LDTT")  # a collective title: not offered to a person
    assert "earlier question" in out
    assert _entries(world) == []
    out = await chat.say("/back")
    assert "Position of Võ Thị Én" in out
    await chat.say("Engineer")
    await chat.say("1")
    assert len(_entries(world)) == 1


async def test_registration_is_locked_after_the_deadline(world: World) -> None:
    chat = await linked_chat(world, language="en")
    world.clock.now = datetime(2026, 4, 15, 10, 0, tzinfo=UTC)
    await chat.say("/register")
    await _add_person(chat, "Đỗ Văn Giang", "Driver", "LDTT")
    world.clock.now = datetime(2026, 4, 15, 16, 59, tzinfo=UTC)  # 23:59 on the due date
    out = await chat.press(reg.ADD_PERSON)
    assert "Full name" in out
    world.clock.now = datetime(2026, 4, 15, 17, 1, tzinfo=UTC)  # 00:01 on 16/04 in Hà Nội
    out = await chat.say("Someone Late")
    assert "due on 15/04/2026" in out and "closed" in out and "BQL các KCN" in out
    assert len(_entries(world)) == 1
    out = await chat.say("/register")
    assert "closed" in out
    out = await chat.say("/status")
    assert "OVERDUE" in out and "closed since the due date" in out


async def test_many_people_at_once_and_the_list_in_pages(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.press(reg.ADD_MANY)
    assert "reg:t:CSTD_CS" not in chat.choice_keys()  # needs an initiative: one by one
    await chat.press("reg:t:LDTT")
    people = "\n".join(f"Công nhân Số {i}, Thợ may" for i in range(1, 24))
    out = await chat.say(people + "\nno position here\n123, 456")
    assert "Lines 24, 25 are not in the form" in out and _entries(world) == []
    out = await chat.say(people)
    assert "Added 23 people for Advanced Worker" in out
    assert len(_entries(world)) == 23
    await chat.press(reg.LIST)
    assert "Entries 1 to 10" in chat.text()
    assert reg.NEXT in chat.choice_keys() and reg.PREVIOUS not in chat.choice_keys()
    await chat.press(reg.NEXT)
    await chat.press(reg.NEXT)
    assert "Entries 21 to 23" in chat.text() and reg.NEXT not in chat.choice_keys()
    assert "Số 23" in chat.text() or any("Số 23" in c.label for r in chat.last for c in r.choices)
    # Numbering continues across pages: a channel without buttons shows entry 21 as "21.",
    # the page controls after the last entry, and a typed number means the same on every page.
    shown = numbered(chat.last[-1].text, chat.last[-1].choices)
    assert "\n21. Công Nhân Số 21" in shown and "\n23. Công Nhân Số 23" in shown
    assert "\n24. Previous page\n25. Back to the menu" in shown
    assert "\n1. " not in shown
    out = await chat.say("1")  # a place in the whole list: entry 1, even from page 3
    assert out.startswith("Entry: Công Nhân Số 1 (")
    await chat.press(reg.LIST)
    await chat.press(reg.NEXT)
    await chat.press(reg.NEXT)
    await chat.say("24")  # previous page
    shown = numbered(chat.last[-1].text, chat.last[-1].choices)
    assert "Entries 11 to 20" in shown and "\n11. Công Nhân Số 11" in shown
    assert "\n20. Công Nhân Số 20 " in shown
    assert "\n24. Previous page\n25. Next page\n26. Back to the menu" in shown
    out = await chat.say("11")
    assert "Công Nhân Số 11" in out and "Công Nhân Số 1," not in out
    await chat.press(reg.LIST)
    await chat.say("25")  # next page: 21 to 23
    out = await chat.say("21")
    assert "Công Nhân Số 21" in out  # names are kept with each word capitalised
    await chat.press(reg.LIST)
    await chat.press(reg.MENU)
    await chat.press(reg.ADD_MANY)
    await chat.press("reg:t:GIAY_KHEN")
    await chat.say("Lê Văn Tám, Tổ trưởng")
    out = await chat.press(reg.SUBMIT)
    # counted under the law's two headings
    assert "Emulation titles:\n- Advanced Worker: 23\nForms of commendation:\n- Certificate" in out
    out = await chat.press(reg.CONFIRM)
    assert "Receipt number" in out


def test_picked_numbers_reads_lists_and_ranges() -> None:
    assert picked_numbers("1, 3") == [1, 3]
    assert picked_numbers("1 3") == [1, 3]
    assert picked_numbers("1-3") == [1, 2, 3]
    assert picked_numbers(" 2 – 4; 7 và 9, 3 ") == [2, 3, 4, 7, 9]
    assert picked_numbers("5") == [5]
    for text in ("", "1,", "a, b", "3-1", "1-100000", "1, 3 people", "-2"):
        assert picked_numbers(text) is None, text


async def test_several_entries_removed_at_once_by_their_numbers(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.press(reg.ADD_MANY)
    await chat.press("reg:t:LDTT")
    await chat.say("\n".join(f"Người Số {i}, Kỹ sư" for i in range(1, 7)))
    out = await chat.press(reg.LIST)
    assert "type their numbers: 1, 3 or 2-5" in out
    out = await chat.say("2, 9")
    assert "There is no entry 9: the list has 6 entries." in out and len(_entries(world)) == 6
    out = await chat.say("1-2")
    assert "Remove these 2 entries?" in out and "- Người Số 2 (Kỹ sư)" in out
    out = await chat.say("Không")
    assert len(_entries(world)) == 6 and "Choose an entry" in out
    out = await chat.say("1 3")
    assert "- Người Số 1 (" in out and "- Người Số 3 (" in out and "Số 2 (" not in out
    out = await chat.press("reg:rmn:yes")
    assert "Removed 2 entries." in out
    names = [e.full_name for e in _entries(world)]
    assert names == ["Người Số 2", "Người Số 4", "Người Số 5", "Người Số 6"]
    await chat.say("2-4")
    out = await chat.say("1")  # "Yes", the first choice, typed by its number
    assert "Removed 3 entries." in out
    assert [e.full_name for e in _entries(world)] == ["Người Số 2"]


def test_split_person_accepts_the_usual_separators() -> None:
    assert reg.split_person("Nguyễn Văn An, Tổ trưởng") == ("Nguyễn Văn An", "Tổ trưởng")
    assert reg.split_person("Nguyễn Văn An, Tổ trưởng, ca 2") == (
        "Nguyễn Văn An",
        "Tổ trưởng, ca 2",
    )
    assert reg.split_person("Lê Thị Hà\tKế toán") == ("Lê Thị Hà", "Kế toán")
    assert reg.split_person("Lê Thị Hà - Kế toán") == ("Lê Thị Hà", "Kế toán")
    assert reg.split_person("Lê Thị Hà") is None
    assert reg.split_person("Lê Thị Hà, ") is None


async def test_a_title_that_needs_another_offers_to_add_it(world: World) -> None:
    chat = await linked_chat(world, language="en")
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    await chat.say("Mai Văn Sơn")
    await chat.say("Engineer")
    await chat.press("reg:t:CSTD_TINH")
    out = await chat.say("có")
    assert "Register Mai Văn Sơn for Grassroots Emulation Fighter too?" in out
    out = await chat.say("1")
    assert "Added: Mai Văn Sơn (Engineer): Grassroots Emulation Fighter" in out
    assert "Register Mai Văn Sơn for Advanced Worker too?" in out
    out = await chat.press("reg:req:yes")
    assert "Added: Mai Văn Sơn (Engineer): Advanced Worker" in out
    assert "What would you like to do?" in out
    assert sorted(e.title_code for e in _entries(world)) == ["CSTD_CS", "CSTD_TINH", "LDTT"]
    assert all(e.has_initiative for e in _entries(world) if e.title_code != "LDTT")


def test_a_bulk_list_is_one_person_a_line_or_semicolons_between_people() -> None:
    typed = "Lê Văn Cường, Công nhân; Phạm Thị Dung, Tổ trưởng; Hoàng Văn Em, Kỹ sư\nAn, Kế toán"
    assert [reg.split_person(p) for p in reg.split_people(typed)] == [
        ("Lê Văn Cường", "Công nhân"),
        ("Phạm Thị Dung", "Tổ trưởng"),
        ("Hoàng Văn Em", "Kỹ sư"),
        ("An", "Kế toán"),
    ]


async def test_three_people_on_one_line_are_three_entries(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_MANY)
    await chat.press("reg:t:LDTT")
    out = await chat.say("Lê Văn Cường, Công nhân; Phạm Thị Dung, Tổ trưởng; hoàng  văn em , Kỹ sư")
    assert "3" in out
    names = sorted(e.full_name for e in _entries(world))
    assert names == ["Hoàng Văn Em", "Lê Văn Cường", "Phạm Thị Dung"]


async def test_a_title_picked_by_typing_its_label_without_diacritics(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    await chat.say("  nguyễn   văn an ")
    await chat.say("Kỹ sư")
    out = await chat.say("lao dong tien tien")
    assert "Đã thêm: Nguyễn Văn An (Kỹ sư): Lao động tiên tiến." in out
    [entry] = _entries(world)
    assert entry.full_name == "Nguyễn Văn An" and entry.title_code == "LDTT"


async def test_names_refuse_emoji_and_one_person_keeps_one_name(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    out = await chat.say("Nguyễn Văn An 😀")
    assert "không được chứa biểu tượng cảm xúc" in out
    with world.session() as s:
        sub = s.exec(select(Submission)).one()
        first = subs.add_entry(
            s,
            sub,
            act=Act(world.clock.now, TZ),
            nominee="individual",
            full_name="trần thị bình",
            position="Kế toán",
            title_code="LDTT",
        )
        second = subs.add_entry(
            s,
            sub,
            act=Act(world.clock.now, TZ),
            nominee="individual",
            full_name="Trần Thị Bình",
            position="Kế toán",
            title_code="CSTD_CS",
            has_initiative=True,
        )
        subs.update_entry(
            s, sub, present(second.id), Act(world.clock.now, TZ), full_name="Trần Thị Bích"
        )
        s.commit()
        names = {e.id: e.full_name for e in s.exec(select(RegistrationEntry)).all()}
    assert names[first.id] == names[second.id] == "Trần Thị Bích"


async def test_an_unknown_command_mid_flow_asks_the_question_again(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    out = await chat.say("/khongco")
    assert "/khongco" in out and "Họ và tên" in out


async def test_the_rules_screen_states_each_condition_with_its_article(world: World) -> None:
    """Danh hiệu thi đua and hình thức khen thưởng under their own headings, each title with
    every condition of titles.toml and the article it comes from, in the reader's language."""
    screens: dict[str, str] = {}
    for user, language in (("u1", "vi"), ("u2", "en")):
        chat = await linked_chat(world, user, language)
        await chat.say("/register")
        await chat.press(reg.RULES)
        titles_text, forms_text = chat.last[0].text, chat.last[1].text
        heading_titles, heading_forms = (
            ("DANH HIỆU THI ĐUA", "HÌNH THỨC KHEN THƯỞNG")
            if language == "vi"
            else ("EMULATION TITLES", "FORMS OF COMMENDATION")
        )
        assert heading_titles in titles_text and heading_forms not in titles_text
        assert forms_text.startswith(heading_forms)
        word = "Tiêu chuẩn" if language == "vi" else "Conditions"
        for title in catalogue():
            text, other = (
                (forms_text, titles_text) if title.is_commendation else (titles_text, forms_text)
            )
            start = f"• {title.name(language)} ("
            assert start in text and start not in other
            block = text.split(start, 1)[1].split("\n• ", 1)[0]
            assert f"{word} ({title.basis(language)}):" in block, block
            for condition in title.conditions(language):
                assert f"  - {condition}" in block, (title.code, block)
        assert reg.ADD_PERSON in chat.choice_keys()  # the menu is asked again after the screens
        screens[language] = titles_text

    # The Vietnamese reads as the law: the article, the 50% and the discipline clause.
    text = screens["vi"]
    assert (
        "• Tập thể lao động tiên tiến (tập thể)\n"
        "  Tiêu chuẩn (khoản 1 Điều 28 Luật Thi đua, khen thưởng 2022):\n"
        "  - a) Hoàn thành tốt nhiệm vụ được giao;\n"
    ) in text, text
    assert (
        "  - c) Có trên 50% cá nhân trong tập thể đạt danh hiệu “Lao động tiên tiến” và không có "
        "cá nhân bị kỷ luật từ hình thức cảnh cáo trở lên;"
    ) in text
    xuat_sac = text.split("• Tập thể lao động xuất sắc", 1)[1].split("\n• ", 1)[0]
    assert "ít nhất là 70% cá nhân đạt danh hiệu “Lao động tiên tiến”" in xuat_sac
    assert "không có cá nhân bị kỷ luật từ hình thức cảnh cáo trở lên" in xuat_sac
    # What the bot checks comes first, the 15% cap with what it means in people and its basis.
    co_so = text.split("• Chiến sĩ thi đua cơ sở", 1)[1].split("\n• ", 1)[0]
    assert (
        "Hệ thống tự kiểm tra: phải đồng thời đăng ký Lao động tiên tiến cho chính người đó; "
        "phải có sáng kiến được công nhận; không quá 15% số Lao động tiên tiến, tức là mỗi Chiến "
        "sĩ thi đua cơ sở cần ít nhất 7 Lao động tiên tiến trong bản đăng ký (căn cứ: Nghị định "
        "98/2023/NĐ-CP"
    ) in co_so, co_so
    assert "Tiêu chuẩn (Điều 23 Luật Thi đua, khen thưởng 2022):" in co_so
    assert "Article 28(1), Law on Emulation and Commendation 2022" in screens["en"]


async def test_a_title_question_says_which_are_titles_and_which_forms(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_PERSON)
    await chat.say("Nguyễn Thị Hoa")
    out = await chat.say("Công nhân")
    assert "Đăng ký danh hiệu thi đua hoặc hình thức khen thưởng nào cho Nguyễn Thị Hoa?" in out
    assert "(danh hiệu thi đua: 1–4; hình thức khen thưởng: 5–7)" in out
    labels = [c.label for c in chat.last[-1].choices]
    assert labels[:4] == [
        "Lao động tiên tiến",
        "Chiến sĩ thi đua cơ sở",
        "Chiến sĩ thi đua cấp tỉnh",
        "Chiến sĩ thi đua toàn quốc",
    ]
    assert labels[4].startswith("Giấy khen") and labels[5].startswith("Bằng khen")
    out = await chat.say("5")  # a form of commendation, picked by its number
    assert "Đã thêm: Nguyễn Thị Hoa (Công nhân): Giấy khen của Trưởng ban" in out
    # a collective: four titles, then the three forms
    await chat.press(reg.ADD_UNIT)
    out = await chat.say("Tổ may số 3")
    assert "(danh hiệu thi đua: 1–4; hình thức khen thưởng: 5–7)" in out
    await chat.say("1")
    # several people at once: only what needs no initiative (LĐTT, then the forms)
    out = await chat.press(reg.ADD_MANY)
    assert "(danh hiệu thi đua: 1; hình thức khen thưởng: 2–4)" in out


async def test_the_fifteen_percent_cap_in_people_through_the_chat(world: World) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await chat.press(reg.ADD_MANY)
    await chat.press("reg:t:LDTT")
    await chat.say("\n".join(f"Công nhân {i}, Công nhân" for i in range(1, 7)))
    await _add_person(chat, "Công nhân 1", "Công nhân", "CSTD_CS")
    out = await chat.say("có")
    out = await chat.press(reg.SUBMIT)
    assert (
        "Chiến sĩ thi đua cơ sở không quá 15% số Lao động tiên tiến: với 6 Lao động tiên tiến, "
        "chưa được đăng ký Chiến sĩ thi đua cơ sở nào; bản đăng ký này có 1. Tính theo người: "
        "mỗi Chiến sĩ thi đua cơ sở cần ít nhất 7 Lao động tiên tiến trong bản đăng ký"
    ) in out, out
    assert reg.CONFIRM not in chat.choice_keys()
    # one more LĐTT makes 7: the registration can be submitted
    await chat.press(reg.MENU)
    await _add_person(chat, "Công nhân 7", "Công nhân", "LDTT")
    await chat.press(reg.SUBMIT)
    assert reg.CONFIRM in chat.choice_keys()


async def test_a_person_already_registered_for_a_title_is_told_before_the_initiative(
    world: World,
) -> None:
    chat = await linked_chat(world)
    await chat.say("/register")
    await _add_person(chat, "Đỗ Văn Hùng", "Kỹ sư", "CSTD_CS")
    await chat.say("có")
    await chat.press("reg:req:yes")  # and Lao động tiên tiến, as the rule needs
    assert len(_entries(world)) == 2
    await chat.press(reg.ADD_PERSON)
    await chat.say("đỗ văn  hùng")
    await chat.say("Kỹ sư")
    out = await chat.press("reg:t:CSTD_CS")
    assert "Đỗ Văn Hùng đã được đăng ký Chiến sĩ thi đua cơ sở." in out
    assert "Đăng ký danh hiệu thi đua hoặc hình thức khen thưởng nào cho" in out
    assert "sáng kiến" not in out and len(_entries(world)) == 2
    out = await chat.press("reg:t:GIAY_KHEN")  # another one is added at once
    assert "Đã thêm: Đỗ Văn Hùng (Kỹ sư): Giấy khen của Trưởng ban." in out
