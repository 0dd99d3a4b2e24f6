"""Skills through their services, on both engines: evidence from the visitor, the facilitator
and a module's completion; progress derived from it; badges issued once; and the studio that
only those who hold its skill may book."""

from __future__ import annotations

import datetime as dt

import pytest

from lab.attendance import services as attendance
from lab.attendance import timeline
from lab.bookings import services as bookings
from lab.bookings.services import BookingRefused, Wanted
from lab.core.errors import Forbidden, Invalid, NotFound
from lab.skills import queries, services
from lab.skills.forms import Assessment, ModuleSkills, Ticks
from lab.skills.tables import Badge, ModuleSkill, SkillEvidence
from lab.workshops.tables import Enrolment
from tests.bookings.factories import TUESDAY, at, freeze, make_resource
from tests.personas import make_visitor
from tests.workshops.factories import make_module, make_session


@pytest.fixture(autouse=True)
def monday_morning():
    freeze(at(9, day=TUESDAY - dt.timedelta(days=1)))


async def _studio_workshop(cast):
    module = await make_module(
        cast.saint_denis, "Découvrir le studio", kind="digital_skills", self_enrol=True
    )
    await ModuleSkill.insert(ModuleSkill(module=module.id, skill="studio", on_completion=True))
    return module


async def test_the_studio_is_booked_only_with_its_skill_and_again_after_it_lapses(
    cast, practical_skills
):
    """Acceptance 3: refused with the granting workshop named; accepted once a facilitator
    validated the skill; refused again after the lapse period without use."""
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    module = await _studio_workshop(cast)
    studio = await make_resource(
        cast.saint_denis, "Studio", required_skill="studio", skill_lapse_months=6
    )
    wanted = Wanted(studio.id, at(10), at(11), visitor_id=yanis.id)

    with pytest.raises(BookingRefused) as refused:
        await bookings.book(awa, wanted)
    assert refused.value.code == "skill_required"
    assert "Découvrir le studio" in refused.value.message
    assert refused.value.module_id == module.id

    recorded = await services.validate_at_desk(
        awa, yanis.id, Assessment(skill="studio", level="on_my_own")
    )
    assert len(recorded.badges) == 1
    booking = await bookings.book(awa, wanted)
    assert booking.status in ("confirmed", "pending")

    # Seven months on, without having used the studio since: the skill has lapsed.
    freeze(at(9, day=TUESDAY + dt.timedelta(days=213)))
    later = Wanted(
        studio.id,
        at(10, day=TUESDAY + dt.timedelta(days=214)),
        at(11, day=TUESDAY + dt.timedelta(days=214)),
        visitor_id=yanis.id,
    )
    with pytest.raises(BookingRefused) as lapsed:
        await bookings.book(awa, later)
    assert lapsed.value.code == "skill_lapsed"
    assert lapsed.value.module_id == module.id


async def test_a_self_assessment_never_opens_the_studio(cast, practical_skills):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    studio = await make_resource(cast.saint_denis, "Studio", required_skill="studio")
    await services.self_assess(awa, yanis.id, Assessment(skill="studio", level="on_my_own"))
    with pytest.raises(BookingRefused) as refused:
        await bookings.book(awa, Wanted(studio.id, at(10), at(11), visitor_id=yanis.id))
    assert refused.value.code == "skill_required"


async def test_progress_is_derived_deleting_evidence_changes_it(cast, practical_skills):
    """Acceptance 5: nothing stores a level; remove the evidence and the view follows."""
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    await services.self_assess(awa, yanis.id, Assessment(skill="email-use", level="with_help"))
    await services.validate_at_desk(awa, yanis.id, Assessment(skill="email-use", level="on_my_own"))

    def email(progress):
        return next(skill for skill in progress.skills if skill.code == "email-use")

    standing = email(await queries.progress_of(awa, yanis.id)).standing
    assert (standing.level, standing.source, standing.validated) == (
        "on_my_own",
        "facilitator",
        True,
    )
    await SkillEvidence.delete().where(SkillEvidence.source == "facilitator")
    standing = email(await queries.progress_of(awa, yanis.id)).standing
    assert (standing.level, standing.source, standing.validated) == ("with_help", "self", False)
    await SkillEvidence.delete().where(SkillEvidence.visitor == yanis.id)
    assert email(await queries.progress_of(awa, yanis.id)).standing is None


async def test_a_facilitator_ticks_only_people_who_came_and_skills_the_module_teaches(
    cast, practical_skills
):
    awa = await cast.principal("awa")
    came, absent = await make_visitor(cast.saint_denis), await make_visitor(cast.saint_denis)
    module = await make_module(cast.saint_denis, "Premiers pas", kind="digital_skills")
    session = await make_session(module, at(9, day=TUESDAY - dt.timedelta(days=1)))
    julien = await cast.principal("julien")  # the site's manager sets what it teaches
    await services.set_module_skills(
        julien, module.id, ModuleSkills(teaches=["email-use", "cv-template"])
    )
    for visitor in (came, absent):
        await Enrolment.insert(
            Enrolment(module=module.id, visitor=visitor.id, status="enrolled", position=0)
        )
    await attendance.mark(awa, session.id, came.id, "present")

    with pytest.raises(Invalid) as refused:
        await services.observe(awa, session.id, Ticks(tick=[f"{absent.id}:email-use:on_my_own"]))
    assert refused.value.code == "not_in_session"
    with pytest.raises(Invalid) as refused:
        await services.observe(awa, session.id, Ticks(tick=[f"{came.id}:studio:on_my_own"]))
    assert refused.value.code == "unknown_skill"
    assert await SkillEvidence.count() == 0

    recorded = await services.observe(
        awa,
        session.id,
        Ticks(tick=[f"{came.id}:email-use:on_my_own", f"{came.id}:cv-template:with_help"]),
    )
    assert recorded.evidence == 2 and len(recorded.badges) == 1
    rows = await SkillEvidence.select().order_by(SkillEvidence.skill)
    assert [(r["skill"], r["level"], r["source"], r["session"], r["staff_user"]) for r in rows] == [
        ("cv-template", "with_help", "facilitator", session.id, awa.user_id),
        ("email-use", "on_my_own", "facilitator", session.id, awa.user_id),
    ]
    group = await queries.ticklist(awa, session.id)
    assert group.people[0]["id"] == came.id  # who came first
    assert group.cell(came.id, "email-use").validated
    # A second validation issues no second badge: one live badge per person and skill.
    again = await services.observe(awa, session.id, Ticks(tick=[f"{came.id}:email-use:on_my_own"]))
    assert again.badges == [] and await Badge.count() == 1


async def test_completing_a_module_is_evidence_and_earns_its_badge_once(cast, practical_skills):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    module = await make_module(
        cast.saint_denis, "Le CV", kind="digital_skills", completion_percent=100
    )
    first = await make_session(module, at(9, day=TUESDAY - dt.timedelta(days=1)))
    second = await make_session(module, at(14, day=TUESDAY - dt.timedelta(days=1)))
    await ModuleSkill.insert(ModuleSkill(module=module.id, skill="cv-template", on_completion=True))
    await Enrolment.insert(
        Enrolment(module=module.id, visitor=yanis.id, status="enrolled", position=0)
    )
    await attendance.mark(awa, first.id, yanis.id, "present")
    assert await SkillEvidence.count() == 0  # one session of two: not complete yet
    freeze(at(15, day=TUESDAY - dt.timedelta(days=1)))
    await attendance.mark(awa, second.id, yanis.id, "present")
    await attendance.mark(awa, second.id, yanis.id, "late")  # a correction: nothing twice
    rows = await SkillEvidence.select(
        SkillEvidence.skill, SkillEvidence.source, SkillEvidence.module
    )
    assert rows == [{"skill": "cv-template", "source": "completion", "module": module.id}]
    badges = await queries.badges_of(yanis.id)
    assert [badge["skill"] for badge in badges] == ["cv-template"]


async def test_bad_input_gets_a_clear_answer(cast, practical_skills):
    awa = await cast.principal("awa")
    sofia = await cast.principal("sofia")  # Brussels
    yanis = await make_visitor(cast.saint_denis)
    with pytest.raises(Invalid) as unknown:
        await services.self_assess(awa, yanis.id, Assessment(skill="juggling", level="with_help"))
    assert unknown.value.code == "unknown_skill"
    with pytest.raises(Forbidden) as other_site:
        await services.validate_at_desk(
            sofia, yanis.id, Assessment(skill="cv-template", level="on_my_own")
        )
    assert other_site.value.code == "other_site"
    with pytest.raises(NotFound):
        await queries.progress_of(awa, 2_000_000_000)
    assert await SkillEvidence.count() == 0


async def test_the_persons_timeline_shows_their_evidence_and_badges(cast, practical_skills):
    awa = await cast.principal("awa")
    yanis = await make_visitor(cast.saint_denis)
    await services.self_assess(awa, yanis.id, Assessment(skill="wifi", level="with_help"))
    await services.validate_at_desk(awa, yanis.id, Assessment(skill="studio", level="on_my_own"))
    found = await timeline.timeline_for(awa, yanis.id)
    items = {(item.kind, item.title, item.status) for item in found.items}
    assert ("skill", "Se connecter au wifi", "with_help") in items
    assert ("skill", "Enregistrer un message vocal au studio", "on_my_own") in items
    assert ("badge", "Enregistrer un message vocal au studio", "badge_issued") in items
    only_badges = await timeline.timeline_for(awa, yanis.id, kind="badge")
    assert {item.kind for item in only_badges.items} == {"badge"}
