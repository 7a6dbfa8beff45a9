"""office and ratings: service ratings (好差评) and rectification items

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 01:42:46.609443
"""
from alembic import op
import sqlalchemy as sa
import models.base
from sqlalchemy import Text


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('efficiency', sa.Integer(), nullable=True),
    sa.Column('guide_accuracy', sa.Integer(), nullable=True),
    sa.Column('convenience', sa.Integer(), nullable=True),
    sa.Column('platform_usability', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_ratings_applicant_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_ratings_case_id_cases')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_ratings_department_id_departments')),
    sa.ForeignKeyConstraint(['service_id'], ['services.id'], name=op.f('fk_ratings_service_id_services')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ratings')),
    sa.UniqueConstraint('case_id', name=op.f('uq_ratings_case_id'))
    )
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratings_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ratings_service_id'), ['service_id'], unique=False)

    op.create_table('rectifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rating_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('opened_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', models.base.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_rectifications_case_id_cases')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_rectifications_closed_by_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_rectifications_department_id_departments')),
    sa.ForeignKeyConstraint(['rating_id'], ['ratings.id'], name=op.f('fk_rectifications_rating_id_ratings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rectifications')),
    sa.UniqueConstraint('rating_id', name=op.f('uq_rectifications_rating_id'))
    )
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rectifications_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_rectifications_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('rectifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rectifications_status'))
        batch_op.drop_index(batch_op.f('ix_rectifications_due_date'))
        batch_op.drop_index(batch_op.f('ix_rectifications_department_id'))
        batch_op.drop_index(batch_op.f('ix_rectifications_case_id'))

    op.drop_table('rectifications')
    with op.batch_alter_table('ratings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratings_service_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_department_id'))
        batch_op.drop_index(batch_op.f('ix_ratings_created_at'))
        batch_op.drop_index(batch_op.f('ix_ratings_applicant_id'))

    op.drop_table('ratings')
