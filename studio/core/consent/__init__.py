"""Consent: the talent's own keys, their signed decisions on assets, and (next) grants."""
