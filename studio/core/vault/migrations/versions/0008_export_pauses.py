"""the talent's pauses of new exports (DR050): each signed pause, and the signed resume that lifted it

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_pauses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), nullable=False, index=True),
        sa.Column("grant_id", sa.String(32), sa.ForeignKey("grants.id"), nullable=True),
        sa.Column("statement_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("statement", sa.Text, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("paused_at", sa.String(32), nullable=False),
        sa.Column("resume_statement", sa.Text, nullable=True),
        sa.Column("resume_signature", sa.String(128), nullable=True),
        sa.Column("resumed_at", sa.String(32), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("export_pauses")
