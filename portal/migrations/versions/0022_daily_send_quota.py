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
    op.add_column('organization', sa.Column('daily_send_quota', sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        # a large submission table keeps taking writes while its index is built
        with op.get_context().autocommit_block():
            op.create_index('ix_submission_org_created', 'submission', ['org_id', 'created_at'],
                            unique=False, postgresql_concurrently=True)
    else:
        op.create_index('ix_submission_org_created', 'submission', ['org_id', 'created_at'],
                        unique=False)


def downgrade():
    op.drop_index('ix_submission_org_created', table_name='submission')
    # A plain ALTER TABLE … DROP COLUMN (SQLite ≥ 3.35 has it): a batch rebuild of
    # organization would fail while other rows point at it (foreign keys are on).
    op.drop_column('organization', 'daily_send_quota')
