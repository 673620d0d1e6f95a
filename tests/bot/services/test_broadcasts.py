"""Broadcast audiences, the outbox rows a broadcast writes, and its delivery status."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from bot.i18n import Translator
from bot.models import (
    AuditEntry,
    Broadcast,
    Contact,
    DeadlineKind,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Submission,
    SubmissionStatus,
)
from bot.notifications.facts import Gone
from bot.notifications.render import render_deliveries
from bot.services.access import AccessDenied, InvalidInput, NotFound, Scope
from bot.services.acts import Act
from bot.services.broadcasts import (
    Audience,
    AudienceKind,
    audience_choices,
    broadcast_status,
    create_broadcast,
    describe_audience,
    render_broadcast_status_text,
    resolve_audience,
)
from tests.bot.services.test_progress import World, build_world, leader_scope

NOW = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")  # the board's time zone, handed in by the caller


def _names(contacts: list[Contact]) -> list[str]:
    return [c.display_name for c in contacts]


def _officers(w: World, *keys: str) -> list[int]:
    return [w.officers[k] for k in keys]


def test_audiences_of_the_board(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        board = Scope.board(w.org)

        def resolve(audience: Audience) -> list[str]:
            return _names(resolve_audience(session, w.org, audience, board, email=False))

        # Unreachable (E4, E5b), unlinked, inactive-enterprise (E7) and other-board (B1)
        # contacts are never recipients.
        assert resolve(Audience.everyone()) == ["Cán bộ E1", "Cán bộ E2", "Cán bộ E3", "Cán bộ E5a"]
        assert resolve(Audience.zone(w.z1)) == ["Cán bộ E1", "Cán bộ E2", "Cán bộ E5a"]
        assert resolve(Audience.zone(w.z2)) == ["Cán bộ E3"]
        assert resolve(Audience.cluster(w.c1)) == ["Cán bộ E1", "Cán bộ E2", "Cán bộ E3"]
        assert resolve(Audience.cluster(w.c2)) == ["Cán bộ E5a"]
        # Not yet submitted = nothing, a draft, or returned for fixes (the same definition as
        # the missing list; returned items used to be left out). E3's launch document was
        # returned, E5's year-end report too; E4's draft officer is unreachable.
        assert resolve(Audience.not_submitted(w.campaign, "launch_document")) == [
            "Cán bộ E3",
            "Cán bộ E5a",
        ]
        assert resolve(Audience.not_submitted(w.campaign, "year_end_report")) == [
            "Cán bộ E2",
            "Cán bộ E3",
            "Cán bộ E5a",
        ]


def test_a_cluster_leader_never_reaches_another_cluster(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        leader = leader_scope(w)

        def resolve(audience: Audience) -> list[str]:
            return _names(resolve_audience(session, w.org, audience, leader, email=False))

        assert resolve(Audience.everyone()) == ["Cán bộ E1", "Cán bộ E2", "Cán bộ E3"]
        assert resolve(Audience.zone(w.z1)) == ["Cán bộ E1", "Cán bộ E2"]  # not E5 (cluster 2)
        assert resolve(Audience.cluster(w.c1)) == ["Cán bộ E1", "Cán bộ E2", "Cán bộ E3"]
        # The returned E5 (cluster 2) stays outside the leader's not-submitted audience.
        assert resolve(Audience.not_submitted(w.campaign, "year_end_report")) == [
            "Cán bộ E2",
            "Cán bộ E3",
        ]
        with pytest.raises(AccessDenied):
            resolve(Audience.cluster(w.c2))
        with pytest.raises(AccessDenied):
            create_broadcast(
                session,
                w.org,
                "Nhắc",
                Audience.cluster(w.c2),
                leader,
                act=Act(NOW, TZ, w.leader, "telegram:101"),
                email=False,
            )
        assert session.exec(select(func.count()).select_from(Broadcast)).one() == 0


def test_other_boards_and_unknown_targets_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        board = Scope.board(w.org)
        with pytest.raises(AccessDenied):
            resolve_audience(session, w.other_org, Audience.everyone(), board, email=False)
        with pytest.raises(AccessDenied):
            resolve_audience(
                session,
                w.org,
                Audience.not_submitted(w.other_campaign, "launch_document"),
                board,
                email=False,
            )
        with pytest.raises(NotFound):
            resolve_audience(session, w.org, Audience.zone(99999), board, email=False)
        with pytest.raises(NotFound):
            resolve_audience(session, w.org, Audience.cluster(99999), board, email=False)
        with pytest.raises(NotFound):
            resolve_audience(
                session,
                w.org,
                Audience.not_submitted(w.campaign, "six_month_report"),
                board,
                email=False,
            )
        with pytest.raises(NotFound):
            Audience.not_submitted(w.campaign, "nonsense")


def test_audience_json_round_trip() -> None:
    for audience in (
        Audience.everyone(),
        Audience.zone(3),
        Audience.cluster(4),
        Audience.not_submitted(5, "title_registration"),
    ):
        assert Audience.from_json(audience.to_json()) == audience
    assert Audience.not_submitted(5, "title_registration").to_json() == {
        "kind": "not_submitted",
        "campaign_id": 5,
        "item": "title_registration",
    }
    for bad in ({"kind": "zone"}, {"kind": "everyone"}, {"kind": "not_submitted", "item": "x"}):
        with pytest.raises(InvalidInput):
            Audience.from_json(bad)


def test_create_broadcast_writes_the_outbox_and_the_audit(engine: Engine, tmp_path: Path) -> None:
    plan = tmp_path / "ke-hoach.pdf"
    plan.write_bytes(b"%PDF-1.4 plan")
    with Session(engine) as session:
        w = build_world(session)
        broadcast, count = create_broadcast(
            session,
            w.org,
            "  Kính gửi các doanh nghiệp: kế hoạch thi đua năm 2024.  ",
            Audience.zone(w.z1),
            Scope.board(w.org, w.staff),
            act=Act(NOW, TZ, w.staff, "telegram:100"),
            document_path=plan,
            email=False,
        )
        session.commit()
        assert count == 3
        assert broadcast.id is not None
        stored = session.get(Broadcast, broadcast.id)
        assert stored is not None
        assert stored.text == "Kính gửi các doanh nghiệp: kế hoạch thi đua năm 2024."
        assert stored.audience == {"kind": "zone", "zone_id": w.z1}
        assert stored.created_by_contact_id == w.staff
        assert stored.document_path == str(plan)
        deliveries = session.exec(
            select(Delivery)
            .where(Delivery.broadcast_id == broadcast.id)
            .order_by(col(Delivery.contact_id))
        ).all()
        assert sorted(d.contact_id for d in deliveries) == sorted(_officers(w, "E1", "E2", "E5a"))
        rendered = render_deliveries(session, deliveries)
        for d, message in zip(deliveries, rendered, strict=True):
            assert d.dedupe_key == f"broadcast:{broadcast.id}:{d.contact_id}"
            assert d.kind == DeliveryKind.BROADCAST
            assert d.status == DeliveryStatus.PENDING
            assert d.not_before == NOW
            assert d.broadcast_id == broadcast.id and d.campaign_id is None  # body stored once
            assert not isinstance(message, Gone)
            assert message.text == stored.text and message.document_path == str(plan)
        (entry,) = session.exec(select(AuditEntry)).all()
        assert entry.action == "broadcast.create"
        assert entry.contact_id == w.staff and entry.actor == "telegram:100"
        assert entry.subject == f"broadcast:{broadcast.id}"
        assert entry.after is not None and entry.after["recipients"] == 3
        assert entry.at == NOW


@pytest.mark.parametrize(
    ("text", "audience_name", "document", "message"),
    [
        ("   ", "all", None, "The message is empty."),
        ("x" * 5000, "all", None, "The message is too long: 5.000 characters, at most 4.096."),
        ("Nhắc", "all", "missing.pdf", "The attached document cannot be found."),
        ("Nhắc", "leader-launch", None, "Nobody in this audience can be reached"),
    ],
)
def test_bad_broadcasts_are_refused_and_write_nothing(
    engine: Engine,
    tmp_path: Path,
    text: str,
    audience_name: str,
    document: str | None,
    message: str,
) -> None:
    with Session(engine) as session:
        w = build_world(session)
        scope = Scope.board(w.org, w.staff)
        audience = Audience.everyone()
        if audience_name == "leader-launch":
            # Everyone in cluster 1 has sent the launch document once E3 re-sends the
            # returned one.
            returned = session.exec(
                select(Submission).where(
                    col(Submission.enterprise_id) == w.enterprises["E3"],
                    col(Submission.kind) == DeadlineKind.LAUNCH_DOCUMENT,
                )
            ).one()
            returned.status = SubmissionStatus.SUBMITTED
            session.add(returned)
            session.flush()
            scope = leader_scope(w)
            audience = Audience.not_submitted(w.campaign, "launch_document")
        with pytest.raises(InvalidInput) as info:
            create_broadcast(
                session,
                w.org,
                text,
                audience,
                scope,
                act=Act(NOW, TZ, w.staff, "telegram:100"),
                document_path=tmp_path / document if document else None,
                email=False,
            )
        session.commit()
        assert message in info.value.message(Translator("en"))
        assert info.value.message(Translator("vi")) != info.value.message(Translator("en"))
        for model in (Broadcast, Delivery, AuditEntry):
            assert session.exec(select(func.count()).select_from(model)).one() == 0


def _set_statuses(session: Session, broadcast_id: int, statuses: dict[int, DeliveryStatus]) -> None:
    for d in session.exec(select(Delivery).where(Delivery.broadcast_id == broadcast_id)).all():
        d.status = statuses.get(d.contact_id, d.status)
        session.add(d)
    session.commit()


def test_broadcast_status_per_broadcast_and_scope(engine: Engine) -> None:
    with Session(engine) as session:
        w = build_world(session)
        board = Scope.board(w.org, w.staff)
        first, _ = create_broadcast(
            session,
            w.org,
            "Một",
            Audience.everyone(),
            board,
            act=Act(NOW, TZ, w.staff, "telegram:100"),
            email=False,
        )
        second, _ = create_broadcast(
            session,
            w.org,
            "Hai",
            Audience.cluster(w.c2),
            board,
            act=Act(NOW.replace(hour=3), TZ, w.staff, "telegram:100"),
            email=False,
        )
        session.commit()
        assert first.id and second.id
        _set_statuses(
            session,
            first.id,
            {
                w.officers["E1"]: DeliveryStatus.SENT,
                w.officers["E2"]: DeliveryStatus.FAILED,
                w.officers["E3"]: DeliveryStatus.UNREACHABLE,
                w.officers["E5a"]: DeliveryStatus.SENDING,
            },
        )
        statuses = broadcast_status(session, None, board)
        assert [s.broadcast_id for s in statuses] == [second.id, first.id]  # newest first
        one = statuses[1]
        assert (one.sent, one.pending, one.failed, one.unreachable) == (1, 1, 1, 1)
        assert one.recipients == 4
        assert statuses[0].pending == 1 and statuses[0].recipients == 1

        leader = leader_scope(w)
        (seen,) = broadcast_status(session, None, leader)  # not the cluster-2 broadcast
        assert seen.broadcast_id == first.id
        assert (seen.sent, seen.pending, seen.failed, seen.unreachable) == (1, 0, 1, 1)
        with pytest.raises(NotFound):
            broadcast_status(session, second.id, leader)
        with pytest.raises(NotFound):
            broadcast_status(session, second.id, Scope.board(w.other_org))
        (only,) = broadcast_status(session, first.id, board)
        assert only.broadcast_id == first.id

        text = render_broadcast_status_text(Translator("en"), statuses, TZ)
        assert f"#{first.id} · 09:00 20/11/2024 · 4 recipients" in text
        assert "1 sent · 1 pending · 1 failed · 1 unreachable" in text
        assert "“Một”" in text
        assert render_broadcast_status_text(Translator("en"), [], TZ) == (
            "No broadcast has been sent yet."
        )


def test_describe_audience(engine: Engine) -> None:
    en = Translator("en")
    with Session(engine) as session:
        w = build_world(session)
        assert describe_audience(session, en, Audience.everyone()) == "All enterprises"
        assert describe_audience(session, en, Audience.zone(w.z2)) == "Zone: KCN Vân Trung"
        assert describe_audience(session, en, Audience.cluster(w.c1)) == "Cluster: Cụm 1"
        text = describe_audience(session, en, Audience.not_submitted(w.campaign, "year_end_report"))
        assert text == "Not yet submitted Year-end report (Phong trào thi đua năm 2024)"
    assert AudienceKind("zone") is AudienceKind.ZONE


def test_audience_choices_respect_the_scope(engine: Engine) -> None:
    en = Translator("en")
    with Session(engine) as session:
        w = build_world(session)
        board = [label for _, label in audience_choices(session, en, Scope.board(w.org))]
        leader = audience_choices(session, en, leader_scope(w), w.campaign)
        with pytest.raises(AccessDenied):
            audience_choices(session, en, Scope.board(w.org), w.other_campaign)
        # Every offered audience resolves within the leader's scope.
        for audience, _ in leader:
            resolve_audience(session, w.org, audience, leader_scope(w), email=False)
    assert board == [
        "All enterprises",
        "Zone: KCN Quang Châu",
        "Zone: KCN Vân Trung",
        "Cluster: Cụm 1",
        "Cluster: Cụm 2",
    ]
    labels = [label for _, label in leader]
    assert "Cluster: Cụm 2" not in labels and "Cluster: Cụm 1" in labels
    assert labels[-3:] == [
        "Not yet submitted Launch document (Phong trào thi đua năm 2024)",
        "Not yet submitted Title registration (Phong trào thi đua năm 2024)",
        "Not yet submitted Year-end report (Phong trào thi đua năm 2024)",
    ]
