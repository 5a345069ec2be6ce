"""brands, packages and the ledger

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "brands",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("verify_key", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "packages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("grant_id", sa.String(32), sa.ForeignKey("grants.id"), nullable=False, index=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("brand_id", sa.String(32), sa.ForeignKey("brands.id"), nullable=False, index=True),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("manifest_sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False, index=True),
        sa.Column("on", sa.String(10), nullable=False, index=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("grant_id", sa.String(32), sa.ForeignKey("grants.id"), nullable=False),
        sa.Column("brand_id", sa.String(32), sa.ForeignKey("brands.id"), nullable=False),
        sa.Column("package_id", sa.String(32), sa.ForeignKey("packages.id"), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=True),
        sa.Column("media", sa.String(32), nullable=True),
        sa.Column("territory", sa.String(8), nullable=True),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("fee", sa.String(32), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=True, unique=True),
        sa.Column("details_sealed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ledger_entries")
    op.drop_table("packages")
    op.drop_table("brands")
