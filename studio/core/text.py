"""Names and other one-line text: refused at input when they hold control characters, and
escaped on output so that no stored text can forge a line of a listing (issue 17).

"Control" here is what can break or disguise a line on a terminal or in a log: C0 and C1
controls (newline, carriage return, escape...), DEL, Unicode's line and paragraph separators
and the bidirectional overrides and isolates. Tabs are refused in names too.
"""

from __future__ import annotations

import re

from studio.core.errors import InvalidInput

CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# lone surrogates: what ``os.fsdecode`` (surrogateescape) makes of a file name's non-UTF-8 bytes
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_name(value: object, what: str, limit: int = 200, required: bool = True) -> str | None:
    """``value`` stripped: one line of at most ``limit`` characters without control characters
    (:class:`InvalidInput` naming ``what`` otherwise); ``None`` when empty and not ``required``."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise InvalidInput(f"{what} must be text")
    if not text:
        if required:
            raise InvalidInput(f"{what} is required")
        return None
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    if CONTROL.search(text) or _SURROGATE.search(text):
        raise InvalidInput(f"{what} holds control characters or line breaks; give it on one line")
    return text


def _escape(match: re.Match) -> str:
    c = match.group(0)
    return f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}"


def shown(text: object) -> str:
    """``text`` made safe for one line of output: control characters become visible escapes
    (``\\n``, ``\\x1b``…), undecodable file-name bytes the replacement character."""
    s = str(text)
    s = _SURROGATE.sub("\ufffd", s)
    return CONTROL.sub(_escape, s)


def printable(text: str) -> str:
    """``text`` with undecodable file-name bytes (surrogate escapes) as U+FFFD, for output that
    escapes control characters itself (JSON)."""
    return _SURROGATE.sub("\ufffd", text)
