"""the approval of each output (issue 14, DR047): a brand's requests and the talent's decisions

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("package_id", sa.String(32), sa.ForeignKey("packages.id"), nullable=False, index=True),
        sa.Column("grant_id", sa.String(32), sa.ForeignKey("grants.id"), nullable=False),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("brand_id", sa.String(32), sa.ForeignKey("brands.id"), nullable=False),
        sa.Column("request_sealed", sa.LargeBinary, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("responded_at", sa.String(32), nullable=True),
    )
    op.create_table(
        "approval_outputs",
        sa.Column("request_id", sa.String(32), sa.ForeignKey("approval_requests.id"), primary_key=True),
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("statement_sealed", sa.LargeBinary, nullable=True),
        sa.Column("signature", sa.String(128), nullable=True),
        sa.Column("decided_at", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("approval_outputs")
    op.drop_table("approval_requests")
