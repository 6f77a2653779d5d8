"""triage: held inquiries, their reasons and fingerprints, spam marks, digests

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:40:00

Additive only: every existing inquiry keeps its state (pending ones are still mailed
once, delivered ones never again). Spam stored before triage (the honeypot was the only
reason then) gets that reason in words, so `outbox list --state spam` can say why; no old
row gets fingerprints, so nothing stored before triage is remembered as marked spam.
"""

from alembic import op
import sqlalchemy as sa


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DELIVERY_STATE = (
    ("status", sa.String(length=16)),
    ("attempts", sa.Integer()),
    ("next_attempt_at", sa.DateTime()),
)


def upgrade():
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reasons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("fingerprints", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("text_fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("released_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_inquiries_text_fingerprint", ["text_fingerprint", "created_at"], unique=False
        )
    op.execute(
        "UPDATE inquiries SET reasons = '[\"The hidden website field was filled in\"]' "
        "WHERE status = 'spam' AND spam_reason = 'honeypot'"
    )

    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=255), nullable=False),
        sa.Column("held_count", sa.Integer(), nullable=False),
        sa.Column("spam_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        *(sa.Column(name, kind, nullable=False) for name, kind in DELIVERY_STATE),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period_key"),
    )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.create_index("ix_digests_due", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "spam_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(length=255), nullable=False),
        sa.Column("inquiry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("spam_marks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_spam_marks_fingerprint", ["fingerprint", "created_at"], unique=False
        )


def downgrade():
    # Held inquiries did not exist before: they go back to the queue rather than vanish.
    op.execute("UPDATE inquiries SET status = 'pending' WHERE status = 'held'")
    with op.batch_alter_table("spam_marks", schema=None) as batch_op:
        batch_op.drop_index("ix_spam_marks_fingerprint")
    op.drop_table("spam_marks")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index("ix_digests_due")
    op.drop_table("digests")
    with op.batch_alter_table("inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_inquiries_text_fingerprint")
        batch_op.drop_column("digest_id")
        batch_op.drop_column("released_at")
        batch_op.drop_column("text_fingerprint")
        batch_op.drop_column("fingerprints")
        batch_op.drop_column("reasons")
