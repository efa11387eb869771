"""paywit:gateway/addresses: see wit/addresses.wit."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Union

from . import _runtime
from ._common import _unwrap
from .errors import AddressError

__all__ = ['Network', 'AddressInfo', 'validate_address']


class Network(str, enum.Enum):
    """A network a refund address must belong to."""
    BITCOIN_MAINNET = "bitcoin-mainnet"
    BITCOIN_TESTNET = "bitcoin-testnet"
    ETHEREUM = "ethereum"


@dataclass(frozen=True)
class AddressInfo:
    """A valid address: its kind (p2pkh, p2sh, witness-v0-key-hash, ..., taproot,
    ethereum) and whether its case carries a checksum (EIP-55)."""
    kind: str
    checksummed: bool


def validate_address(network: Union[Network, str], address: str) -> AddressInfo:
    """Validates a crypto refund address for `network`; raises AddressError."""
    value = _unwrap(_runtime.call("addresses", "validate-address", Network(network).value, address), AddressError)
    return AddressInfo(value["kind"], value["checksummed"])
