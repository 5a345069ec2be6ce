"""A grant's fee and its basis: what is owed per use, once, or per use up to a total (DR033).

The signed document holds the fee as ``{"amount", "currency", "basis"}`` (and ``"cap"`` for a
capped one). Grants signed before the basis existed have no ``basis``: their fee was always
charged for each use, and that is what they keep meaning — their bytes are never rewritten.

* ``per-use``: the amount for each use — an export counts one, a reported use its count.
* ``flat``: the amount once, for every use the grant allows; owed on the grant's first counted
  use (its first export: a brand can only report uses of a package it was sent).
* ``per-use-capped``: the amount for each use until the total reaches the cap; the use that
  reaches it pays what is left, later uses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from studio.core.consent import vocab
from studio.core.errors import InvalidInput

PER_USE, FLAT, CAPPED = "per-use", "flat", "per-use-capped"
BASES = {PER_USE: "per use", FLAT: "flat fee", CAPPED: "per use, with a cap on the total"}


@dataclass(frozen=True)
class Fee:
    amount: Decimal
    currency: str
    basis: str = PER_USE
    cap: Decimal | None = None

    def words(self, max_uses: int) -> str:
        """The fee in plain words, as the talent, the brand and the statement read it."""
        money = f"{self.amount:.2f} {self.currency}"
        if self.basis == FLAT:
            return f"{money} flat fee for up to {max_uses} use{'s' if max_uses != 1 else ''}"
        if self.basis == CAPPED:
            return f"{money} per use, at most {self.cap:.2f} {self.currency} in total"
        return f"{money} per use"

    def due(self, count: int, uses_before: int, charged_before: Decimal) -> Decimal:
        """What ``count`` more uses owe, after ``uses_before`` counted uses that were charged
        ``charged_before`` in all."""
        if self.basis == FLAT:
            return self.amount if uses_before == 0 else Decimal(0)
        owed = self.amount * count
        if self.basis == CAPPED:
            owed = max(Decimal(0), min(owed, self.cap - charged_before))
        return owed.quantize(Decimal("0.01"))


def fee_of(doc: dict) -> Fee:
    """The fee of a grant document; one with no basis (signed before it existed) is per use."""
    f = doc["fee"]
    cap = f.get("cap")
    return Fee(Decimal(f["amount"]), f["currency"], f.get("basis", PER_USE), Decimal(cap) if cap is not None else None)


def words(doc: dict) -> str:
    return fee_of(doc).words(doc["max_uses"])


def build_fee(fields: dict, max_uses: int) -> dict:
    """The document's ``fee`` from the editable fields ``fee``, ``currency``, ``fee_basis`` (default
    per use) and ``fee_cap`` (only, and required, for a capped fee); every problem named."""
    amount = vocab.fee(fields.get("fee"))
    currency = vocab.currency(fields.get("currency") or "")
    basis = (fields.get("fee_basis") or PER_USE)
    basis = basis.strip().lower() if isinstance(basis, str) else basis
    if basis not in BASES:
        raise InvalidInput(f"fee basis {basis!r} is not one of {', '.join(BASES)}")
    out = {"amount": f"{amount:.2f}", "currency": currency, "basis": basis}
    cap = fields.get("fee_cap")
    if isinstance(cap, str) and not cap.strip():
        cap = None
    if basis != CAPPED:
        if cap is not None:
            raise InvalidInput(f"a cap on the total applies only to a fee per use with a cap ({CAPPED}), "
                               f"not to a {BASES[basis]}")
        return out
    if cap is None:
        raise InvalidInput("a fee per use with a cap needs the cap: the most paid in total (e.g. 20000)")
    try:
        cap = vocab.fee(cap)
    except InvalidInput as exc:
        raise InvalidInput(f"the cap: {exc}") from exc
    if cap < amount:
        raise InvalidInput(f"the cap {cap:.2f} {currency} is less than one use's fee ({amount:.2f} {currency}); "
                           "for one payment whatever the uses, choose a flat fee")
    if cap >= amount * max_uses:
        raise InvalidInput(f"the cap {cap:.2f} {currency} is never reached: {max_uses} use(s) at {amount:.2f} "
                           f"{currency} come to {amount * max_uses:.2f} {currency}; choose a lower cap or a fee "
                           "per use without one")
    out["cap"] = f"{cap:.2f}"
    return out


def editable(doc: dict) -> dict:
    """The fee's editable fields (the inverse of :func:`build_fee`)."""
    fee = fee_of(doc)
    return {"fee": doc["fee"]["amount"], "currency": fee.currency, "fee_basis": fee.basis,
            "fee_cap": doc["fee"].get("cap")}
