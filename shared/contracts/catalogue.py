"""Every contract of the project, found by walking `shared.contracts`: the list AsyncAPI and the CLI use."""

from __future__ import annotations

import importlib
import pkgutil

import shared.contracts
from shared.contracts.base import Contract


def all_contracts() -> tuple[type[Contract], ...]:
    """Each contract class once, sorted by subject."""
    for module in pkgutil.walk_packages(shared.contracts.__path__, prefix="shared.contracts."):
        importlib.import_module(module.name)
    found: dict[str, type[Contract]] = {}
    pending = list(Contract.__subclasses__())
    while pending:
        contract = pending.pop()
        pending.extend(contract.__subclasses__())
        if "subject" in contract.__dict__ and contract.__module__.startswith("shared.contracts."):
            if contract.subject in found and found[contract.subject] is not contract:
                raise TypeError(f"{contract.subject} is claimed by {found[contract.subject]} and {contract}")
            found[contract.subject] = contract
    return tuple(found[subject] for subject in sorted(found))


def by_type() -> dict[str, type[Contract]]:
    """Contracts by CloudEvents type."""
    return {contract.ce_type(): contract for contract in all_contracts()}
