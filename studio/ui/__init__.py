"""The desktop app (PySide6). The only package that imports Qt; it calls core operations and
shows what they return, and never touches the catalog or the vault's files itself."""
