"""The dashboard, figure CSVs and period reports on the web, per persona."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine

from casework.audit.models import AuditEvent

from .conftest import at

pytestmark = pytest.mark.django_db

MARCH = {"preset": "custom", "start": "2026-03-01", "end": "2026-03-31"}
REPORT = {"kind": "monthly", "year": "2026", "month": "3", "format": "csv"}


@pytest.fixture
def end_of_march():
    with time_machine.travel(at(31, 12), tick=False):
        yield


def test_it_shows_a_supervisor_their_units_dashboard(history, supervisor, client_for):
    response = client_for(supervisor).get("/oversight/", MARCH)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Oversight: North Unit" in body
    assert 'role="img"' in body and "<title" in body
    assert 'id="table-referrals_weekly"' in body
    assert "Not available yet" not in body


def test_the_dashboard_query_count_is_bounded(
    history, supervisor, client_for, django_assert_max_num_queries
):
    client = client_for(supervisor)
    with django_assert_max_num_queries(40):
        response = client.get("/oversight/", {**MARCH, "start": "2025-04-01"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/oversight/",
        "/oversight/figures/caseload.csv",
        "/oversight/reports/",
        "/oversight/reviews/",
    ],
)
def test_investigators_and_auditors_get_404(path, investigator, auditor, client_for):
    for user in (investigator, auditor):
        assert client_for(user).get(path).status_code == 404


def test_a_supervisor_asking_for_another_unit_gets_404(supervisor, south, client_for):
    client = client_for(supervisor)
    assert client.get("/oversight/", {"unit": "south"}).status_code == 404
    assert client.get("/oversight/figures/caseload.csv", {"unit": "south"}).status_code == 404
    assert client.get("/oversight/reports/", {**REPORT, "unit": "south"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/oversight/")
    assert response.status_code == 302


def test_an_administrator_reads_every_unit_without_record_links(history, administrator, client_for):
    response = client_for(administrator).get("/oversight/", MARCH)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Oversight: All units" in body
    assert "Read-only aggregate view" in body
    assert "behind this figure" not in body
    assert client_for(administrator).get("/oversight/reviews/").status_code == 404


def test_a_ranked_table_shows_its_first_rows_and_the_csv_keeps_them_all(
    history, administrator, client_for, monkeypatch
):
    from dataclasses import replace

    from casework.oversight.registry import FIGURES

    client = client_for(administrator)
    everyone = list(
        csv.reader(
            io.StringIO(client.get("/oversight/figures/caseload.csv", MARCH).content.decode())
        )
    )[1:]
    assert len(everyone) >= 2, "the history has people on cases in both units"
    monkeypatch.setitem(FIGURES, "caseload", replace(FIGURES["caseload"], page_rows=1))

    body = client.get("/oversight/", MARCH).content.decode()
    section = body[body.index('id="figure-caseload"') :]
    section = section[: section.index("</section>")]
    table = section[section.index('id="table-caseload"') : section.index("</table>")]
    assert table.count('<th scope="row">') == 1
    assert everyone[0][0] in table  # the first of the ranking, not an arbitrary one
    assert everyone[1][0] != everyone[0][0] and everyone[1][0] not in section  # chart too
    assert f"Showing the first 1 of {len(everyone)} rows" in section
    again = client.get("/oversight/figures/caseload.csv", MARCH).content.decode()
    assert len(list(csv.reader(io.StringIO(again)))) - 1 == len(everyone)


def test_a_figure_downloads_as_csv_and_the_export_is_audited(history, supervisor, client_for):
    response = client_for(supervisor).get("/oversight/figures/referrals_weekly.csv", MARCH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Week starting", "Received", "Triaged"]
    assert sum(int(row[1]) for row in rows[1:]) == 7
    event = AuditEvent.objects.filter(action="report.export").latest("id")
    assert event.actor == supervisor
    assert event.details["format"] == "csv"


def test_an_unknown_figure_is_404(supervisor, client_for):
    assert client_for(supervisor).get("/oversight/figures/nothing.csv").status_code == 404


def _report_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def _section(rows, title):
    start = next(i for i, row in enumerate(rows) if row == [title])
    end = next((i for i in range(start + 1, len(rows)) if rows[i] == []), len(rows))
    return rows[start + 3 : end]  # after title, definition and header


def test_the_monthly_reports_totals_equal_the_records(history, supervisor, client_for):
    from casework.referrals.models import Referral

    response = client_for(supervisor).get("/oversight/reports/", REPORT)
    assert response.status_code == 200
    rows = _report_rows(response)
    weekly = _section(rows, "Referrals received and triaged per week")
    received = Referral.objects.filter(unit=supervisor.unit, received_at__month=3).count()
    assert sum(int(row[1]) for row in weekly) == received
    assert sum(1 for row in rows if row and row[0] == "Definition") == 7
    assert AuditEvent.objects.filter(action="report.export", actor=supervisor).exists()


def test_a_shared_report_suppresses_small_counts(history, supervisor, client_for):
    response = client_for(supervisor).get("/oversight/reports/", {**REPORT, "shared": "on"})
    rows = _report_rows(response)
    weekly = _section(rows, "Referrals received and triaged per week")
    received = [row[1] for row in weekly]
    assert received == ["0", "<5", "<5", "<5", "<5", "0"]
    triage = _section(rows, "Time to triage against the clock")
    overall = next(row for row in triage if row[0] == "All priorities")
    assert overall[1:3] == ["5", "30.0"]
    assert overall[3] != "n<5"
    p2 = next(row for row in triage if row[0] == "P2")
    assert p2[1:3] == ["<5", "n<5"]
    marking = next(row for row in rows if row and row[0] == "Marking")
    assert marking[1].startswith("For sharing outside the unit")
    event = AuditEvent.objects.filter(action="report.export").latest("id")
    assert event.details["shared"] is True


def test_the_report_comes_as_a_pdf(history, supervisor, client_for):
    response = client_for(supervisor).get("/oversight/reports/", {**REPORT, "format": "pdf"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_report_form_shows_definitions(supervisor, client_for):
    response = client_for(supervisor).get("/oversight/reports/")
    assert response.status_code == 200
    assert "Time to triage against the clock" in response.content.decode()


def test_the_api_gives_the_figures_to_a_supervisor(history, supervisor, api_for):
    response = api_for(supervisor).get(
        "/api/v1/oversight/figures/",
        {"start": "2026-03-01", "end": "2026-03-31", "figure": "referrals_weekly"},
    )
    assert response.status_code == 200
    (figure,) = response.json()["figures"]
    assert figure["key"] == "referrals_weekly"
    assert sum(row["received"] for row in figure["rows"]) == 7


def test_the_api_answers_404_to_investigators_and_other_units(
    supervisor, investigator, south, api_for
):
    assert api_for(investigator).get("/api/v1/oversight/figures/").status_code == 404
    assert (
        api_for(supervisor).get("/api/v1/oversight/figures/", {"unit": "south"}).status_code == 404
    )
    bad = api_for(supervisor).get("/api/v1/oversight/figures/", {"start": "soon"})
    assert bad.status_code == 400
