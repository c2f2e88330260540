"""applications: deleting a never-filed application hides it (deleted_at) instead of
removing its row

SQLite gives a new row the largest id plus one, so a deleted application's No.
went to the next one made: its audit line, a bookmark and a waiting 予約送信
then named another application. The row stays, emptied and seen by no one
(``Application.tenant_criteria``); its id is never given again. The column
joins both covering indexes, so 申請データ検索 and the visibility counts still
read indexes only.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-26 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

SEARCH = ["updated_at", "id", "org_id", "agent_org_id", "requester_org_id", "state", "procedure",
          "backend", "oss_status", "created_by_id", "created_at", "submitted_at", "accepted_at",
          "completed_at", "registration_no", "chassis_no", "owner_name", "receipt_number"]
VISIBILITY = ["org_id", "agent_org_id", "requester_org_id"]


def _indexes(extra: list[str]) -> None:
    op.drop_index("ix_application_search", table_name="application")
    op.drop_index("ix_application_visibility", table_name="application")
    op.create_index("ix_application_search", "application", SEARCH + extra, unique=False)
    op.create_index("ix_application_visibility", "application", VISIBILITY + extra, unique=False)


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))
    _indexes(["deleted_at"])


def downgrade():
    _indexes([])
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
