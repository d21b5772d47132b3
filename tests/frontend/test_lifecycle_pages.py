"""The introduction lifecycle pages: timeline and actions, lists, notifications, conflicts, browsing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ExpertProfile, Organisation, User
from matching.models import (
    ConflictOfInterest,
    Engagement,
    Introduction,
    IntroductionEvent,
    Notification,
    Outcome,
    Recommendation,
)
from matching.services import introductions as services
from opportunities.models import Need, Opportunity
from tests.factories import (
    ExpertProfileFactory,
    NeedFactory,
    OpportunityFactory,
    OrganisationFactory,
    UserFactory,
    recommend,
)

pytestmark = pytest.mark.django_db


def _request(actor: User, query: Need | Opportunity, candidate: ExpertProfile | Organisation) -> Introduction:
    return services.recommendation_request(actor=actor, recommendation=recommend(query, candidate), message="ご相談")


@pytest.fixture(autouse=True)
def english(request: pytest.FixtureRequest) -> None:
    """The pages in English, so that the assertions hold whatever the Japanese catalogue holds."""
    for name in request.fixturenames:
        if name.endswith("_client"):
            request.getfixturevalue(name).cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def expert(expert_user: User) -> ExpertProfile:
    return ExpertProfile.objects.get(user=expert_user)


@pytest.fixture
def need(sme: Organisation) -> Need:
    return NeedFactory(organisation=sme, status="open", title="生産管理のデジタル化")


@pytest.fixture
def requested(owner: User, need: Need, expert: ExpertProfile) -> Introduction:
    return _request(owner, need, expert)


@pytest.fixture
def accepted(requested: Introduction, expert_user: User) -> Introduction:
    return services.introduction_accept(actor=expert_user, introduction=requested)


def _detail(client: Client, introduction: Introduction) -> Any:
    return client.get(reverse("introduction-detail", args=[introduction.pk]))


def _messages(response: Any) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


# --- Introduction page: timeline and actions -----------------------------------------------------------------


def test_the_whole_lifecycle_runs_through_the_page(
    owner_client: Client, expert_client: Client, requested: Introduction, owner: User
) -> None:
    pk = requested.pk
    expert_client.post(reverse("introduction-accept", args=[pk]), {"message": "喜んで"})
    page = _detail(owner_client, requested)
    assert page.context["can_start"] and not page.context["can_close"]

    response = owner_client.post(reverse("introduction-start", args=[pk]), {"note": "キックオフ済み"}, follow=True)
    assert Introduction.objects.get(pk=pk).status == "engaged"
    assert Engagement.objects.get(introduction_id=pk).started_at is not None
    assert response.context["can_close"] and not response.context["can_start"]
    assert "キックオフ済み" in response.content.decode()

    response = expert_client.post(reverse("introduction-close", args=[pk]), {"result": "completed"}, follow=True)
    assert Introduction.objects.get(pk=pk).status == "completed"
    assert Engagement.objects.get(introduction_id=pk).closed_at is not None
    assert [t["to"] for t in response.context["timeline"]] == [
        "Proposed",
        "Requested",
        "Accepted",
        "Engaged",
        "Completed",
    ]
    last = response.context["timeline"][-1]
    assert last["by_viewer"] and last["from"] == "Engaged"

    response = owner_client.post(
        reverse("introduction-outcome", args=[pk]),
        {"deal": "yes", "value_jpy": "1200000", "feedback": "5", "comment": "助かりました"},
        follow=True,
    )
    outcome = Outcome.objects.get(introduction_id=pk)
    assert (outcome.side, outcome.deal, outcome.value_jpy, outcome.feedback, outcome.comment, outcome.recorded_by) == (
        "requester",
        True,
        1_200_000,
        5,
        "助かりました",
        owner,
    )
    assert response.context["own_outcome"] == outcome
    assert response.context["outcome_form"].initial["value_jpy"] == 1_200_000  # can be corrected


def test_an_engagement_can_close_without_a_deal(
    owner_client: Client, accepted: Introduction, expert_user: User
) -> None:
    services.introduction_start(actor=expert_user, introduction=accepted)
    owner_client.post(reverse("introduction-close", args=[accepted.pk]), {"result": "no_deal", "note": "予算不足"})
    accepted.refresh_from_db()
    assert accepted.status == "no_deal"
    assert IntroductionEvent.objects.filter(introduction=accepted).last().note == "予算不足"  # type: ignore[union-attr]


def test_the_requester_withdraws_with_a_reason(owner_client: Client, requested: Introduction) -> None:
    response = owner_client.post(
        reverse("introduction-withdraw", args=[requested.pk]), {"note": "社内で解決しました"}, follow=True
    )
    requested.refresh_from_db()
    assert requested.status == "withdrawn"
    assert response.context["timeline"][-1]["event"].note == "社内で解決しました"
    assert "社内で解決しました" in response.content.decode()
    assert not response.context["can_withdraw"]


def test_the_page_offers_only_the_viewers_actions(
    owner_client: Client, expert_client: Client, requested: Introduction
) -> None:
    owner_page, expert_page = _detail(owner_client, requested), _detail(expert_client, requested)
    assert owner_page.context["can_withdraw"] and not owner_page.context["can_answer"]
    assert expert_page.context["can_answer"] and not expert_page.context["can_withdraw"]
    assert reverse("introduction-withdraw", args=[requested.pk]) not in expert_page.content.decode()
    for page in (owner_page, expert_page):
        assert not page.context["can_start"] and not page.context["can_record_outcome"]


def test_contacts_appear_only_once_accepted(
    expert_client: Client, requested: Introduction, expert_user: User, sme: Organisation
) -> None:
    page = _detail(expert_client, requested)
    html = page.content.decode()
    assert page.context["contacts"] is None and "<h2>Contact details</h2>" not in html
    assert sme.contact_email not in html
    services.introduction_accept(actor=expert_user, introduction=requested)
    page = _detail(expert_client, requested)
    assert "Contact details" in page.content.decode() and sme.contact_email in page.content.decode()


def test_the_timeline_is_shown_in_the_users_time_zone(
    owner: User, owner_client: Client, requested: Introduction
) -> None:
    IntroductionEvent.objects.filter(introduction=requested).update(created_at=datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    assert "2026-01-01 09:30" in _detail(owner_client, requested).content.decode()  # Asia/Tokyo by default
    User.objects.filter(pk=owner.pk).update(time_zone="Europe/London")
    assert "2026-01-01 00:30" in _detail(owner_client, requested).content.decode()


def test_the_wrong_side_gets_403(expert_client: Client, owner_client: Client, requested: Introduction) -> None:
    assert expert_client.post(reverse("introduction-withdraw", args=[requested.pk])).status_code == 403
    requested.refresh_from_db()
    assert requested.status == "requested"


@pytest.mark.parametrize("action", ["withdraw", "start", "close", "outcome"])
def test_outsiders_get_404(outsider_client: Client, accepted: Introduction, action: str) -> None:
    data = {"result": "completed", "deal": "no"}
    assert outsider_client.post(reverse(f"introduction-{action}", args=[accepted.pk]), data).status_code == 404
    assert _detail(outsider_client, accepted).status_code == 404
    accepted.refresh_from_db()
    assert accepted.status == "accepted"


def test_invalid_transitions_show_the_services_error(owner_client: Client, requested: Introduction) -> None:
    response = owner_client.post(reverse("introduction-start", args=[requested.pk]), follow=True)
    assert _messages(response) == [("error", "This introduction is Requested; it cannot become Engaged.")]
    response = owner_client.post(reverse("introduction-outcome", args=[requested.pk]), {"deal": "no"}, follow=True)
    assert _messages(response) == [("error", "An outcome can be recorded only after the introduction was accepted.")]
    requested.refresh_from_db()
    assert requested.status == "requested" and not Outcome.objects.exists()


def test_outcome_field_errors_are_shown_next_to_the_fields(owner_client: Client, accepted: Introduction) -> None:
    response = owner_client.post(
        reverse("introduction-outcome", args=[accepted.pk]), {"deal": "yes", "value_jpy": "-5", "feedback": "9"}
    )
    assert response.status_code == 200
    form = response.context["outcome_form"]
    assert set(form.errors) == {"value_jpy", "feedback"}
    assert 'class="field has-error"' in response.content.decode()
    assert not Outcome.objects.exists()


def test_actions_only_take_posts(owner_client: Client, requested: Introduction) -> None:
    assert owner_client.get(reverse("introduction-withdraw", args=[requested.pk])).status_code == 405


# --- My introductions and engagements ---------------------------------------------------------------------------


def test_the_list_filters_by_side_and_state(
    owner: User, owner_client: Client, buyer: User, buyer_org: Organisation, sme: Organisation, requested: Introduction
) -> None:
    opportunity = OpportunityFactory(organisation=buyer_org, title="精密加工先募集")
    addressed = _request(buyer, opportunity, sme)
    url = reverse("introduction-inbox")
    both = owner_client.get(url)
    assert [(i.pk, side) for i, side in both.context["rows"]] == [
        (addressed.pk, "candidate"),
        (requested.pk, "requester"),
    ]
    assert [i.pk for i, _ in owner_client.get(url, {"side": "requester"}).context["rows"]] == [requested.pk]
    assert [i.pk for i, _ in owner_client.get(url, {"side": "candidate"}).context["rows"]] == [addressed.pk]
    assert owner_client.get(url, {"state": "accepted"}).context["rows"] == []
    html = owner_client.get(url, {"state": "accepted"}).content.decode()
    assert "No introductions match these filters." in html


def test_experts_get_no_side_filter(expert_client: Client, requested: Introduction) -> None:
    response = expert_client.get(reverse("introduction-inbox"))
    assert "side" not in response.context["filter_form"].fields
    assert [i.pk for i, _ in response.context["rows"]] == [requested.pk]


def test_the_engagements_list_shows_load_and_outcome_status(
    owner: User, expert_client: Client, expert_user: User, expert: ExpertProfile, sme: Organisation
) -> None:
    ExpertProfile.objects.filter(pk=expert.pk).update(capacity=5, active_engagements=1)
    engaged = services.introduction_accept(
        actor=expert_user, introduction=_request(owner, NeedFactory(organisation=sme), expert)
    )
    services.introduction_start(actor=owner, introduction=engaged)
    done = services.introduction_accept(
        actor=expert_user, introduction=_request(owner, NeedFactory(organisation=sme), expert)
    )
    services.introduction_start(actor=owner, introduction=done)
    services.introduction_close(actor=owner, introduction=done, deal=True)
    services.outcome_record(actor=owner, introduction=done, deal=True, value_jpy=100)
    pending = _request(owner, NeedFactory(organisation=sme), expert)

    response = expert_client.get(reverse("engagement-list"))
    rows = {row["introduction"].pk: row for row in response.context["rows"]}
    assert set(rows) == {engaged.pk, done.pk}  # not the unanswered request
    assert pending.pk not in rows
    assert rows[done.pk]["own_outcome"] is None and rows[done.pk]["other_recorded"]
    assert (response.context["load"], response.context["capacity"], response.context["free"]) == (2, 5, 3)
    filtered = expert_client.get(reverse("engagement-list"), {"state": "completed"})
    assert [r["introduction"].pk for r in filtered.context["rows"]] == [done.pk]


def test_the_engagements_list_has_an_empty_state(owner_client: Client) -> None:
    response = owner_client.get(reverse("engagement-list"))
    assert "No engagements yet." in response.content.decode()
    assert "capacity" not in response.context


# --- Notifications ---------------------------------------------------------------------------------------------


def _notify(user: User, n: int, *, read: bool = False) -> list[Notification]:
    start = Notification.objects.count()
    return [
        Notification.objects.create(
            user=user,
            kind="introduction_requested",
            key=f"test:{start + i}",
            title=f"お知らせ {start + i}",
            url="/introductions/",
            read_at=timezone.now() if read else None,
        )
        for i in range(n)
    ]


def test_the_badge_counts_unread_notifications(owner: User, owner_client: Client) -> None:
    html = owner_client.get(reverse("home")).content.decode()
    assert 'class="status badge"' not in html
    _notify(owner, 2)
    _notify(owner, 1, read=True)
    assert '<span class="status badge">2</span>' in owner_client.get(reverse("need-list")).content.decode()


def test_the_request_notifies_the_candidate(
    expert_client: Client, owner: User, need: Need, expert: ExpertProfile, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        introduction = _request(owner, need, expert)
    response = expert_client.get(reverse("notification-list"))
    [notification] = response.context["page"].object_list
    assert notification.url == reverse("introduction-detail", args=[introduction.pk])
    assert '<span class="status badge">1</span>' in response.content.decode()


def test_unread_notifications_come_first_and_can_be_marked_read(owner: User, owner_client: Client) -> None:
    unread_old = _notify(owner, 1)[0]
    read_new = _notify(owner, 1, read=True)[0]
    response = owner_client.get(reverse("notification-list"))
    assert list(response.context["page"].object_list) == [unread_old, read_new]

    response = owner_client.post(reverse("notification-read", args=[unread_old.pk]), {"next": unread_old.url})
    assert response["Location"] == "/introductions/"  # continues to the target page
    unread_old.refresh_from_db()
    assert unread_old.read_at is not None
    # An outside `next` is ignored.
    other = _notify(owner, 1)[0]
    response = owner_client.post(reverse("notification-read", args=[other.pk]), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("notification-list")


def test_all_notifications_can_be_marked_read(owner: User, owner_client: Client, outsider: User) -> None:
    _notify(owner, 3)
    theirs = _notify(outsider, 1)[0]
    owner_client.post(reverse("notification-read-all"))
    assert not Notification.objects.filter(user=owner, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert owner_client.get(reverse("notification-list"), {"unread": "on"}).context["page"].paginator.count == 0


def test_someone_elses_notification_is_404(owner_client: Client, outsider: User) -> None:
    theirs = _notify(outsider, 1)[0]
    assert owner_client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("notification-read", args=[theirs.pk])).status_code == 405
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_notification_inbox_has_an_empty_state(expert_client: Client) -> None:
    assert "No notifications yet." in expert_client.get(reverse("notification-list")).content.decode()


# --- Conflicts of interest -------------------------------------------------------------------------------------


def test_an_expert_finds_and_declares_a_conflict_which_hides_the_pair(
    owner_client: Client, expert_client: Client, expert: ExpertProfile, need: Need, sme: Organisation
) -> None:
    recommend(need, expert)
    assert expert.name in owner_client.get(reverse("need-detail", args=[need.pk])).content.decode()

    search = expert_client.get(reverse("conflict-list"), {"q": "みやぎ"})
    assert [o.pk for o in search.context["page"].object_list] == [sme.pk]
    assert f'id="organisation-{sme.pk}"' in search.content.decode()

    response = expert_client.post(
        reverse("conflict-list"), {"q": "みやぎ", "organisation": sme.pk, "reason": "親族が経営"}, follow=True
    )
    assert [c.organisation for c in response.context["conflicts"]] == [sme]
    assert ConflictOfInterest.objects.get().reason == "親族が経営"
    assert _messages(response)[0][0] == "success"
    # The recommendation is gone from the SME's proposals.
    assert expert.name not in owner_client.get(reverse("need-detail", args=[need.pk])).content.decode()
    assert not Recommendation.objects.exists()


def test_a_duplicate_conflict_shows_the_services_error(
    expert_client: Client, expert_user: User, sme: Organisation
) -> None:
    from matching.services.conflicts import conflict_create

    conflict_create(actor=expert_user, organisation_id=sme.pk)
    response = expert_client.post(reverse("conflict-list"), {"q": "みやぎ", "organisation": sme.pk})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == ["This conflict of interest is already declared."]
    assert ConflictOfInterest.objects.count() == 1


def test_declaring_needs_a_chosen_organisation(buyer_client: Client) -> None:
    response = buyer_client.post(reverse("conflict-list"), {"q": "x"})
    assert response.context["form"].errors["organisation"] == ["Pick an organisation in the results."]
    unknown = buyer_client.post(reverse("conflict-list"), {"organisation": 999999})
    assert unknown.context["form"].errors["organisation"] == ["Unknown organisation."]


def test_a_buyer_removes_a_conflict_but_not_someone_elses(
    buyer: User, buyer_client: Client, other_buyer_client: Client, sme: Organisation
) -> None:
    from matching.services.conflicts import conflict_create

    conflict = conflict_create(actor=buyer, organisation_id=sme.pk)
    assert other_buyer_client.post(reverse("conflict-delete", args=[conflict.pk])).status_code == 404
    assert buyer_client.get(reverse("conflict-delete", args=[conflict.pk])).status_code == 405
    assert buyer_client.post(reverse("conflict-delete", args=[conflict.pk])).status_code == 302
    assert not ConflictOfInterest.objects.exists()


def test_smes_and_anonymous_visitors_cannot_use_the_conflicts_page(owner_client: Client, client: Client) -> None:
    assert owner_client.get(reverse("conflict-list")).status_code == 403
    assert client.get(reverse("conflict-list")).status_code == 302


def test_the_search_has_an_empty_state(expert_client: Client) -> None:
    html = expert_client.get(reverse("conflict-list"), {"q": "存在しない会社"}).content.decode()
    assert "No organisation matches" in html
    assert "No conflicts declared." in html


# --- SMEs browse open opportunities ----------------------------------------------------------------------------


def test_smes_browse_others_open_opportunities(
    owner_client: Client, sme: Organisation, buyer_org: Organisation
) -> None:
    open_one = OpportunityFactory(organisation=buyer_org, title="精密切削の協力会社募集")
    draft = OpportunityFactory(organisation=buyer_org, status="draft", title="下書きの案件")
    closed = OpportunityFactory(organisation=buyer_org, status="closed", title="終了した案件")
    restricted = OpportunityFactory(organisation=buyer_org, restricted=True, title="限定公開の案件")
    response = owner_client.get(reverse("opportunity-browse"))
    assert list(response.context["page"].object_list) == [open_one]
    html = response.content.decode()
    assert open_one.title in html and reverse("opportunity-browse-detail", args=[open_one.pk]) in html
    for hidden in (draft, closed, restricted):
        assert hidden.title not in html
        assert owner_client.get(reverse("opportunity-browse-detail", args=[hidden.pk])).status_code == 404
    assert owner_client.get(reverse("opportunity-browse-detail", args=[open_one.pk])).status_code == 200

    Organisation.objects.filter(pk=sme.pk).update(vetting_status=Organisation.Vetting.VETTED)
    vetted = owner_client.get(reverse("opportunity-browse")).context["page"].object_list
    assert set(vetted) == {open_one, restricted}


def test_the_browse_page_filters(owner_client: Client, buyer_org: Organisation) -> None:
    wanted = OpportunityFactory(organisation=buyer_org, title="チタン切削", prefecture="04")
    OpportunityFactory(organisation=buyer_org, title="樹脂成形", prefecture="03")
    url = reverse("opportunity-browse")
    assert list(owner_client.get(url, {"q": "チタン"}).context["page"].object_list) == [wanted]
    assert list(owner_client.get(url, {"prefecture": "04"}).context["page"].object_list) == [wanted]
    assert "status" not in owner_client.get(url).context["filter_form"].fields
    assert "No opportunities match these filters." in owner_client.get(url, {"q": "該当なし"}).content.decode()


def test_only_smes_browse(buyer_client: Client, expert_client: Client) -> None:
    assert buyer_client.get(reverse("opportunity-browse")).status_code == 403
    assert expert_client.get(reverse("opportunity-browse")).status_code == 403


# --- No N+1 on the new lists -----------------------------------------------------------------------------------


def _no_n_plus_one(
    client: Client, url: str, add: Any, django_assert_max_num_queries: Any, params: dict[str, str] | None = None
) -> Any:
    add(3)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params or {})
    baseline = len(few.captured_queries)  # read now: the next request clears the query log
    add(25)
    with django_assert_max_num_queries(baseline):
        return client.get(url, params or {})


def test_the_introductions_list_has_no_n_plus_one(
    owner: User, owner_client: Client, sme: Organisation, django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            _request(owner, NeedFactory(organisation=sme), ExpertProfileFactory())

    response = _no_n_plus_one(owner_client, reverse("introduction-inbox"), add, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 28


def test_the_engagements_list_has_no_n_plus_one(
    owner: User, expert_client: Client, expert: ExpertProfile, sme: Organisation, django_assert_max_num_queries: Any
) -> None:
    ExpertProfile.objects.filter(pk=expert.pk).update(capacity=100)

    def add(n: int) -> None:
        for _ in range(n):
            introduction = _request(owner, NeedFactory(organisation=sme), expert)
            services.introduction_accept(actor=expert.user, introduction=introduction)
            services.outcome_record(actor=owner, introduction=introduction, deal=False)

    response = _no_n_plus_one(expert_client, reverse("engagement-list"), add, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 28


def test_the_notification_list_has_no_n_plus_one(
    owner: User, owner_client: Client, django_assert_max_num_queries: Any
) -> None:
    response = _no_n_plus_one(
        owner_client, reverse("notification-list"), lambda n: _notify(owner, n), django_assert_max_num_queries
    )
    assert response.context["page"].paginator.count == 28


def test_the_conflict_pages_have_no_n_plus_one(
    expert_user: User, expert_client: Client, django_assert_max_num_queries: Any
) -> None:
    from matching.services.conflicts import conflict_create

    def add(n: int) -> None:
        for _ in range(n):
            org = OrganisationFactory(name=f"検索対象{UserFactory().pk}株式会社")
            conflict_create(actor=expert_user, organisation_id=org.pk)
            OrganisationFactory(name=f"検索対象{UserFactory().pk}工業")

    response = _no_n_plus_one(
        expert_client, reverse("conflict-list"), add, django_assert_max_num_queries, {"q": "検索対象"}
    )
    assert len(response.context["conflicts"]) == 28
    assert response.context["page"].paginator.count == 56


def test_the_browse_page_has_no_n_plus_one(
    owner_client: Client, buyer_org: Organisation, django_assert_max_num_queries: Any
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            OpportunityFactory(organisation=buyer_org)

    response = _no_n_plus_one(owner_client, reverse("opportunity-browse"), add, django_assert_max_num_queries)
    assert response.context["page"].paginator.count == 28


def test_it_falls_back_to_tokyo_for_a_bad_stored_time_zone(
    owner: User, owner_client: Client, requested: Introduction
) -> None:
    IntroductionEvent.objects.filter(introduction=requested).update(created_at=datetime(2026, 1, 1, 0, 30, tzinfo=UTC))
    User.objects.filter(pk=owner.pk).update(time_zone="Mars/Olympus_Mons")
    response = _detail(owner_client, requested)
    assert response.status_code == 200
    assert "2026-01-01 09:30" in response.content.decode()
