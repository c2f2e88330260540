"""sending: a daily send quota per organisation (ASVS 11.1.4), counted from an index

``organization.daily_send_quota`` is the office's own quota, set by association
staff (NULL: the SEND_DAILY_QUOTA setting); ``ix_submission_org_created`` lets a
send count the office's submissions of the day without reading its history.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-26 13:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.add_column(sa.Column('daily_send_quota', sa.Integer(), nullable=True))
    op.create_index('ix_submission_org_created', 'submission', ['org_id', 'created_at'],
                    unique=False)


def downgrade():
    op.drop_index('ix_submission_org_created', table_name='submission')
    with op.batch_alter_table('organization', schema=None) as batch_op:
        batch_op.drop_column('daily_send_quota')
