"""per-talent likeness keys (DR055): each talent's age identity wrapped by the vault key, the owner
of each blob (whose key it is encrypted to), and the instant a talent was erased

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _has(table: str, column: str | None = None) -> bool:
    inspector = sa.inspect(op.get_bind())
    if table not in inspector.get_table_names():
        return False
    return column is None or column in {c["name"] for c in inspector.get_columns(table)}


def upgrade() -> None:
    # each step only if missing: a downgrade keeps them while likeness keys exist (see below)
    if not _has("talent_blob_keys"):
        op.create_table(
            "talent_blob_keys",
            sa.Column("talent_id", sa.String(32), sa.ForeignKey("talents.id"), primary_key=True),
            sa.Column("recipient", sa.String(128), nullable=False),
            sa.Column("wrapped_identity", sa.LargeBinary, nullable=False),
            sa.Column("created_at", sa.String(32), nullable=False),
        )
    # NULL: a blob encrypted to the vault key (stored before this revision, or no talent's)
    if not _has("blobs", "owner"):
        op.add_column("blobs", sa.Column("owner", sa.String(32), nullable=True))
    if not _has("talents", "erased_at"):
        op.add_column("talents", sa.Column("erased_at", sa.String(32), nullable=True))


def downgrade() -> None:
    """Never destroys a likeness key: with any stored, the table and the owners stay (an older Twin
    Studio ignores them; upgrading again finds them), or every talent's files would be lost."""
    if op.get_bind().execute(sa.text("SELECT COUNT(*) FROM talent_blob_keys")).scalar():
        return
    # SQLite (3.35+) drops a column in place: a batch copy of ``blobs`` would have to drop the table
    # other tables' foreign keys point at
    op.execute("ALTER TABLE talents DROP COLUMN erased_at")
    op.execute("ALTER TABLE blobs DROP COLUMN owner")
    op.drop_table("talent_blob_keys")
