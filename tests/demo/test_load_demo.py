from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import ExpertProfile, Organisation, User
from matching.models import Introduction, IntroductionEvent, Recommendation
from opportunities.models import Need, Opportunity
from programmes.models import FollowUp, Programme

# Transactional: recommendations are computed on commit of the load, as in `make demo`.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_loads_a_believable_market_once(client: Client, capfd: pytest.CaptureFixture[str]) -> None:
    call_command("load_demo", "--if-empty")
    # Quiet: a few summary lines, then `make demo` prints the logins; no e-mails, task logs or tracebacks.
    out, err = capfd.readouterr()
    assert "Content-Type:" not in out + err
    assert "Task matching." not in out + err
    assert "Traceback" not in out + err
    assert len((out + err).splitlines()) <= 5, out + err
    smes = Organisation.objects.filter(kind="sme")
    assert smes.count() >= 300
    assert smes.filter(prefecture__in=["02", "03", "04", "05", "06", "07"]).count() >= 150
    assert smes.exclude(prefecture__in=["02", "03", "04", "05", "06", "07"]).exists()
    assert ExpertProfile.objects.count() >= 40
    assert ExpertProfile.objects.values("expert_type").distinct().count() >= 4
    assert Organisation.objects.filter(kind="buyer").count() >= 15
    assert Need.objects.count() >= 150
    assert Opportunity.objects.count() >= 40
    assert {o.size_class for o in smes} >= {"small", "sme", "large"}
    # The engine proposed counterparts, and the demo has a past for the dashboard.
    assert Recommendation.objects.filter(need__isnull=False).exists()
    assert Recommendation.objects.filter(opportunity__isnull=False).exists()
    states = set(Introduction.objects.values_list("status", flat=True))
    assert {"requested", "accepted", "declined", "expired", "completed", "no_deal"} <= states | {
        "requested",
        "accepted",
    }
    assert {"completed", "no_deal", "declined"} <= states
    assert IntroductionEvent.objects.filter(introduction__status="completed").count() >= 3
    for expert in ExpertProfile.objects.all():
        open_engagements = expert.engagements.filter(closed_at__isnull=True).count()
        assert expert.active_engagements + open_engagements <= max(expert.capacity, expert.active_engagements)
    # The dispatch schemes keep rosters: the expert the demo pays, and experts who serve 青森 for its schemes.
    persona_expert = ExpertProfile.objects.get(user__email="expert@demo.tsunagu.jp")
    assert persona_expert.programme_registrations.filter(code="demo_dispatch").exists()
    for code in ("demo_dispatch", "aomori_expert_dispatch"):
        roster = Programme.objects.get(code=code).registered_experts.all()
        assert 2 <= roster.count() <= 9, code
    counts = (Organisation.objects.count(), Need.objects.count())
    call_command("load_demo", "--if-empty")
    assert (Organisation.objects.count(), Need.objects.count()) == counts

    for email in ("sme@demo.tsunagu.jp", "expert@demo.tsunagu.jp", "buyer@demo.tsunagu.jp", "bureau@demo.tsunagu.jp"):
        assert client.login(username=email, password="tsunagu-demo-2026"), email
        assert client.get("/").status_code == 200
        client.logout()

    # The bureau officer works on the bureau pages of its jurisdiction; the admin is for superusers only.
    officer = User.objects.get(email="bureau@demo.tsunagu.jp")
    assert not officer.is_staff and not officer.is_superuser and not officer.user_permissions.exists()
    client.force_login(officer)
    assert client.get("/bureau/").status_code == 200
    # Outcome follow-ups: answered ones from 東北 firms feed the KPI page; the SME persona has one to answer.
    kpi_page = client.get("/bureau/programmes/kpis/").content.decode()
    assert "002_e43f891f4b09988d.txt:6" in kpi_page and "事業者の" in kpi_page
    sme_persona = User.objects.get(email="sme@demo.tsunagu.jp")
    due = FollowUp.objects.get(participation__organisation__memberships__user=sme_persona, answered_at__isnull=True)
    client.force_login(sme_persona)
    assert f"/follow-ups/{due.pk}/" in client.get("/").content.decode()
    assert client.get(f"/follow-ups/{due.pk}/").status_code == 200
    client.force_login(officer)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/knox/authtoken/").status_code == 302
