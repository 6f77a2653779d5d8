"""questions the guide assistant could not answer

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistant_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('asks', sa.Integer(), nullable=False),
    sa.Column('first_asked', sa.DateTime(), nullable=False),
    sa.Column('last_asked', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('text')
    )
    with op.batch_alter_table('assistant_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assistant_questions_last_asked'), ['last_asked'], unique=False)


def downgrade():
    with op.batch_alter_table('assistant_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_questions_last_asked'))

    op.drop_table('assistant_questions')
