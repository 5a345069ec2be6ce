"""The ledger: every export and reported use, with its fee; statements."""
