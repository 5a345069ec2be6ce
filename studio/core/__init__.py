"""Twin Studio core: vault, ingest and everything below the UI. Never imports Qt."""
