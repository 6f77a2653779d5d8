"""triage learns from sales: an inquiry's label (genuine when delivered from the digest,
spam when marked) and who decided it; the refits of the wording model

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 21:20:00

Additive only: no inquiry decided before this release gets a label, so the site starts
learning from the first decision made after it.
"""

from alembic import op
import sqlalchemy as sa


revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("label", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("labelled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("labelled_by", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_inquiries_label", ["label", "labelled_at"], unique=False)

    op.create_table(
        "triage_refits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("examples_key", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("genuine", sa.Integer(), nullable=False),
        sa.Column("spam", sa.Integer(), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("examples_key"),
    )


def downgrade():
    op.drop_table("triage_refits")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_inquiries_label")
        batch_op.drop_column("labelled_by")
        batch_op.drop_column("labelled_at")
        batch_op.drop_column("label")
