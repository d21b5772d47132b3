"""What needs doing, per persona: the counts behind the home pages (matching.selectors.todo_for_*)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import ExpertProfile, Organisation, User
from matching import selectors
from matching.models import Introduction, Outcome
from tests.factories import (
    ExpertProfileFactory,
    IntroductionFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    recommend,
)

pytestmark = pytest.mark.django_db
State = Introduction.State


@pytest.fixture
def expert(expert_user: User) -> ExpertProfile:
    return ExpertProfile.objects.get(user=expert_user)


def test_it_counts_what_the_sme_has_to_do(owner: User, sme: Organisation, outsider: User) -> None:
    with_proposals = NeedFactory(organisation=sme)
    recommend(with_proposals, ExpertProfileFactory())
    bare = NeedFactory(organisation=sme, title="提案のないニーズ")
    NeedFactory(organisation=sme, status="closed")  # closed: nothing to do
    stale = NeedFactory(organisation=sme)
    recommend(stale, ExpertProfileFactory(), is_current=False)  # only a dropped-out proposal
    IntroductionFactory(query=with_proposals, status=State.REQUESTED)
    IntroductionFactory(query=with_proposals, status=State.REQUESTED)
    IntroductionFactory(query=with_proposals, status=State.ACCEPTED)
    done = IntroductionFactory(query=with_proposals, status=State.COMPLETED)
    recorded = IntroductionFactory(query=with_proposals, status=State.NO_DEAL)
    Outcome.objects.create(introduction=recorded, side="requester", deal=False)
    Outcome.objects.create(introduction=done, side="candidate", deal=True)  # the other side's: still to record
    IntroductionFactory(query=OpportunityFactory(), candidate=sme, status=State.REQUESTED)  # a buyer asks the SME
    # The SME offered to supply a buyer's opportunity: the buyer's answer is awaited, not the SME's.
    IntroductionFactory(query=OpportunityFactory(), candidate=sme, status=State.REQUESTED, initiated_by="candidate")
    IntroductionFactory(query=OpportunityFactory(), candidate=sme, status=State.ACCEPTED, initiated_by="candidate")
    IntroductionFactory(query=NeedFactory(organisation=OrganisationFactory()), status=State.REQUESTED)  # not ours

    todo = selectors.todo_for_sme(user=owner)

    assert todo.needs_without_proposals_count == 2
    assert {n.pk for n in todo.needs_without_proposals} == {bare.pk, stale.pk}
    assert (todo.requests_waiting, todo.requests_received, todo.accepted, todo.outcomes_to_record) == (3, 1, 2, 1)
    # The introductions list behind the counts' links holds the same rows.
    yours = selectors.introduction_list(user=owner, filters={"turn": selectors.YOURS})
    theirs = selectors.introduction_list(user=owner, filters={"turn": selectors.THEIRS})
    assert (yours.count(), theirs.count()) == (1, 3)
    empty = selectors.todo_for_sme(user=outsider)
    assert (empty.needs_without_proposals_count, empty.requests_waiting, empty.accepted) == (0, 0, 0)


def test_it_lists_at_most_five_needs(owner: User, sme: Organisation) -> None:
    for _ in range(7):
        NeedFactory(organisation=sme)
    todo = selectors.todo_for_sme(user=owner)
    assert (len(todo.needs_without_proposals), todo.needs_without_proposals_count) == (5, 7)


def test_it_counts_what_the_expert_has_to_do(expert: ExpertProfile, settings: Any) -> None:
    settings.MATCHING_EXPIRY_DAYS = 14
    now = timezone.now()
    IntroductionFactory(candidate=expert, status=State.REQUESTED, requested_at=now - timedelta(days=1))
    IntroductionFactory(candidate=expert, status=State.REQUESTED, requested_at=now - timedelta(days=12))
    IntroductionFactory(candidate=expert, status=State.REQUESTED, requested_at=now - timedelta(days=10, hours=23))
    IntroductionFactory(candidate=expert, status=State.ENGAGED)
    IntroductionFactory(candidate=expert, status=State.COMPLETED)
    answered = IntroductionFactory(candidate=expert, status=State.NO_DEAL)
    Outcome.objects.create(introduction=answered, side="candidate", deal=False)
    IntroductionFactory(candidate=ExpertProfileFactory(), status=State.REQUESTED)  # someone else's

    todo = selectors.todo_for_expert(expert=expert, now=now)

    # 14 days to expire: one requested 12 days ago expires within 3 days; 10 days 23 hours ago does not.
    assert todo == selectors.ExpertTodo(
        requests_waiting=3, expiring_soon=1, engagements_to_close=1, outcomes_to_record=1
    )


def test_it_counts_what_the_buyer_has_to_do(buyer: User, buyer_org: Organisation) -> None:
    busy = OpportunityFactory(organisation=buyer_org, title="提案の多い案件")
    quiet = OpportunityFactory(organisation=buyer_org)
    reviewed = OpportunityFactory(organisation=buyer_org)
    suppliers = [OrganisationFactory() for _ in range(4)]
    for rank, supplier in enumerate(suppliers, start=1):
        recommend(busy, supplier, rank)
    recommend(quiet, suppliers[0])
    recommend(reviewed, suppliers[1])
    IntroductionFactory(query=reviewed, candidate=suppliers[1], status=State.PROPOSED)  # shortlisted: acted on
    IntroductionFactory(query=busy, candidate=suppliers[0], status=State.REQUESTED)
    IntroductionFactory(query=busy, candidate=OrganisationFactory(), status=State.ACCEPTED)
    IntroductionFactory(query=quiet, candidate=suppliers[3], status=State.REQUESTED, initiated_by="candidate")  # offer
    recommend(OpportunityFactory(organisation=buyer_org, status="closed"), suppliers[2])  # closed: ignored

    todo = selectors.todo_for_buyer(user=buyer)

    assert [(o.pk, n) for o, n in todo.opportunities_with_new_proposals] == [(busy.pk, 3), (quiet.pk, 1)]
    assert todo.opportunities_with_new_proposals_count == 2
    assert (todo.shortlisted, todo.requests_waiting, todo.offers_received) == (1, 1, 1)
    assert (todo.accepted, todo.outcomes_to_record) == (1, 0)
    offers = selectors.introduction_list(user=buyer, filters={"turn": selectors.YOURS})
    assert [i.candidate_key for i in offers] == [f"org:{suppliers[3].pk}"]


def test_it_runs_a_fixed_number_of_queries(
    owner: User,
    sme: Organisation,
    buyer: User,
    buyer_org: Organisation,
    expert: ExpertProfile,
    django_assert_max_num_queries: Any,
) -> None:
    for _ in range(30):
        need = NeedFactory(organisation=sme)
        IntroductionFactory(query=need, status=State.REQUESTED)
        opportunity = OpportunityFactory(organisation=buyer_org)
        recommend(opportunity, OrganisationFactory())
        IntroductionFactory(candidate=expert, status=State.REQUESTED)
    with django_assert_max_num_queries(8):
        selectors.todo_for_sme(user=owner)
    with django_assert_max_num_queries(9):  # one count per line of the home page, whatever the numbers
        selectors.todo_for_buyer(user=buyer)
    with django_assert_max_num_queries(4):
        selectors.todo_for_expert(expert=expert)


def test_the_buyer_s_new_proposals_follow_the_read_time_rules(buyer: User, buyer_org: Organisation) -> None:
    from matching.models import ConflictOfInterest

    open_one = OpportunityFactory(organisation=buyer_org, status="open")
    restricted = OpportunityFactory(organisation=buyer_org, status="open", restricted=True)
    fine, conflicted, unvetted = (OrganisationFactory(kind="sme") for _ in range(3))
    recommend(open_one, fine)
    recommend(open_one, conflicted, rank=2)
    recommend(restricted, unvetted)
    ConflictOfInterest.objects.create(declared_by_organisation=buyer_org, organisation=conflicted, created_by=buyer)

    todo = selectors.todo_for_buyer(user=buyer)

    # Only what the opportunity pages would show counts: the conflict and the unvetted firm do not.
    assert todo.opportunities_with_new_proposals == [(open_one, 1)]
    assert todo.opportunities_with_new_proposals_count == 1
