"""applications: covering indexes for 申請データ検索 (filters, sorts, visibility, counts)

Revision ID: 0012
Revises: 0013
Create Date: 2026-11-25 22:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0013'
branch_labels = None
depends_on = None

SEARCH = ["updated_at", "id", "org_id", "agent_org_id", "requester_org_id", "state", "procedure",
          "backend", "oss_status", "created_by_id", "created_at", "submitted_at", "accepted_at",
          "completed_at", "registration_no", "chassis_no", "owner_name", "receipt_number"]


def upgrade():
    op.create_index("ix_application_search", "application", SEARCH, unique=False)
    op.create_index("ix_application_visibility", "application",
                    ["org_id", "agent_org_id", "requester_org_id"], unique=False)


def downgrade():
    op.drop_index("ix_application_visibility", table_name="application")
    op.drop_index("ix_application_search", table_name="application")
