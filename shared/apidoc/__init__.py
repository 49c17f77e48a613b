"""The contracts as a product: AsyncAPI 3.0, one JSON Schema per contract, compatibility checks, HTML.

Everything is generated from the contract classes (`shared.contracts.catalogue`); `python -m
shared.apidoc` writes `docs/contracts/`, and tests fail when the checked-in files drift from the code.
"""
