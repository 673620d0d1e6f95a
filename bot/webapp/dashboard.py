"""/d/<token>/...: the board office's dashboard, for the staff member a signed link names.

The chat hands the link out (/progress, /dashboard); it is valid THIDUA_DASHBOARD_LINK_HOURS
and carries no cookie. Every request reads the contact again and takes its scope as the chat
does (`scope_for`): the board office sees every cluster, a cluster leader only his own, and a
page of another cluster (or its files) answers 403. The pages call the same domain services
and flow helpers the chat uses (progress, missing + nudge, review + notice, exports, audit),
so what the office does here is exactly what it would do in the chat, audited the same way.

Actions (nudge, accept, return) are POST forms answered by a redirect (303) back to the page
with what happened in the address, so a reload never repeats them; the outbox's dedupe keys
make a second press harmless anyway.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.engine import Engine as SAEngine
from sqlmodel import Session, col, select
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from bot.i18n import N_, Translator
from bot.models import (
    Attachment,
    AuditEntry,
    Campaign,
    Cluster,
    Contact,
    DeadlineKind,
    Enterprise,
    Submission,
    SubmissionStatus,
)
from bot.services import audit
from bot.services import submissions as subs
from bot.services.access import AccessDenied, Scope, clusters_in_scope, scope_for
from bot.services.campaigns import campaign_deadlines, campaign_title
from bot.services.charts import progress_chart
from bot.services.errors import DomainError
from bot.services.exports import export_missing, export_registrations, export_reports
from bot.services.items import kind_label
from bot.services.nudges import nudge_missing
from bot.services.progress import (
    campaign_progress,
    deadline_of,
    missing_enterprises,
    missing_state,
)
from bot.services.web_links import DASHBOARD_PATH, read_dashboard_token
from bot.settings import Settings
from bot.webapp.render import page, secured
from conversations.flow import Ctx, Stop
from conversations.flows import _staff, review

log = logging.getLogger(__name__)

AUDIT_SHOWN = 200
SUBMISSIONS_SHOWN = 500
STATUSES = ("submitted", "returned", "accepted", "draft")
ROLE_LABELS = {
    "admin": N_("administrator"),
    "staff": N_("board office"),
    "cluster_leader": N_("cluster leader"),
}
EXPORTS = ("registrations", "reports", "missing")


class Refused(Exception):
    """The page cannot be shown to this reader; `status` and an msgid say why."""

    def __init__(self, status: int, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.status = status
        self.msgid = msgid
        self.params = params


@dataclass
class Staff:
    """The reader of one request: who, in which scope, on which campaign."""

    ctx: Ctx
    scope: Scope  # the reader's own scope
    view: Scope  # what this page shows (the board, or one cluster of it)
    campaign: Campaign
    campaigns: list[Campaign]
    clusters: list[Cluster]
    base: str  # /d/<token>/
    expires_at: datetime

    @property
    def t(self) -> Translator:
        return self.ctx.t

    @property
    def session(self) -> Session:
        return self.ctx.session

    def url(self, path: str = "", **params: object) -> str:
        """An address inside the dashboard, keeping the campaign and cluster chosen."""
        query: dict[str, object] = {"campaign": self.campaign.id}
        if self.view.cluster_id is not None and self.scope.whole_board:
            query["cluster"] = self.view.cluster_id
        query.update({k: v for k, v in params.items() if v not in (None, "")})
        return self.base + path + "?" + urlencode(query)


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() and len(value) < 10 else None


def routes(settings: Settings, db: SAEngine, clock: Callable[[], datetime]) -> list[BaseRoute]:
    tz = settings.tz

    @contextmanager
    def reader(request: Request) -> Iterator[Staff]:
        """The staff member the link names, checked, with the page's scope and campaign."""
        token = request.path_params["token"]
        now = clock()
        found = read_dashboard_token(settings, token, now)
        if found is None:
            raise Refused(
                403,
                N_(
                    "This dashboard link is not valid or has expired. Send /dashboard "
                    "in the chat to get a new one."
                ),
            )
        with Session(db, expire_on_commit=False) as session:
            contact = session.get(Contact, found.contact_id)
            if contact is None:
                raise Refused(403, N_("This command is for the board's staff only."))
            ctx = Ctx(
                session=session,
                contact=contact,
                t=Translator(contact.language),
                settings=settings,
                now=now,
                channel=contact.channel,
            )
            try:
                mine = scope_for(contact)
            except AccessDenied as exc:
                raise Refused(403, exc.msgid, **exc.params) from exc
            clusters = clusters_in_scope(session, mine)
            view = mine
            wanted = _int(request.query_params.get("cluster"))
            if wanted is not None and wanted != mine.cluster_id:
                if not mine.whole_board:
                    raise Refused(403, N_("You can only see and act on your own cluster."))
                if wanted not in {c.id for c in clusters}:
                    raise Refused(404, N_("There is no such cluster on your board."))
                view = Scope(mine.organization_id, wanted, mine.contact_id, mine.role)
            campaigns = _staff.board_campaigns(session, mine.organization_id)
            chosen = _int(request.query_params.get("campaign"))
            if chosen is not None:
                ctx.data["campaign_id"] = chosen
            try:
                campaign = _staff.current_campaign(ctx, mine)
            except Stop as stop:
                raise Refused(404, N_("Your board has no campaign yet.")) from stop
            except DomainError as exc:
                raise Refused(404, exc.msgid, **exc.params) from exc
            yield Staff(
                ctx=ctx,
                scope=mine,
                view=view,
                campaign=campaign,
                campaigns=campaigns,
                clusters=clusters,
                base=DASHBOARD_PATH + token + "/",
                expires_at=found.expires_at,
            )

    def render(staff: Staff, template: str, code: int = 200, **context: Any) -> Response:
        t = staff.t
        contact = staff.ctx.contact
        role = ROLE_LABELS.get(str(contact.role), "")
        cluster = next((c.name for c in staff.clusters if c.id == staff.view.cluster_id), None)
        return page(
            t,
            template,
            code,
            s=staff,
            who=contact.display_name or contact.user_id,
            role=t(role) if role else "",
            cluster_name=cluster,
            campaign_name=campaign_title(t, staff.campaign),
            link_until=t.datetime(staff.expires_at.astimezone(tz)),
            **context,
        )

    def refusal(request: Request, exc: Refused) -> Response:
        t = Translator(settings.locale)
        return page(t, "refused.html", exc.status, message=t(exc.msgid, **exc.params))

    def handler(
        work: Callable[[Request, Staff], Response],
    ) -> Callable[[Request], Awaitable[Response]]:
        def run(request: Request) -> Response:
            try:
                with reader(request) as staff:
                    response = work(request, staff)
                    staff.session.commit()
                    return response
            except Refused as exc:
                log.info("dashboard refused (%s): %s", exc.status, exc.msgid)
                return refusal(request, exc)

        async def endpoint(request: Request) -> Response:
            if request.method == "POST":
                form = await request.form(max_files=0, max_fields=10)
                request.state.form = {k: v for k, v in form.items() if isinstance(v, str)}
            return await asyncio.to_thread(run, request)

        return endpoint

    # ------------------------------------------------------------------------- progress

    def progress_page(request: Request, staff: Staff) -> Response:
        assert staff.campaign.id is not None
        progress = campaign_progress(staff.session, staff.campaign.id, staff.view)
        _staff.record(
            staff.ctx,
            "progress.view",
            f"campaign:{staff.campaign.id}",
            {"cluster_id": staff.view.cluster_id, "web": True},
        )
        return render(staff, "progress.html", progress=progress, kind_label=kind_label)

    def chart(request: Request, staff: Staff) -> Response:
        assert staff.campaign.id is not None
        progress = campaign_progress(staff.session, staff.campaign.id, staff.view)
        return secured(Response(progress_chart(staff.t, progress), media_type="image/png"))

    # -------------------------------------------------------------------------- missing

    def _kind(staff: Staff, value: str | None) -> DeadlineKind:
        kinds = [DeadlineKind(d.kind) for d in campaign_deadlines(staff.session, staff.campaign)]
        if not kinds:
            raise Refused(404, N_("This campaign has no deadlines."))
        for kind in kinds:
            if value == kind:
                return kind
        return kinds[0]

    def missing_page(request: Request, staff: Staff) -> Response:
        assert staff.campaign.id is not None
        kind = _kind(staff, request.query_params.get("kind"))
        missing = missing_enterprises(staff.session, staff.campaign.id, kind, staff.view)
        reach = request.query_params.get("reach", "")
        shown = [
            e
            for e in missing
            if not reach or (reach == "yes" and e.reachable) or (reach == "no" and not e.reachable)
        ]
        _staff.record(
            staff.ctx,
            "missing.view",
            f"campaign:{staff.campaign.id}",
            {
                "kind": kind,
                "enterprises": len(missing),
                "cluster_id": staff.view.cluster_id,
                "web": True,
            },
        )
        deadline = deadline_of(staff.session, staff.campaign.id, kind)
        done = request.query_params
        return render(
            staff,
            "missing.html",
            kind=kind,
            kinds=campaign_deadlines(staff.session, staff.campaign),
            kind_label=kind_label,
            missing=shown,
            total=len(missing),
            reach=reach,
            reachable=sum(1 for e in missing for c in e.contacts if c.reachable),
            due=staff.t.date(deadline.due_on),
            state=lambda e: missing_state(staff.t, e),
            queued=_int(done.get("queued")),
            already=_int(done.get("already")),
            unreachable=_int(done.get("unreachable")),
        )

    def nudge(request: Request, staff: Staff) -> Response:
        assert staff.campaign.id is not None
        kind = _kind(staff, request.state.form.get("kind"))
        missing = missing_enterprises(staff.session, staff.campaign.id, kind, staff.view)
        queued = nudge_missing(
            staff.session,
            staff.campaign,
            kind,
            missing,
            staff.ctx.act,
            found=staff.view,
            email=settings.sends_email,
        )
        target = staff.url(
            "missing",
            kind=kind,
            queued=queued.new,
            already=queued.already,
            unreachable=queued.unreachable,
        )
        return RedirectResponse(target, status_code=303)

    # ---------------------------------------------------------------------- submissions

    def submissions_page(request: Request, staff: Staff) -> Response:
        params = request.query_params
        kind = params.get("kind", "")
        status = params.get("status", "")
        text = params.get("q", "").strip()
        query = (
            select(Submission, Enterprise)
            .join(Enterprise, col(Enterprise.id) == col(Submission.enterprise_id))
            .where(Submission.campaign_id == staff.campaign.id, *staff.view.enterprise_conditions())
        )
        if kind in {str(k) for k in DeadlineKind}:
            query = query.where(Submission.kind == kind)
        if status in STATUSES:
            query = query.where(Submission.status == status)
        if text:
            pattern = f"%{text.lower()}%"
            query = query.where(
                col(Enterprise.name).ilike(pattern) | col(Enterprise.tax_code).like(pattern)
            )
        rows = staff.session.exec(
            query.order_by(
                col(Submission.submitted_at).desc().nulls_last(), col(Enterprise.name)
            ).limit(SUBMISSIONS_SHOWN + 1)
        ).all()
        return render(
            staff,
            "submissions.html",
            rows=rows[:SUBMISSIONS_SHOWN],
            more=len(rows) > SUBMISSIONS_SHOWN,
            kinds=campaign_deadlines(staff.session, staff.campaign),
            kind=kind,
            status=status,
            q=text,
            statuses=STATUSES,
            kind_label=kind_label,
            state_label=subs.state_label,
            when=lambda v: staff.t.datetime(v.astimezone(tz)) if v else "",
        )

    def _submission(staff: Staff, request: Request) -> tuple[Submission, Enterprise]:
        submission = staff.session.get(Submission, _int(request.path_params["id"]) or 0)
        enterprise = staff.session.get(Enterprise, submission.enterprise_id) if submission else None
        if submission is None or enterprise is None:
            raise Refused(404, N_("There is no such submission."))
        if not staff.scope.allows_enterprise(enterprise):
            raise Refused(403, N_("You can only see and act on your own cluster."))
        return submission, enterprise

    def submission_page(request: Request, staff: Staff) -> Response:
        submission, enterprise = _submission(staff, request)
        t = staff.t
        campaign = staff.session.get(Campaign, submission.campaign_id)
        history = audit.entries(staff.session, subject=f"submission:{submission.id}")
        names = _contact_names(staff.session, history)
        return render(
            staff,
            "submission.html",
            sub=submission,
            enterprise=enterprise,
            item=kind_label(t, submission.kind),
            state=subs.state_label(t, subs.item_state(staff.session, submission)),
            sub_campaign=campaign_title(t, campaign) if campaign else "",
            lines=review.content_lines(staff.ctx, submission),
            files=subs.list_attachments(staff.session, submission),
            receipts=subs.receipts(staff.session, submission),
            history=list(reversed(history)),
            names=names,
            action_label=lambda a: audit.action_label(t, a),
            when=lambda v: t.datetime(v.astimezone(tz)) if v else "",
            size=lambda n: (
                t.number(n / (1024 * 1024), digits=1) + " MB"
                if n >= 100 * 1024
                else t.number(n // 1024 or 1) + " KB"
            ),
            reviewable=submission.status == SubmissionStatus.SUBMITTED,
            done=request.query_params.get("done", ""),
            told=_int(request.query_params.get("told")),
            error=request.query_params.get("error", ""),
        )

    def decide(request: Request, staff: Staff) -> Response:
        submission, _enterprise = _submission(staff, request)
        action = request.path_params["action"]
        reason = " ".join(request.state.form.get("reason", "").split())
        back = staff.base + f"s/{submission.id}?campaign={submission.campaign_id}"
        if action == "return" and not reason:
            return RedirectResponse(back + "&error=reason", status_code=303)
        try:
            if action == "accept":
                told = review.accept_and_notify(staff.ctx, submission)
            else:
                told = review.return_and_notify(staff.ctx, submission, reason)
        except DomainError:
            staff.session.rollback()
            return RedirectResponse(back + "&error=state", status_code=303)
        return RedirectResponse(back + f"&done={action}&told={told}", status_code=303)

    def download(request: Request, staff: Staff) -> Response:
        attachment = staff.session.get(Attachment, _int(request.path_params["id"]) or 0)
        submission = staff.session.get(Submission, attachment.submission_id) if attachment else None
        enterprise = staff.session.get(Enterprise, submission.enterprise_id) if submission else None
        if attachment is None or enterprise is None:
            raise Refused(404, N_("There is no such file."))
        if not staff.scope.allows_enterprise(enterprise):
            raise Refused(403, N_("You can only see and act on your own cluster."))
        path = Path(attachment.path)
        root = settings.files_dir.resolve()
        if not path.resolve().is_relative_to(root) or not path.is_file():
            raise Refused(
                404, N_("File {name} is missing on the server."), name=attachment.file_name
            )
        _staff.record(
            staff.ctx,
            "file.download",
            f"submission:{attachment.submission_id}",
            {"attachment": attachment.id, "web": True},
        )
        return secured(
            FileResponse(
                path,
                media_type=attachment.mime_type or "application/octet-stream",
                filename=attachment.file_name,
            )
        )

    # ------------------------------------------------------------------------- exports

    def exports_page(request: Request, staff: Staff) -> Response:
        return render(
            staff,
            "exports.html",
            kinds=campaign_deadlines(staff.session, staff.campaign),
            kind_label=kind_label,
        )

    def export(request: Request, staff: Staff) -> Response:
        assert staff.campaign.id is not None
        what = request.path_params["what"]
        if what not in EXPORTS:
            raise Refused(404, N_("There is no such list."))
        t = staff.t
        part = "board" if staff.view.whole_board else f"cluster{staff.view.cluster_id}"
        folder = settings.files_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"web-{uuid.uuid4().hex}.xlsx"  # deleted once sent
        year = staff.campaign.year
        if what == "registrations":
            export_registrations(
                staff.session,
                staff.campaign.id,
                staff.view,
                path,
                t.language,
                act=staff.ctx.act,
            )
            name = f"dang-ky-{year}-{part}.xlsx"
        elif what == "reports":
            export_reports(
                staff.session,
                staff.campaign.id,
                staff.view,
                path,
                DeadlineKind.YEAR_END_REPORT,
                t.language,
                act=staff.ctx.act,
            )
            name = f"bao-cao-{year}-{part}.xlsx"
        else:
            kind = _kind(staff, request.query_params.get("kind"))
            export_missing(
                staff.session,
                staff.campaign.id,
                kind,
                staff.view,
                path,
                t.language,
                act=staff.ctx.act,
            )
            name = f"chua-nop-{kind}-{year}-{part}.xlsx"
        return secured(
            FileResponse(
                path,
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                filename=name,
                background=BackgroundTask(path.unlink, missing_ok=True),
            )
        )

    # --------------------------------------------------------------------------- audit

    def audit_page(request: Request, staff: Staff) -> Response:
        if not staff.scope.whole_board:
            raise Refused(403, N_("Only the board office can do this; a cluster leader cannot."))
        params = request.query_params
        since = _day(params.get("since"))
        until = _day(params.get("until"))
        action = params.get("action", "").strip()
        text = params.get("q", "").strip()
        entries = audit.board_entries(
            staff.session,
            staff.scope.organization_id,
            limit=AUDIT_SHOWN,
            search=audit.LogSearch(
                since=datetime.combine(since, time(), tz) if since else None,
                until=datetime.combine(until + timedelta(days=1), time(), tz) if until else None,
                action=action or None,
                text=text or None,
            ),
        )
        actions = sorted(
            {
                row
                for row in staff.session.exec(
                    select(AuditEntry.action).distinct().order_by(col(AuditEntry.action))
                ).all()
            }
        )
        names = _contact_names(staff.session, entries)
        return render(
            staff,
            "audit.html",
            entries=entries,
            actions=actions,
            action=action,
            q=text,
            since=since.isoformat() if since else "",
            until=until.isoformat() if until else "",
            names=names,
            shown=AUDIT_SHOWN,
            when=lambda v: staff.t.datetime(v.astimezone(tz)),
            changes=_changes,
            action_label=lambda a: audit.action_label(staff.t, a),
        )

    prefix = DASHBOARD_PATH + "{token}/"
    return [
        Route(prefix, handler(progress_page), methods=["GET"]),
        Route(prefix + "chart.png", handler(chart), methods=["GET"]),
        Route(prefix + "missing", handler(missing_page), methods=["GET"]),
        Route(prefix + "nudge", handler(nudge), methods=["POST"]),
        Route(prefix + "submissions", handler(submissions_page), methods=["GET"]),
        Route(prefix + "s/{id}", handler(submission_page), methods=["GET"]),
        Route(prefix + "s/{id}/{action:str}", _only(handler(decide)), methods=["POST"]),
        Route(prefix + "file/{id}", handler(download), methods=["GET"]),
        Route(prefix + "exports", handler(exports_page), methods=["GET"]),
        Route(prefix + "export/{what}", handler(export), methods=["GET"]),
        Route(prefix + "audit", handler(audit_page), methods=["GET"]),
    ]


def _only(
    endpoint: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Accept and return only: any other action is not a page."""

    async def guarded(request: Request) -> Response:
        if request.path_params.get("action") not in ("accept", "return"):
            return Response(status_code=404)
        return await endpoint(request)

    return guarded


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _contact_names(session: Session, entries: list[AuditEntry]) -> dict[int | None, str]:
    """Who made each of `entries`: contact id -> the name the account shows (one query)."""
    ids = {e.contact_id for e in entries if e.contact_id}
    contacts = session.exec(select(Contact).where(col(Contact.id).in_(ids))).all()
    return {c.id: c.display_name for c in contacts}


def _changes(entry: AuditEntry) -> str:
    """The entry's after-state in one short line (the full record stays in `thidua audit`)."""
    if not entry.after:
        return ""
    parts = [f"{k}: {v}" for k, v in entry.after.items() if v not in (None, "", [], {})]
    text = "; ".join(parts)
    return text if len(text) <= 160 else text[:159] + "…"
