"""read paths at scale: a partial index of the open cases per department in inbox order, and one of the
decided cases per department by decision time (the stats), both covering what those queries read

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 08:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

OPEN = "status IN ('accepted', 'pending_decision', 'submitted', 'supplement_requested')"
DECIDED = "status IN ('approved', 'not_accepted', 'rejected')"


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(
            'ix_cases_open_inbox',
            ['department_id', sa.text("coalesce(due_date, '9999-12-31')"), 'submitted_at', 'id'],
            unique=False, postgresql_where=sa.text(OPEN), sqlite_where=sa.text(OPEN),
            postgresql_include=['service_id', 'status', 'due_date', 'assigned_to_id'],
        )
        batch_op.create_index(
            'ix_cases_decided_by_department', ['department_id', 'closed_at'],
            unique=False, postgresql_where=sa.text(DECIDED), sqlite_where=sa.text(DECIDED),
            postgresql_include=['service_id', 'accepted_at', 'paused_working_days', 'due_date'],
        )


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_decided_by_department')
        batch_op.drop_index('ix_cases_open_inbox')
