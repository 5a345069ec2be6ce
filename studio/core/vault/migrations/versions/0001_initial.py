"""initial catalog: blobs, pending writes, talents, assets, asset files, audit events

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "blobs",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "pending_writes",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("store", sa.String(16), primary_key=True),
        sa.Column("started_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "talents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name_sealed", sa.LargeBinary, nullable=False),
        sa.Column("email_sealed", sa.LargeBinary, nullable=True),
        sa.Column("agency_sealed", sa.LargeBinary, nullable=True),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False, index=True),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False, unique=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("original_name_sealed", sa.LargeBinary, nullable=False),
        sa.Column("metrics_sealed", sa.LargeBinary, nullable=False),
        sa.Column("warnings_sealed", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(24), nullable=False, index=True),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "asset_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asset_id", sa.String(32), sa.ForeignKey("assets.id"), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name_sealed", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("blobs.sha256"), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )


def downgrade() -> None:
    for table in ("audit_events", "asset_files", "assets", "talents", "pending_writes", "blobs"):
        op.drop_table(table)
