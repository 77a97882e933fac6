"""The satisfaction survey (SKM) and its index (IKM) by Permenpan RB 14/2017: the worked
example, the grade intervals, who may answer (once, only a ticket closed as fulfilled, only by
its token, with CSRF), the invitation in the Close Tiket email, and what staff see (aggregates
in their scope, never a ticket's answers, nothing for the agent)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from models import skm, workflow
from models.catalog import Layanan
from models.compliance import Period
from models.ticket import AUDIENCE_REQUESTER, Notification, Ticket
from tasks.emails import compose
from tests.helpers import T0

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
ALL_GOOD = {f"u{n}": 4 for n in range(1, 10)}

# A worked example in the regulation's layout (Lampiran, "Pengolahan Data"): ten respondents,
# the total per unsur, its mean (NRR), NRR x weight, their sum (IKM unit) and IKM x 25.
#   unsur            U1   U2   U3   U4   U5   U6   U7   U8   U9
#   answers of 4      5    2    0   10    3    6    8    1    0
#   answers of 3      5    8    9    0    7    4    2    9   10
#   answers of 2      0    0    1    0    0    0    0    0    0
#   total            35   32   29   40   33   36   38   31   30
#   NRR             3.5  3.2  2.9  4.0  3.3  3.6  3.8  3.1  3.0   (sum 30.4)
#   IKM unit = 30.4 x 1/9 = 3.3778;  IKM = 3.3778 x 25 = 84.44;  mutu B (Baik)
WORKED_FOURS = (5, 2, 0, 10, 3, 6, 8, 1, 0)
WORKED_MEANS = (3.5, 3.2, 2.9, 4.0, 3.3, 3.6, 3.8, 3.1, 3.0)


def worked_answers() -> list[dict]:
    """The ten respondents' answers of the worked example."""
    rows = []
    for i in range(10):
        answers = {f"u{n + 1}": 4 if i < fours else 3 for n, fours in enumerate(WORKED_FOURS)}
        answers["u3"] = 2 if i == 9 else 3
        rows.append(answers)
    return rows


def answered(make_ticket, answers_list, at=T0) -> list[Ticket]:
    """One ticket closed as fulfilled per set of answers, each answered through its token."""
    tickets = []
    for answers in answers_list:
        ticket = make_ticket("closed")
        skm.submit_survey(ticket.tracking_token, answers, now=at)
        tickets.append(ticket)
    return tickets


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_survey(client, ticket, answers, comment="", token=None):
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    data = {"csrf_token": csrf(html), "survey_comment": comment, **answers}
    return client.post(f"/lacak/{token or ticket.tracking_token}/survei", data=data)


# --- the index --------------------------------------------------------------------------------


def test_the_worked_example_gives_the_regulations_index(db, make_ticket, users):
    answered(make_ticket, worked_answers())
    result = skm.summary(JUNE, users["admin"])
    assert result.respondents == 10
    assert result.means == pytest.approx(WORKED_MEANS)
    assert result.ikm_unit == pytest.approx(30.4 / 9)
    assert result.ikm == 84.44
    assert (result.grade, str(result.grade_words)) == ("B", "Baik")


def test_the_index_is_the_mean_of_the_unsur_means_times_25():
    assert skm.summarize(5, (4,) * 9).ikm == 100.0
    assert skm.summarize(5, (1,) * 9).ikm == 25.0
    # unequal means weigh the same: (4 + 1 x 8) / 9 x 25
    assert skm.summarize(5, (4,) + (1,) * 8).ikm == round(12 / 9 * 25, 2)


@pytest.mark.parametrize(
    "ikm, letter, words",
    [
        (25.00, "D", "Tidak Baik"),
        (64.99, "D", "Tidak Baik"),
        (65.00, "C", "Kurang Baik"),
        (76.60, "C", "Kurang Baik"),
        (76.61, "B", "Baik"),
        (88.30, "B", "Baik"),
        (88.31, "A", "Sangat Baik"),
        (100.00, "A", "Sangat Baik"),
    ],
)
def test_grade_boundaries_of_the_converted_index(app, ikm, letter, words):
    with app.app_context():
        found = skm.grade(ikm)
        assert (found[0], str(found[1])) == (letter, words)


@pytest.mark.parametrize(
    "unit, letter",
    [(2.5996, "D"), (2.60, "C"), (3.064, "C"), (3.0644, "B"), (3.532, "B"), (3.5324, "A")],
)
def test_grade_boundaries_of_the_unit_interval(unit, letter):
    # every unsur at the same mean: the unit index is that mean
    assert skm.summarize(3, (unit,) * 9).grade == letter


def test_fewer_respondents_than_the_minimum_show_no_figures(db, make_ticket, users):
    answered(make_ticket, [ALL_GOOD] * (skm.MIN_RESPONDENTS - 1))
    result = skm.summary(JUNE, users["admin"])
    assert result.respondents == skm.MIN_RESPONDENTS - 1
    assert (result.means, result.ikm, result.grade) == (None, None, None)
    assert skm.comments(JUNE, users["admin"]) == []


def test_the_period_counts_the_answers_submitted_in_it(db, make_ticket, users):
    answered(make_ticket, [ALL_GOOD] * 3, at=T0)
    answered(make_ticket, [{**ALL_GOOD, "u1": 1}] * 3, at=T0 + dt.timedelta(days=31))
    assert skm.summary(JUNE, users["admin"]).respondents == 3
    july = skm.by_month(users["admin"], Period(dt.date(2026, 6, 1), dt.date(2026, 7, 31)))
    rows = list(july.rows)
    assert [r[0] for r in rows] == ["2026-06", "2026-07"]
    assert [r[1] for r in rows] == [3, 3]
    assert rows[0][2] == 4.0 and rows[1][2] == 1.0


# --- who may answer -----------------------------------------------------------------------------


def test_a_fulfilled_ticket_answers_once(db, make_ticket):
    ticket = make_ticket("closed")
    skm.submit_survey(ticket.tracking_token, ALL_GOOD, "Pelayanan cepat.")
    with pytest.raises(workflow.WorkflowError) as refused:
        skm.submit_survey(ticket.tracking_token, {**ALL_GOOD, "u1": 1}, "Lagi")
    assert refused.value.kind == "state" and "sudah diisi" in str(refused.value)
    rows = list(skm.SurveyResponse.select().where(skm.SurveyResponse.ticket == ticket.id))
    assert len(rows) == 1 and rows[0].u1 == 4 and rows[0].comment == "Pelayanan cepat."


@pytest.mark.parametrize("status", ["open", "selesai", "signed", "rejected", "withdrawn"])
def test_no_survey_for_a_ticket_not_closed_as_fulfilled(db, make_ticket, status):
    if status == "withdrawn":
        ticket = make_ticket("open")
        workflow.withdraw(ticket.tracking_token, "Tidak diperlukan lagi")
    else:
        ticket = make_ticket(status)
    with pytest.raises(workflow.WorkflowError) as refused:
        skm.submit_survey(ticket.tracking_token, ALL_GOOD)
    assert refused.value.kind == "state"
    assert skm.SurveyResponse.select().count() == 0


def test_every_unsur_needs_an_answer_on_its_scale(db, make_ticket):
    ticket = make_ticket("closed")
    for bad in ({**ALL_GOOD, "u9": ""}, {**ALL_GOOD, "u4": 5}, {**ALL_GOOD, "u2": "0"}):
        with pytest.raises(workflow.WorkflowError) as refused:
            skm.submit_survey(ticket.tracking_token, bad)
        assert refused.value.kind == "invalid"
    assert skm.SurveyResponse.select().count() == 0


def test_the_tracking_page_invites_and_thanks(client, db, make_ticket):
    ticket = make_ticket("closed")
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert 'id="form-survei"' in html and html.count('type="radio"') == 9 * 4
    assert "<legend>1. Persyaratan</legend>" in html
    response = post_survey(client, ticket, ALL_GOOD, "Terima kasih")
    assert response.status_code == 303
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert 'id="form-survei"' not in html and 'id="survei-terima-kasih"' in html


def test_a_second_submission_by_the_form_changes_nothing(client, db, make_ticket):
    ticket = make_ticket("closed")
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    data = {"csrf_token": csrf(html), **ALL_GOOD}
    assert client.post(f"/lacak/{ticket.tracking_token}/survei", data=data).status_code == 303
    again = client.post(
        f"/lacak/{ticket.tracking_token}/survei", data={**data, "u1": "1", "u2": "1"}
    )
    assert again.status_code == 409 and "sudah diisi" in again.get_data(as_text=True)
    assert skm.SurveyResponse.get(skm.SurveyResponse.ticket == ticket.id).u1 == 4


def test_an_incomplete_form_says_which_unsur_is_missing(client, db, make_ticket):
    ticket = make_ticket("closed")
    response = post_survey(client, ticket, {**ALL_GOOD, "u5": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'id="u5-error"' in html and "Produk Spesifikasi Jenis Pelayanan" in html
    assert 'id="u1-4" name="u1" value="4" required checked' in html  # kept what was chosen
    assert skm.SurveyResponse.select().count() == 0


def test_a_wrong_token_is_a_404(client, db, make_ticket):
    ticket = make_ticket("closed")
    response = post_survey(client, ticket, ALL_GOOD, token="x" * 43)
    assert response.status_code == 404
    assert skm.SurveyResponse.select().count() == 0


def test_one_token_cannot_answer_for_another_ticket(client, db, make_ticket):
    fulfilled, other = make_ticket("closed"), make_ticket("closed")
    html = client.get(f"/lacak/{fulfilled.tracking_token}").get_data(as_text=True)
    data = {"csrf_token": csrf(html), "ticket": other.id, "ticket_id": other.id, **ALL_GOOD}
    assert client.post(f"/lacak/{fulfilled.tracking_token}/survei", data=data).status_code == 303
    assert [r.ticket_id for r in skm.SurveyResponse.select()] == [fulfilled.id]
    # an open ticket's token is refused, whatever ticket the form names
    open_ticket = make_ticket("open")
    data["ticket"] = fulfilled.id
    response = client.post(f"/lacak/{open_ticket.tracking_token}/survei", data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Penilaian belum dapat dikirim" in html and "ditutup karena terpenuhi" in html
    assert skm.SurveyResponse.select().count() == 1


def test_the_form_is_refused_without_its_csrf_token(client, db, make_ticket):
    ticket = make_ticket("closed")
    response = client.post(f"/lacak/{ticket.tracking_token}/survei", data=ALL_GOOD)
    assert response.status_code == 400
    assert skm.SurveyResponse.select().count() == 0


# --- the invitation -------------------------------------------------------------------------


def closed_email(ticket, requester=True):
    query = Notification.select().where(
        Notification.ticket == ticket.id, Notification.kind == "closed"
    )
    rows = [r for r in query if (r.audience == AUDIENCE_REQUESTER) == requester]
    message = compose(rows[0], ["x@example.go.id"])
    return message.body, message.alternatives[0][0]


def test_the_close_tiket_email_invites_only_a_fulfilled_requester(db, make_ticket):
    fulfilled = make_ticket("closed")
    text, html = closed_email(fulfilled)
    link = f"/lacak/{fulfilled.tracking_token}#survei"
    assert "Survei Kepuasan Masyarakat" in text and link in text
    assert 'id="undangan-survei"' in html and link in html
    staff_text, staff_html = closed_email(fulfilled, requester=False)
    assert "Survei Kepuasan" not in staff_text and "undangan-survei" not in staff_html
    rejected = make_ticket("rejected")
    text, html = closed_email(rejected)
    assert "Survei Kepuasan" not in text and "undangan-survei" not in html


# --- what staff see ---------------------------------------------------------------------------


def other_seksi_service(user) -> Layanan:
    return Layanan.select().where(Layanan.seksi != user.seksi_id).order_by(Layanan.id).first()


def test_kepala_seksi_counts_only_their_seksis_answers(db, make_ticket, users):
    kasi = users["kepala_seksi"]
    own = answered(make_ticket, [ALL_GOOD] * 3)
    others = answered(make_ticket, [{f"u{n}": 1 for n in range(1, 10)}] * 3)
    elsewhere = other_seksi_service(kasi)
    Ticket.update(layanan=elsewhere.id).where(Ticket.id.in_([t.id for t in others])).execute()
    assert own[0].layanan.seksi_id == kasi.seksi_id
    mine = skm.summary(JUNE, kasi)
    assert mine.respondents == 3 and mine.ikm == 100.0
    assert skm.summary(JUNE, users["admin"]).respondents == 6
    assert [row[0] for row in skm.by_layanan(kasi, JUNE).rows] == [own[0].layanan.name]
    admin_rows = {row[0]: row[1] for row in skm.by_layanan(users["admin"], JUNE).rows}
    assert admin_rows[elsewhere.name] == 3


def test_the_agent_counts_nothing_even_for_their_own_tickets(db, make_ticket, users):
    tickets = answered(make_ticket, [ALL_GOOD] * 3)
    assert all(t.assigned_agent_id == users["agent"].id for t in tickets)
    result = skm.summary(JUNE, users["agent"])
    assert result.respondents == 0 and result.ikm is None


def test_the_agent_cannot_open_the_survey_page(client, login_as, db, make_ticket):
    login_as("agent")
    assert client.get("/admin/survei-kepuasan/").status_code == 403


@pytest.mark.parametrize("role", ["agent", "admin"])
def test_no_ticket_page_shows_its_answers(client, login_as, db, make_ticket, role):
    tickets = answered(make_ticket, [ALL_GOOD] * 3)
    skm.SurveyResponse.update(comment="Rahasia pemohon 42").where(
        skm.SurveyResponse.ticket == tickets[0].id
    ).execute()
    login_as(role)
    html = client.get(f"/admin/tiket/details/?id={tickets[0].id}").get_data(as_text=True)
    assert tickets[0].number in html  # the page is there
    assert "Rahasia pemohon 42" not in html and "Sangat sesuai" not in html


def test_the_heads_page_shows_the_index_and_the_tables(client, login_as, db, make_ticket):
    answered(make_ticket, worked_answers())
    login_as("kepala_bidang")
    response = client.get("/admin/survei-kepuasan/?dari=2026-06-01&sampai=2026-06-30")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r'id="ikm-nilai">84,44<', html)
    assert re.search(r'id="ikm-mutu">B \(Baik\)<', html)
    assert 'id="table-skm-layanan"' in html and 'id="table-skm-bidang"' in html
    assert 'id="table-skm-bulan"' in html
    for ticket in Ticket.select():
        assert ticket.number not in html


def test_the_heads_page_refuses_a_bad_period_clearly(client, login_as, db):
    login_as("kepala_seksi")
    response = client.get("/admin/survei-kepuasan/?dari=kemarin")
    assert response.status_code == 200 and 'id="period-error"' in response.get_data(as_text=True)


def test_the_demo_surveys_give_the_heads_page_figures(db, users):
    from models.compliance import current_month
    from models.demo_surveys import seed_demo_surveys

    assert seed_demo_surveys() == 4
    result = skm.summary(current_month(), users["kepala_bidang"])
    assert result.respondents == 4 and result.shown and result.grade in "ABCD"
    assert seed_demo_surveys() == 0  # safe to run twice
    assert skm.SurveyResponse.select().count() == 4
    assert all(t.close_reason == "fulfilled" for t in Ticket.select())
