"""inquiries judged by the sender before it mails them, not inside POST /contact

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:40:00

Additive only: one nullable column. ``unjudged`` holds what only the request knew (the
honeypot, the seconds the form took, a confirmed too-fast send) until the sender has
judged the inquiry; NULL means judged (every row written before this revision was).
Downgrading drops it: an inquiry still unjudged then is mailed as a lead, unjudged.
"""

from alembic import op
import sqlalchemy as sa


revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.add_column(sa.Column("unjudged", sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table("inquiries") as batch:
        batch.drop_column("unjudged")
