"""Demo figures for the satisfaction survey: `flask seed-demo-surveys` (after `seed-demo`).

A few fictional requests (`demo_data.DEMO_SURVEYS`) taken by the demo helpdesk and agent through
the whole SOP with the workflow's own verbs (submitted, verified, disposed, SLA and BA attached,
Selesai, signed copies returned, Close Tiket), then answered through each ticket's tracking
token (`models.skm.submit_survey`): so that `make run` shows an index on "Survei Kepuasan".
"""

from __future__ import annotations

from models import demo_data, skm, workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.staff import User
from models.uploads import Upload

DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
HELPDESK_EMAIL = "helpdesk@example.go.id"
AGENT_EMAIL = "agen@example.go.id"


def _pdf(name: str, salt: str, required_document_id=None) -> Upload:
    return Upload(name, DEMO_PDF + salt.encode(), required_document_id)


def _closed_ticket(person: dict, number: int, layanan, helpdesk, agent):
    request = workflow.NewRequest(
        requester_name=person["requester"],
        requester_nip=f"1985010120100{number:05d}",
        requester_position="Pranata Komputer Ahli Pertama",
        requester_email=f"pemohon.demo{number}@example.go.id",
        requester_phone="081200000000",
        perangkat_daerah_id=PerangkatDaerah.get(
            PerangkatDaerah.code == person["perangkat_daerah"]
        ).id,
        layanan_id=layanan.id,
        subject=f"{layanan.name} (contoh survei {number})",
        description="Permohonan contoh untuk data demo Survei Kepuasan Masyarakat.",
    )
    uploads = [
        _pdf(f"{r.name}.pdf", f"{number}-{r.id}", r.id)
        for r in RequiredDocument.for_layanan(layanan.id)
    ]
    ticket = workflow.submit(None, request, uploads)
    workflow.verify_complete(helpdesk, ticket.id)
    workflow.dispose(helpdesk, ticket.id, agent.id)
    workflow.attach_document(agent, ticket.id, "sla", _pdf("sla.pdf", f"sla-{number}"))
    workflow.attach_document(agent, ticket.id, "ba", _pdf("ba.pdf", f"ba-{number}"))
    workflow.mark_selesai(agent, ticket.id)
    workflow.submit_signed(
        ticket.tracking_token,
        _pdf("sla-ttd.pdf", f"sla-ttd-{number}"),
        _pdf("ba-ttd.pdf", f"ba-ttd-{number}"),
    )
    workflow.close(agent, ticket.id, confirm_wet_ink=True)
    return ticket


def seed_demo_surveys() -> int:
    """Take each demo request to Close Tiket and answer its survey; returns how many were
    answered. Does nothing when any survey answer exists already (safe to run twice)."""
    if skm.SurveyResponse.select().exists():
        return 0
    helpdesk = User.get(User.email == HELPDESK_EMAIL)
    agent = User.get(User.email == AGENT_EMAIL)
    services = list(Layanan.select().where(Layanan.seksi == agent.seksi_id).order_by(Layanan.id))
    for number, person in enumerate(demo_data.DEMO_SURVEYS, start=1):
        layanan = services[(number - 1) % len(services)]
        ticket = _closed_ticket(person, number, layanan, helpdesk, agent)
        answers = {u.field: value for u, value in zip(skm.UNSUR, person["answers"], strict=True)}
        skm.submit_survey(ticket.tracking_token, answers, person["comment"])
    return len(demo_data.DEMO_SURVEYS)
