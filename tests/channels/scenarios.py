"""The officer's flows as data, written once and played on every channel.

A script is a list of actions (what the officer does) with the stable facts that must come
back: a receipt number pattern, a figure echoed in the Vietnamese style, the state /status
shows. `play` runs a script through a `Driver`, which knows how its channel delivers a text,
a choice and a file:

- Telegram presses the inline button whose callback data is the choice's key (checking the
  button shows the expected label) and uploads a document the bot downloads;
- Zalo and the console type the number printed before the label ("2"); Zalo cannot send
  documents, so a signed file goes as photos of its pages, then "Done".

Texts that differ by language are `L(vi=..., en=...)`; a plain string or a compiled regex is
the same fact in both languages. `Say`/`Choose` with `twice=True` deliver the same platform
update twice (webhook redelivery, retried poll): only one of the two may have an effect.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from bot.services.numbers import report_figures


@dataclass(frozen=True)
class L:
    """A text in each language; `{name}` placeholders are filled by `text(language, **kw)`."""

    vi: str
    en: str

    def text(self, language: str, **params: object) -> str:
        template = self.vi if language == "vi" else self.en
        return template.format(**params) if params else template


Check = str | L | re.Pattern[str]


@dataclass(frozen=True)
class Say:
    """The officer types `text` (a command, an answer, a code)."""

    text: str
    expect: tuple[Check, ...] = ()
    absent: tuple[Check, ...] = ()
    twice: bool = False


@dataclass(frozen=True)
class Choose:
    """The officer picks the choice `key`, shown as `label` (a button, or a numbered line)."""

    key: str
    label: L
    expect: tuple[Check, ...] = ()
    twice: bool = False


@dataclass(frozen=True)
class Upload:
    """The signed file: a document where the channel takes documents, else its pages as
    photos followed by "Done". `expect` is checked on what follows the complete upload."""

    name: str
    content: bytes
    mime: str
    pages: tuple[bytes, ...]
    expect: tuple[Check, ...] = ()


Action = Say | Choose | Upload


@dataclass
class Flow:
    """One officer flow: its name (for failure messages) and its actions."""

    name: str
    actions: list[Action]


class Driver(Protocol):
    """One channel as the officer sees it. Each method returns the texts of the bot's
    messages that answered (all of them, in order) and checks that a second delivery of
    the same update (`times=2`) had no effect."""

    takes_documents: bool
    language_from_platform: bool

    async def send_text(self, text: str, times: int = 1) -> list[str]: ...

    async def choose(self, key: str, label: str, last: list[str], times: int = 1) -> list[str]: ...

    async def send_document(self, name: str, content: bytes, mime: str) -> list[str]: ...

    async def send_photo(self, name: str, content: bytes) -> list[str]: ...


@dataclass
class Transcript:
    """Everything the bot answered, by flow, for the checks after a journey."""

    by_flow: dict[str, list[str]] = field(default_factory=dict)

    def text(self, flow: str | None = None) -> str:
        flows = [flow] if flow is not None else list(self.by_flow)
        return "\n".join(t for name in flows for t in self.by_flow.get(name, []))


# --------------------------------------------------------------------- shared texts

RECEIVED = L(vi="Đã nhận {name}", en="Received {name}")
RECEIVED_PAGE = L(vi="Đã nhận trang {count}", en="Received page {count}")
AS_DOCUMENT = L(vi="PDF, Word (.docx) hoặc Excel (.xlsx)", en="PDF, Word (.docx) or Excel (.xlsx)")
AS_PHOTOS = L(vi="Trên Zalo chỉ gửi được ảnh", en="On Zalo only photos can be sent")
DONE_KEY = "file:done"
DONE = L(vi="Xong: đã gửi đủ tệp", en="Done: the files are complete")
SUBMIT_NOW = L(vi="Nộp ngay", en="Submit now")
SUBMITTED = L(vi="Đã nộp. Số biên nhận", en="Submitted. Receipt number")
ENGLISH = L(vi="Từ giờ tôi sẽ trả lời bằng tiếng Việt", en="From now on I will write in English")
FAILURE = L(vi="hệ thống đang gặp lỗi", en="went wrong")

ITEMS = {
    "launch": L(vi="Văn bản phát động", en="Launch document"),
    "register": L(vi="Đăng ký danh hiệu thi đua", en="Title registration"),
    "report": L(vi="Báo cáo tổng kết năm", en="Year-end report"),
}
STATES = {
    "not started": L(vi="chưa bắt đầu", en="not started"),
    "submitted": L(vi="đã nộp", en="submitted"),
}
DUE = {"launch": "31/01/2026", "register": "15/04/2026", "report": "05/12/2026"}
PREFIX = {"launch": "PD", "register": "DK", "report": "BC"}


def receipt(item: str) -> re.Pattern[str]:
    return re.compile(rf"\b{PREFIX[item]}-\d{{4}}-\d{{6}}\b")


RECEIPT = re.compile(r"\b(?:DK|BC|PD)-\d{4}-\d{6}\b")


# ---------------------------------------------------------------------- the scripts


def link(code: str) -> Flow:
    """/start, a wrong code (asked again), the right code in lower case."""
    return Flow(
        "link",
        [
            Say(
                "/start",
                expect=(
                    L(vi="Chào mừng anh/chị đến với Thi đua Bot", en="Welcome to Thi đua Bot"),
                    L(vi="nhập mã mời", en="type your invite code"),
                ),
            ),
            Say(
                "ZZZZ-ZZZZ",
                expect=(
                    L(vi="Mã mời không đúng", en="This invite code is not valid"),
                    L(vi="nhập mã mời", en="type your invite code"),
                ),
                absent=(L(vi="Liên kết thành công", en="Linked."),),
            ),
            Say(
                code.lower(),
                expect=(
                    L(vi="Liên kết thành công", en="Linked."),
                    "Công ty Sao Mai",
                    "0100109106",
                    "/register",
                    "15/04/2026",
                ),
            ),
        ],
    )


def status(**states: str) -> Say:
    """/status, expecting each named item (launch, register, report) in the given state."""
    expect: list[Check] = [L(vi="Công ty Sao Mai trong", en="Công ty Sao Mai in")]
    for item, state in states.items():
        label, shown = ITEMS[item], STATES[state]
        expect.append(
            L(
                vi=f"{label.vi}: {shown.vi}, hạn nộp {DUE[item]}",
                en=f"{label.en}: {shown.en}, due {DUE[item]}",
            )
        )
        if state == "submitted":
            expect.append(receipt(item))
    return Say("/status", expect=tuple(expect))


def register() -> Flow:
    """An individual (Lao động tiên tiến), a collective, the review list, submit, receipt."""
    menu = L(vi="Anh/chị muốn làm gì tiếp?", en="What would you like to do?")
    return Flow(
        "register",
        [
            Say(
                "/register",
                expect=(
                    L(vi="Đăng ký danh hiệu thi đua năm 2026", en="Title registration for 2026"),
                    "15/04/2026",
                    L(vi="Đã đăng ký: 0 trường hợp", en="Registered so far: 0 entries"),
                ),
            ),
            Choose(
                "reg:add:ind",
                L(vi="Thêm cá nhân", en="Add a person"),
                expect=(L(vi="Họ và tên cá nhân", en="Full name of the person"),),
            ),
            Say(
                "12345",  # not a name: asked again, nothing kept
                expect=(
                    L(vi="phải có chữ cái", en="must contain letters"),
                    L(vi="Họ và tên cá nhân", en="Full name of the person"),
                ),
            ),
            Say(
                "Nguyễn Văn An",
                expect=(L(vi="Chức vụ của Nguyễn Văn An", en="Position of Nguyễn Văn An"),),
            ),
            Say(
                "Trưởng phòng Nhân sự",
                expect=(
                    L(
                        vi="Đăng ký danh hiệu thi đua hoặc hình thức khen thưởng nào cho "
                        "Nguyễn Văn An?",
                        en="Which emulation title or form of commendation do you register "
                        "Nguyễn Văn An for?",
                    ),
                ),
            ),
            Choose(
                "reg:t:LDTT",
                L(vi="Lao động tiên tiến", en="Advanced Worker"),
                expect=(
                    L(
                        vi="Đã thêm: Nguyễn Văn An (Trưởng phòng Nhân sự): Lao động tiên tiến.",
                        en="Added: Nguyễn Văn An (Trưởng phòng Nhân sự): Advanced Worker.",
                    ),
                    menu,
                ),
            ),
            Choose(
                "reg:add:col",
                L(vi="Thêm tập thể", en="Add a collective"),
                expect=(L(vi="Tên tập thể", en="Name of the collective"),),
            ),
            Say("Phòng Kỹ thuật", expect=("Phòng Kỹ thuật",)),
            Choose(
                "reg:t:TT_LDTT",
                L(vi="Tập thể lao động tiên tiến", en="Advanced Labour Collective"),
                expect=(
                    L(
                        vi="Đã thêm: Phòng Kỹ thuật [tập thể]: Tập thể lao động tiên tiến.",
                        en="Added: Phòng Kỹ thuật [collective]: Advanced Labour Collective.",
                    ),
                    L(vi="Đã đăng ký: 2 trường hợp", en="Registered so far: 2 entries"),
                ),
            ),
            Choose(
                "reg:list",
                L(vi="Xem, sửa hoặc xóa danh sách", en="See, fix or remove entries"),
                expect=(
                    L(vi="Bản đăng ký (2 trường hợp)", en="The registration (2 entries)"),
                    "Nguyễn Văn An",
                    "Phòng Kỹ thuật",
                ),
            ),
            Choose(
                "reg:menu", L(vi="Quay lại danh mục chính", en="Back to the menu"), expect=(menu,)
            ),
            Choose(
                "reg:submit",
                L(vi="Nộp bản đăng ký", en="Submit the registration"),
                expect=(
                    L(
                        vi="Bản đăng ký sẽ nộp (2 trường hợp)",
                        en="The registration to submit (2 entries)",
                    ),
                    L(vi="Nộp cho Văn phòng Ban ngay bây giờ?", en="Submit it to the board"),
                ),
            ),
            Choose(
                "reg:confirm",
                SUBMIT_NOW,
                expect=(SUBMITTED, receipt("register"), "10:00 12/01/2026"),
                twice=True,
            ),
        ],
    )


# Each figure as typed in the Vietnamese style, in the plain style, and as echoed back.
FIGURE_ANSWERS: dict[str, tuple[str, str, str]] = {
    "revenue": ("540.000", "540000", "540.000"),
    "growth": ("19,3", "19.3", "19,3%"),
    "industrial_output": ("1.250,5", "1250.5", "1.250,5"),
    "exports": ("24.200", "24200", "24.200"),
    "labour_productivity": ("1.150,25", "1150.25", "1.150,25"),
    "average_income": ("9,5", "9.5", "9,5"),
    "workers": ("1.250", "1250", "1.250"),
    "equipment_investment": ("85,75", "85.75", "85,75"),
    "taxes": ("15.000", "15000", "15.000"),
    "initiatives": ("12", "12", "12"),
    "iso9001": ("có", "yes", ""),
    "social_insurance": ("98,5", "98.5", "98,5%"),
    "accidents": ("0", "0", "0"),
}
YES = L(vi="Có", en="Yes")
NO = L(vi="Không", en="No")


def report(first_style: int, signed: Upload) -> Flow:
    """Every figure, alternating the Vietnamese (0) and plain (1) number styles from
    `first_style`, one answer that is not a number, the narrative, the file, submit."""
    figures = report_figures()
    missing = {f.code for f in figures} ^ set(FIGURE_ANSWERS)
    assert not missing, f"FIGURE_ANSWERS is out of step with report_figures.toml: {missing}"
    actions: list[Action] = [
        Say(
            "/report",
            expect=(
                L(vi="Báo cáo tổng kết năm 2026", en="Year-end report for 2026"),
                "05/12/2026",
                L(vi="Số liệu 1/", en="Figure 1 of"),
            ),
        )
    ]
    for index, figure in enumerate(figures):
        vi_style, plain, echo = FIGURE_ANSWERS[figure.code]
        label = L(vi=figure.label("vi"), en=figure.label("en"))
        if index == 1:
            actions.append(
                Say(
                    "mười",  # not a number: the same figure is asked again
                    expect=(L(vi=f"Số liệu {index + 1}/", en=f"Figure {index + 1} of"),),
                    absent=(L(vi="Đã ghi nhận", en="Noted:"),),
                )
            )
        if index == 0:
            # A magnitude far outside what the field can be asks Có/Không, offered as buttons
            # on Telegram and as numbered lines elsewhere (pressed or picked through them here).
            actions += [
                Say(
                    ("1.234.567", "1234567")[first_style % 2],
                    expect=(L(vi=f"Giữ {label.vi}: ", en=f"Keep {label.en}: "),),
                    absent=(L(vi="Đã ghi nhận", en="Noted:"),),
                ),
                Choose("rep:sure:no", NO, expect=(L(vi="Số liệu 1/", en="Figure 1 of"),)),
            ]
        noted = L(vi=f"Đã ghi nhận: {label.vi}: ", en=f"Noted: {label.en}: ")
        if figure.kind == "yes_no":
            actions.append(Choose("rep:yn:yes", YES, expect=(noted,)))
            continue
        typed = (vi_style, plain)[(index + first_style) % 2]
        unit = L(vi=figure.unit("vi"), en=figure.unit("en"))
        shown = L(vi=f"{noted.vi}{echo}", en=f"{noted.en}{echo}")
        if unit.vi and unit.vi != "%":
            shown = L(vi=f"{shown.vi} {unit.vi}.", en=f"{shown.en} {unit.en}.")
        actions.append(Say(typed, expect=(shown,)))
    actions += [
        Say(
            "Doanh nghiệp áp dụng 12 sáng kiến, duy trì ISO 9001 và không có tai nạn lao động.",
            expect=(L(vi="Đã ghi nhận tóm tắt thành tích", en="Noted the narrative"),),
        ),
        replace(
            signed,
            expect=(
                L(vi="Báo cáo tổng kết năm của đơn vị", en="Your year-end report"),
                L(vi="Doanh thu: 540.000 tỷ đồng", en="Revenue: 540.000 billion VND"),
                "19,3%",
                L(vi="Nộp cho Văn phòng Ban ngay bây giờ?", en="Submit it to the board"),
            ),
        ),
        Choose(
            "rep:submit",
            SUBMIT_NOW,
            expect=(SUBMITTED, receipt("report"), "10:00 12/01/2026"),
            twice=True,
        ),
    ]
    return Flow("report", actions)


def launch(document: Upload) -> Flow:
    """The file, a number, a wrong date then the right one, submit, receipt."""
    return Flow(
        "launch",
        [
            Say(
                "/launch",
                expect=(
                    L(vi="Văn bản phát động thi đua năm 2026", en="Launch document for 2026"),
                    "31/01/2026",
                ),
            ),
            replace(document, expect=(L(vi="Số văn bản", en="The number of the document"),)),
            Say("03/KH-CĐ", expect=(L(vi="Ngày ban hành văn bản", en="The date of the document"),)),
            Say(
                "32/01/2026",
                expect=(
                    L(
                        vi="Ngày 32/01/2026 không tồn tại: tháng 1 năm 2026 chỉ có 31 ngày.",
                        en="32/01/2026 does not exist: month 1 of 2026 has 31 days.",
                    ),
                ),
                absent=(L(vi="Đã ghi nhận", en="Noted:"),),
            ),
            Say(
                "8.1.2026",
                expect=(
                    L(
                        vi="Đã ghi nhận: văn bản số 03/KH-CĐ ngày 08/01/2026",
                        en="Noted: document 03/KH-CĐ of 08/01/2026",
                    ),
                ),
            ),
            Choose(
                "lau:submit",
                SUBMIT_NOW,
                expect=(SUBMITTED, receipt("launch"), "10:00 12/01/2026"),
                twice=True,
            ),
        ],
    )


def relaunch() -> Flow:
    """Before the due date: reopen the submitted launch document, keep the file, correct
    the number, keep the date ("="), submit again: a new receipt, the old one kept."""
    return Flow(
        "relaunch",
        [
            Say(
                "/launch",
                expect=(receipt("launch"), L(vi="Mở lại để sửa", en="Reopen and change")),
            ),
            Choose(
                "item:reopen",
                L(vi="Mở lại để sửa", en="Reopen and change"),
                expect=(
                    L(vi="Đã mở lại", en="Reopened: a draft is open"),
                    L(vi="Đã nhận (1):", en="Already received (1):"),
                ),
            ),
            Choose(DONE_KEY, DONE, expect=("03/KH-CĐ",)),
            Say("05/KH-CĐ", expect=("08/01/2026",)),
            Say(
                "=",
                expect=(
                    L(
                        vi="Đã ghi nhận: văn bản số 05/KH-CĐ ngày 08/01/2026",
                        en="Noted: document 05/KH-CĐ of 08/01/2026",
                    ),
                ),
            ),
            Choose("lau:submit", SUBMIT_NOW, expect=(SUBMITTED, receipt("launch"))),
        ],
    )


def journey(code: str, language: str, report_file: Upload, launch_file: Upload) -> list[Flow]:
    """The officer's whole part of the campaign, /status after each flow (the launch
    document is submitted, then reopened and submitted again). The number styles
    swap between the languages, so across vi and en every figure is typed both ways."""
    return [
        link(code),
        Flow(
            "status", [status(launch="not started", register="not started", report="not started")]
        ),
        register(),
        Flow("status", [status(register="submitted", report="not started")]),
        report(0 if language == "vi" else 1, report_file),
        Flow("status", [status(register="submitted", report="submitted")]),
        launch(launch_file),
        relaunch(),
        Flow("status", [status(launch="submitted", register="submitted", report="submitted")]),
    ]


# ------------------------------------------------------------------------- playing


def _fact(check: Check, language: str) -> str | re.Pattern[str]:
    return check.text(language) if isinstance(check, L) else check


def _found(fact: str | re.Pattern[str], text: str) -> bool:
    return bool(fact.search(text)) if isinstance(fact, re.Pattern) else fact in text


def verify(action: Action, texts: Sequence[str], language: str, flow: str) -> None:
    """Every expected fact is in the bot's answer, no absent one is, and nothing failed."""
    text = "\n".join(texts)
    where = f"[{flow}] {action!r}\n--- the bot answered ---\n{text}"
    assert texts, f"no answer to {where}"
    for check in action.expect:
        fact = _fact(check, language)
        assert _found(fact, text), f"missing {fact!r} in the answer to {where}"
    for check in getattr(action, "absent", ()):
        fact = _fact(check, language)
        assert not _found(fact, text), f"unexpected {fact!r} in the answer to {where}"
    assert FAILURE.text(language) not in text, where


async def perform(driver: Driver, action: Action, language: str, last: list[str]) -> list[str]:
    """Deliver one action through the driver; returns the bot's answer."""
    if isinstance(action, Say):
        return await driver.send_text(action.text, times=2 if action.twice else 1)
    if isinstance(action, Choose):
        times = 2 if action.twice else 1
        return await driver.choose(action.key, action.label.text(language), last, times)
    # The question before tells how a file travels on this channel.
    how = (AS_DOCUMENT if driver.takes_documents else AS_PHOTOS).text(language)
    assert how in "\n".join(last), (how, last)
    if driver.takes_documents:
        texts = await driver.send_document(action.name, action.content, action.mime)
        received = RECEIVED.text(language, name=action.name)
        assert received in texts[0], (received, texts)
        return texts
    stem = action.name.rsplit(".", 1)[0]
    for number, page in enumerate(action.pages, start=1):
        texts = await driver.send_photo(f"{stem}-trang-{number}.jpg", page)
        received = RECEIVED_PAGE.text(language, count=number)
        assert received in texts[0], (received, texts)
        last = texts
    return await driver.choose(DONE_KEY, DONE.text(language), last)


async def play(driver: Driver, flows: Sequence[Flow], language: str) -> Transcript:
    """Play the flows in order, checking every answer; returns what the bot said."""
    transcript = Transcript()
    last: list[str] = []
    if not driver.language_from_platform and language != "vi":
        last = await driver.send_text(f"/language {language}")
        assert ENGLISH.text(language) in last[0], last
    for flow in flows:
        said = transcript.by_flow.setdefault(flow.name, [])
        for action in flow.actions:
            last = await perform(driver, action, language, last)
            verify(action, last, language, flow.name)
            said.extend(last)
    return transcript
