"""visitors' votes on the guide assistant's answers, and the vote tokens already used

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistant_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=300), nullable=False),
    sa.Column('section', sa.String(length=100), nullable=False),
    sa.Column('yes', sa.Integer(), nullable=False),
    sa.Column('no', sa.Integer(), nullable=False),
    sa.Column('last_voted', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('question', 'section')
    )
    with op.batch_alter_table('assistant_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_votes_last_voted'), ['last_voted'], unique=False)

    op.create_table('assistant_vote_tokens',
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('digest')
    )
    with op.batch_alter_table('assistant_vote_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_vote_tokens_used_at'), ['used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('assistant_vote_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_vote_tokens_used_at'))

    op.drop_table('assistant_vote_tokens')
    with op.batch_alter_table('assistant_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_votes_last_voted'))

    op.drop_table('assistant_votes')
