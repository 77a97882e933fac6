"""Template files in the catalogue: per required document an optional template the requester
downloads (`required_document.template_*`), per service an optional SLA template for the agent
(`layanan.sla_template_*`). The bytes live in the document store; the rows name them by sha256.

Columns are added in place (nullable, no default): no table is rebuilt, no row changes.
"""

from __future__ import annotations

from peewee import CharField

COLUMNS = {
    "required_document": ("template_filename", "template_content_type", "template_sha256"),
    "layanan": ("sla_template_filename", "sla_template_content_type", "sla_template_sha256"),
}


def upgrade(migrator, database) -> None:
    """Add the nullable template columns to `required_document` and `layanan`."""
    for table, columns in COLUMNS.items():
        for column in columns:
            migrator.add_column(table, column, CharField(null=True)).run()
