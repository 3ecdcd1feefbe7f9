"""Every integration event of the platform, one explicit list per producing service."""

from warmflow_shared.events.catalog import learning, registry, support, transfers
from warmflow_shared.events.contracts import ContractCatalog

CATALOG = ContractCatalog(
    [*registry.CONTRACTS, *transfers.CONTRACTS, *learning.CONTRACTS, *support.CONTRACTS]
)

__all__ = ["CATALOG"]
