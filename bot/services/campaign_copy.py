"""Next year's campaign from last year's: the board's own plan carried over, not the template's.

What the office changed in last year's campaign (its deadlines' dates and late policies, its
commemoration days, texts it rewrote, award targets) is kept, moved to the new year. Texts it
left as the template wrote them are written afresh for the new year, so every anniversary
number and the province are right. Last year's targets come along marked "not yet confirmed"
(bot.services.targets) until the office confirms or replaces them.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from bot.i18n import N_
from bot.models import Campaign, Deadline, Observance, Organization, Phase
from bot.services import audit
from bot.services.acts import Act
from bot.services.campaigns import CampaignExists, check_year, insert_campaign, plan_campaign
from bot.services.errors import NotFound
from bot.services.targets import carried_over
from bot.services.templates import load_template


def _moved(day: date, years: int) -> date:
    """The same day `years` later (29/02 becomes 28/02 in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def copy_campaign(
    session: Session,
    source: Campaign,
    year: int,
    act: Act,
) -> Campaign:
    """Create the board's campaign for `year` from its `source` campaign; audited."""
    organization = session.get(Organization, source.organization_id)
    if organization is None:  # pragma: no cover - foreign key
        raise NotFound(N_("This campaign or enterprise does not exist."))
    template = load_template(source.template)
    check_year(template, year)
    years = year - source.year
    then = plan_campaign(template, source.year, organization.province)
    fresh = plan_campaign(template, year, organization.province)

    def carry(old: str, as_planned: str, new: str) -> str:
        """The template's text for the new year, unless the office rewrote it."""
        if old == as_planned:
            return new
        return old.replace(str(source.year), str(year))

    taken = CampaignExists(
        N_("{board} already has a {year} campaign of this plan."),
        board=organization.name,
        year=year,
    )
    found = session.exec(
        select(Campaign).where(
            Campaign.organization_id == organization.id,
            Campaign.template == source.template,
            Campaign.year == year,
        )
    ).first()
    if found is not None:
        raise taken
    campaign = Campaign(
        organization_id=source.organization_id,
        template=source.template,
        year=year,
        title=carry(source.title, then.title, fresh.title),
        title_en=carry(source.title_en, then.title_en, fresh.title_en),
        theme=carry(source.theme, then.theme, fresh.theme),
        theme_en=carry(source.theme_en, then.theme_en, fresh.theme_en),
        document_number="",
        starts_on=_moved(source.starts_on, years),
        ends_on=_moved(source.ends_on, years),
        targets=carried_over(source.targets),
        award_targets=dict(source.award_targets),
        audience=source.audience,
        report_figures=None if source.report_figures is None else list(source.report_figures),
        active=True,
    )
    insert_campaign(session, campaign, taken)
    assert campaign.id is not None
    then_phases = {p.number: p for p in then.phases}
    fresh_phases = {p.number: p for p in fresh.phases}
    phase_ids: dict[int | None, int | None] = {None: None}
    old_phases = session.exec(
        select(Phase).where(Phase.campaign_id == source.id).order_by(col(Phase.number))
    ).all()
    for old in old_phases:
        planned, new = then_phases.get(old.number), fresh_phases.get(old.number)
        texts = {}
        for field, plan_field in (
            ("name", "name"),
            ("name_en", "name_en"),
            ("call", "call"),
            ("call_en", "call_en"),
            ("review_name", "review_name"),
            ("review_name_en", "review_name_en"),
        ):
            value = getattr(old, field)
            if planned is not None and new is not None:
                texts[field] = carry(value, getattr(planned, plan_field), getattr(new, plan_field))
            else:
                texts[field] = value.replace(str(source.year), str(year))
        phase = Phase(
            campaign_id=campaign.id,
            number=old.number,
            starts_on=_moved(old.starts_on, years),
            ends_on=_moved(old.ends_on, years),
            name=texts["name"],
            name_en=texts["name_en"],
            call=texts["call"],
            call_en=texts["call_en"],
            review_name=texts["review_name"],
            review_name_en=texts["review_name_en"],
        )
        session.add(phase)
        session.flush()
        phase_ids[old.id] = phase.id
    # A day the plan keeps only until some year (a province merged away) is not carried on.
    ended = {o.name for o in template.observances if o.until is not None and o.until < year}
    for obs in session.exec(select(Observance).where(Observance.campaign_id == source.id)).all():
        if obs.name in ended:
            continue
        session.add(
            Observance(
                campaign_id=campaign.id,
                phase_id=phase_ids.get(obs.phase_id),
                on=_moved(obs.on, years),
                name=obs.name,
                name_en=obs.name_en,
                founded=obs.founded,
                prompt=obs.prompt,
            )
        )
    deadlines = session.exec(select(Deadline).where(Deadline.campaign_id == source.id)).all()
    for deadline in deadlines:
        session.add(
            Deadline(
                campaign_id=campaign.id,
                kind=deadline.kind,
                due_on=_moved(deadline.due_on, years),
                reminder_offsets=list(deadline.reminder_offsets),
                late_policy=deadline.late_policy,
            )
        )
    session.flush()
    audit.record(
        session,
        "campaign.copy",
        act,
        subject=f"campaign:{campaign.id}",
        before={"campaign": source.id, "year": source.year},
        after={
            "year": year,
            "title": campaign.title,
            "deadlines": {str(d.kind): _moved(d.due_on, years) for d in deadlines},
            "targets": len(campaign.targets),
            "targets_confirmed": False,
        },
    )
    return campaign
