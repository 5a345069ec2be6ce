"""The documented vocabularies a grant is written in (see docs/consent.md).

Purposes say what the likeness is used *for*; media say *where* it appears; excluded categories
are uses the talent rules out whatever else the grant allows. Territories are ISO 3166-1
alpha-2 codes, currencies ISO 4217, languages ISO 639-1 (pycountry's tables).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import pycountry

from studio.core.errors import InvalidInput

PURPOSES = {
    "advertising": "advertising campaigns",
    "e-commerce": "product pages and online shops",
    "editorial": "editorial content (magazines, lookbooks)",
    "catalogue": "printed or digital catalogues",
    "virtual-try-on": "virtual try-on of garments",
    "voice-synthesis": "synthesised speech in the talent's voice",
    "internal-preview": "internal previews that are never published",
}
MEDIA = {
    "web": "websites", "social": "social media", "print": "print", "out-of-home": "billboards and posters",
    "video": "online video", "broadcast": "television", "in-store": "in-store screens", "app": "mobile apps",
    "audio": "audio and podcasts",
}
EXCLUDED = {
    "political": "political or campaign content", "adult": "adult or sexual content", "tobacco": "tobacco and vaping",
    "alcohol": "alcohol", "gambling": "gambling", "health-claims": "health or medical claims",
    "weapons": "weapons", "religious": "religious content", "financial-products": "financial products",
}
# The grant's dates are calendar dates in the time zone of its jurisdiction (the capital's zone
# where a country has several; --timezone names another).
JURISDICTION_TZ = {
    "FR": "Europe/Paris", "DE": "Europe/Berlin", "GB": "Europe/London", "IE": "Europe/Dublin",
    "IT": "Europe/Rome", "ES": "Europe/Madrid", "NL": "Europe/Amsterdam", "BE": "Europe/Brussels",
    "PT": "Europe/Lisbon", "SE": "Europe/Stockholm", "DK": "Europe/Copenhagen", "PL": "Europe/Warsaw",
    "US": "America/New_York", "CA": "America/Toronto", "BR": "America/Sao_Paulo", "MX": "America/Mexico_City",
    "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "CN": "Asia/Shanghai", "IN": "Asia/Kolkata", "AU": "Australia/Sydney",
    "NG": "Africa/Lagos", "ZA": "Africa/Johannesburg", "AE": "Asia/Dubai", "CH": "Europe/Zurich",
}


def _choose(values: list[str], vocabulary: dict[str, str], what: str) -> list[str]:
    cleaned = [v.strip().lower() for v in values if v.strip()]
    unknown = [v for v in cleaned if v not in vocabulary]
    if unknown:
        raise InvalidInput(f"unknown {what} {', '.join(map(repr, unknown))} (one of {', '.join(vocabulary)})")
    return sorted(set(cleaned))


def purposes(values: list[str]) -> list[str]:
    return _choose(values, PURPOSES, "purpose")


def media(values: list[str]) -> list[str]:
    return _choose(values, MEDIA, "medium")


def excluded(values: list[str]) -> list[str]:
    return _choose(values, EXCLUDED, "excluded category")


def territory(code: str) -> str:
    c = code.strip().upper()
    if len(c) != 2 or pycountry.countries.get(alpha_2=c) is None:
        raise InvalidInput(f"{code!r} is not an ISO 3166-1 alpha-2 country code (e.g. FR, US, JP)")
    return c


def territories(values: list[str]) -> list[str]:
    return sorted({territory(v) for v in values if v.strip()})


# ISO 4217's X-codes that are not money one can pay a fee in: precious metals, bond-market units,
# the SDR, the Sucre, the ADB unit, the Arab accounting dinar, "testing" (XTS) and "no currency"
# (XXX). The real currencies among the X-codes (XAF, XOF, XCD, XPF, XCG) stay accepted.
NOT_MONEY = frozenset({"XAD", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA",
                       "XXX"})
MAX_FEE = Decimal(10) ** 9


def currency(code: str) -> str:
    c = code.strip().upper()
    if len(c) != 3 or pycountry.currencies.get(alpha_3=c) is None or c in NOT_MONEY:
        raise InvalidInput(f"{code!r} is not an ISO 4217 currency code of money a fee can be paid in (e.g. EUR, USD)")
    return c


def fee(value: object) -> Decimal:
    """An amount of money (a fee, a cap): finite, from 0 to 1,000,000,000, with at most 2 decimals."""
    text = str(value).strip()
    try:
        amount = Decimal(text) if len(text) <= 40 else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(f"fee {text[:40]!r} is not an amount (e.g. 1500 or 1500.50)")
    if amount < 0 or amount > MAX_FEE or amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(f"fee {text!r} must be zero or more and at most 1,000,000,000, with at most 2 decimals")
    return amount.quantize(Decimal("0.01"))


def language(code: str) -> str:
    c = code.strip().lower()
    if len(c) != 2 or pycountry.languages.get(alpha_2=c) is None:
        raise InvalidInput(f"{code!r} is not an ISO 639-1 language code (e.g. en, fr)")
    return c
