"""assistant: questions it could not answer (abstentions, fallbacks, hand-overs, thumbs-down)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import models.base

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assistant_misses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('conversation_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assistant_misses'))
    )
    with op.batch_alter_table('assistant_misses', schema=None) as batch_op:
        batch_op.create_index('ix_assistant_misses_created', ['created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assistant_misses_conversation_id'), ['conversation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('assistant_misses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assistant_misses_conversation_id'))
        batch_op.drop_index('ix_assistant_misses_created')
    op.drop_table('assistant_misses')
