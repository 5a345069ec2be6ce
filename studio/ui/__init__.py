"""The desktop app (PySide6). The only package that imports Qt; it calls core operations and
shows what they return, and never touches the catalog or the vault's files itself."""

import os

# Qt Multimedia logs each optional codec library it does not find (VA-API, PipeWire…) when it
# loads; quiet unless the user asks for Qt's logging themselves.
os.environ.setdefault("QT_LOGGING_RULES", "qt.multimedia.symbolsresolver=false;qt.multimedia.ffmpeg.info=false")
