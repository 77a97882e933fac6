"""The dashboard's figures of months already over kept in the database (`models.kept_figures`):
written for months over only, read by a worker with an empty memory without counting again,
keyed by what the scope resolves to (a catalogue change gives a new key), and a row that does
not decode, or that rows added since would change, is counted again."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from models import dashboard, figure_cache, kept_figures, step_histograms
from models.catalog import Layanan, Seksi
from models.compliance import Period
from models.kept_figures import KeptFigure
from tests.helpers import Statements, june_scenario, new_request, required_uploads, wib

NOW = wib(7, 15, 10)  # Wednesday 15 July 2026: April-June over, 1-14 July over, today counted
Q2 = Period.quarter(2026, 2)
Q3 = Period.quarter(2026, 3)


@pytest.fixture
def july(monkeypatch):
    for module in (figure_cache, step_histograms, dashboard):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)


@pytest.fixture
def scenario(db, users, july):
    return june_scenario(users)


@pytest.fixture
def statements():
    with Statements() as handler:
        yield handler


def fresh_memory(app):
    """A worker that has not counted yet: its memory empty (the database is shared)."""
    app.extensions.pop(figure_cache.EXTENSION, None)


def figures(user, period):
    """Every period table of the heads' page, as plain rows."""
    tables = dashboard.head_tables()
    slugs = ["banding", "tren", "langkah", "per-layanan", "per-petugas", "kelengkapan", "balasan"]
    return {s: [tuple(r) for r in tables[s](user, period, NOW).rows] for s in slugs}


def labels(kind):
    return sorted(
        k.key.rsplit("|", 1)[1] for k in KeptFigure.select().where(KeptFigure.kind == kind)
    )


def test_rows_are_written_for_periods_over_only(scenario, users):
    figures(users["kepala_bidang"], Q3)
    assert labels("month") == [f"2025-{m}" for m in (10, 11, 12)] + [
        f"2026-{m:02}" for m in range(1, 7)
    ]  # the trend's months up to September and Q2 (the comparison) that are over: not July
    assert labels("histograms") == []  # Q3's only month is July: not over
    assert labels("incomplete") == []
    assert labels(kept_figures.DAYS_KIND) == ["2026-07-01..2026-07-14"]
    figures(users["kepala_bidang"], Q2)
    assert labels("histograms") == ["2026-04", "2026-05", "2026-06"]
    assert labels("histograms-over") == ["2026-04-01..2026-06-30"]
    assert labels("incomplete") == ["2026-04", "2026-05", "2026-06"]
    assert labels(kept_figures.DAYS_KIND) == ["2026-07-01..2026-07-14"]


TODAY = "datetime.datetime(2026, 7, 14, 17, 0)"  # 15 July 00:00 WIB


def counts(statements):
    """(the step-fact GROUP BYs, the step-fact counts of a month) among the statements."""
    facts = statements.on("step_fact")
    grouped = [s for s in facts if "GROUP BY" in s]
    return grouped, [s for s in facts if "COUNT(*), SUM" in s and s not in grouped]


def test_a_fresh_worker_reads_the_rows_without_counting_again(scenario, users, app, statements):
    kabid = users["kepala_bidang"]
    first = figures(kabid, Q3)
    assert first["banding"][1][1:3] == (7, 2)  # Q2: received and closed in the kabid's bidang
    grouped, monthly = counts(statements)
    assert len(grouped) == 6 and len(monthly) == 12  # 1-14 July and today; October-September
    fresh_memory(app)
    statements.seen.clear()
    assert figures(kabid, Q3) == first
    grouped, monthly = counts(statements)
    assert len(grouped) == 3 and all(TODAY in s for s in grouped)  # today only
    assert len(monthly) == 3  # July, August, September: not over
    # read: the comparison's months over, the trend's other months, 1-14 July's histograms
    assert len(statements.on("kept_figure")) == 3

    q2 = figures(kabid, Q2)
    fresh_memory(app)
    statements.seen.clear()
    assert figures(kabid, Q2) == q2  # every month over: nothing of step_fact counted at all
    assert counts(statements) == ([], [])
    assert q2["langkah"] == counted_directly(kabid, Q2)


def counted_directly(user, period):
    groups = step_histograms._count_part(user, *period.bounds())
    return [tuple(r) for r in dashboard.steps_table(user, period, groups).rows]


def test_a_catalogue_change_of_scope_gives_a_new_key(scenario, users, app):
    kabid = users["kepala_bidang"]
    before = figures(kabid, Q2)
    digest = figure_cache.scope_digest(kabid)
    assert {k.key.split("|")[1] for k in KeptFigure.select()} == {digest}
    # ticket c's service moves out of the kabid's bidang (Aptika) to Tata Kelola (e-Gov)
    Layanan.update(seksi=Seksi.get(Seksi.code == "tata-kelola").id).where(
        Layanan.code == "gangguan-aplikasi"
    ).execute()
    assert figure_cache.scope_digest(kabid) != digest
    fresh_memory(app)
    after = figures(kabid, Q2)
    assert after["banding"][0][1] == before["banding"][0][1] - 1  # c no longer in the scope
    direct = dashboard.period_figures(kabid, [Q2])[0]
    assert after["banding"][0][1:] == direct
    assert after["langkah"] == counted_directly(kabid, Q2)
    assert len({k.key.split("|")[1] for k in KeptFigure.select()}) == 2


def test_a_disputed_ticket_given_to_another_agent_counts_its_kept_month_again(scenario, users, app):
    """A ticket whose work (step 5) ended in June with Galih, kept; in July the requester
    disputes it and the helpdesk gives it to Eka: the facts per agent follow the ticket's
    agent, no row is added, so June's kept figures are forgotten and June counts Eka's step."""
    from models import workflow
    from models.seed import create_staff_user
    from models.uploads import Upload
    from tests.helpers import PDF_BYTES

    admin, helpdesk, galih = users["admin"], users["helpdesk"], users["agent"]
    eka, _ = create_staff_user(
        "eka@example.go.id",
        "Eka Putri",
        "agent",
        seksi_code=Seksi.get_by_id(galih.seksi_id).code,
    )
    b = scenario["b"]  # disposed to Galih on 3 June
    for kind in ("sla", "ba"):
        upload = Upload(f"{kind}.pdf", PDF_BYTES + kind.encode())
        workflow.attach_document(galih, b.id, kind, upload, now=wib(6, 10, 9))
    workflow.mark_selesai(galih, b.id, now=wib(6, 10, 10))
    before = figures(admin, Q2)["per-petugas"]
    assert not any("Eka Putri" in str(row) for row in before)
    workflow.dispute(b.tracking_token, "Subdomain belum aktif.", now=NOW)
    workflow.reassign(helpdesk, b.id, eka.id, now=NOW)
    fresh_memory(app)
    after = figures(admin, Q2)["per-petugas"]
    assert any("Eka Putri" in str(row) for row in after), after
    KeptFigure.delete().execute()
    fresh_memory(app)
    assert figures(admin, Q2)["per-petugas"] == after  # what a count from scratch gives


def test_a_disposition_forgets_no_kept_figure(scenario, users, app):
    """Disposing gives the ticket's verification and disposition facts an agent, but those steps
    are not counted per agent: the kept months stay."""
    from models import workflow

    t = workflow.submit(None, new_request(), required_uploads(), now=wib(6, 29, 9))
    workflow.verify_complete(users["helpdesk"], t.id, now=wib(6, 29, 10))
    figures(users["admin"], Q2)
    kept = KeptFigure.select().count()
    workflow.dispose(users["helpdesk"], t.id, users["agent"].id, now=NOW)
    assert KeptFigure.select().count() == kept > 0


def test_a_corrupt_row_is_counted_again_and_written_over(scenario, users, app, statements):
    admin = users["admin"]
    before = figures(admin, Q2)
    bad = KeptFigure.select().where(KeptFigure.kind == "histograms-over").get()
    KeptFigure.update(value='{"not": "a histogram"').where(KeptFigure.key == bad.key).execute()
    month = (
        KeptFigure.select()
        .where(KeptFigure.key.endswith("|2026-05"), KeptFigure.kind == "histograms")
        .get()
    )
    KeptFigure.update(value='[["step", null, 5, 3, 1, [1, 2], [1]]]').where(
        KeptFigure.key == month.key
    ).execute()  # JSON, but not a group (the counts do not match the tenths)
    fresh_memory(app)
    statements.seen.clear()
    assert figures(admin, Q2) == before
    grouped = [s for s in statements.on("step_fact") if "GROUP BY" in s]
    assert len(grouped) == 3  # May's three dimensions only: April and June read from their rows
    assert KeptFigure.get_by_id(bad.key).value != '{"not": "a histogram"'
    assert step_histograms._decode(json.loads(KeptFigure.get_by_id(month.key).value))


def test_a_row_that_rows_added_since_would_change_is_counted_again(scenario, users, app):
    """A ticket received in June recorded after June was kept (an import of past tickets):
    June's rows are not read; the rows it leaves alone take the new watermark."""
    admin = users["admin"]
    assert figures(admin, Q2)["banding"][0][1] == 8
    from models import workflow

    workflow.submit(None, new_request(), required_uploads(), now=wib(6, 20, 9))
    fresh_memory(app)
    assert figures(admin, Q2)["banding"][0][1] == 9
    seen = kept_figures.watermark()
    june = KeptFigure.select().where(KeptFigure.key.endswith("|2026-06")).first()
    assert (june.tickets_seen, june.steps_seen) == seen


def test_an_agent_scope_is_not_kept(scenario, users):
    """A reassignment moves a ticket's ended steps to another agent: not kept in the database."""
    agent = users["agent"]
    assert figure_cache.scope_digest(agent) is None
    dashboard.month_counts(agent, [Period.month(2026, 6)])
    step_histograms.period_histograms(agent, Q2)
    assert KeptFigure.select().count() == 0


def test_a_value_too_large_is_not_kept(scenario, users, monkeypatch):
    monkeypatch.setattr(kept_figures, "MAX_VALUE_CHARS", 20)
    figures(users["admin"], Q2)
    # April has no step ended ("[]" fits), May and June do; four counts fit
    assert labels("histograms") == ["2026-04"] and "2026-06" in labels("month")


def test_the_daily_task_keeps_each_heads_scope_before_the_first_page(
    scenario, users, app, statements
):
    from tasks.dashboard import keep_dashboard_figures

    kabid = users["kepala_bidang"]
    scopes = keep_dashboard_figures.call_local()
    assert scopes >= 3  # the admin, each kepala bidang's bidang, each kepala seksi's seksi
    assert figure_cache.scope_digest(kabid) in {k.key.split("|")[1] for k in KeptFigure.select()}
    fresh_memory(app)
    statements.seen.clear()
    year = Period.year(2026)
    page = figures(kabid, year)
    grouped, _monthly = counts(statements)
    assert len(grouped) == 3 and all(TODAY in s for s in grouped)  # today only
    assert page["langkah"] == counted_directly(kabid, year)


def test_rows_that_a_later_day_replaces_are_pruned(scenario, users):
    kabid = users["kepala_bidang"]
    figures(kabid, Q2)
    figures(kabid, Q3)
    old = dt.datetime(2020, 1, 1)
    KeptFigure.update(written_at=old).execute()
    days = Period(dt.date(2026, 7, 1), dt.date(2026, 7, 15))
    seen = kept_figures.watermark()
    for kind in (kept_figures.DAYS_KIND, kept_figures.OVER_KIND):
        kept_figures.write(
            kind, "d", {"new": (days.bounds()[1], {})}, step_histograms._encode, seen
        )
        assert labels(kind) == ["new"]
    assert "2026-06" in labels("histograms") and "2026-06" in labels("month")  # months stay
