"""each visitor's latest vote on an answer: three visitors' Noes withdraw it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 21:40:00

Additive only: the counts in assistant_votes stay as they were; votes cast before this
release name no visitor, so they withdraw nothing.
"""

from alembic import op
import sqlalchemy as sa


revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assistant_visitor_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("section", sa.String(length=100), nullable=False),
        sa.Column("visitor", sa.String(length=64), nullable=False),
        sa.Column("helped", sa.Boolean(), nullable=False),
        sa.Column("voted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("question", "section", "visitor"),
    )
    with op.batch_alter_table("assistant_visitor_votes", schema=None) as batch_op:
        batch_op.create_index("ix_assistant_visitor_votes_voted_at", ["voted_at"], unique=False)


def downgrade():
    op.drop_table("assistant_visitor_votes")
