"""The revocation status list (W3C Bitstring Status List v1.0).

One bit per badge: set means revoked. The list is at least 16 KiB (131,072 entries) so that a
verifier fetching it learns nothing about which badge it checks. Encoded as the specification
says: GZIP-compressed, then base64url without padding, prefixed with the multibase ``u``. Bit 0
is the most significant bit of the first byte.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from datetime import datetime

from lab.core import clock
from lab.skills.config import Issuer
from lab.skills.credentials import VC_CONTEXT, timestamp
from lab.skills.keys import KeyRing

SIZE = 131072  # entries: 16 KiB
# A served list is never larger than this once decompressed (a gzip bomb stops here).
MAX_BYTES = 16 * SIZE // 8


class StatusListError(ValueError):
    """An encoded list that cannot be read (not base64url, not gzip, wrong size)."""


class BitString:
    def __init__(self, size: int = SIZE, data: bytes | None = None) -> None:
        if size <= 0 or size % 8:
            raise ValueError("a status list holds a whole number of bytes")
        self.size = size
        self.data = bytearray(data) if data is not None else bytearray(size // 8)
        if len(self.data) * 8 != size:
            raise ValueError("status list data does not match its size")

    def _place(self, index: int) -> tuple[int, int]:
        if not 0 <= index < self.size:
            raise IndexError(f"status list index out of range: {index}")
        return index // 8, 7 - index % 8

    def get(self, index: int) -> bool:
        byte, bit = self._place(index)
        return bool(self.data[byte] >> bit & 1)

    def set(self, index: int, value: bool = True) -> None:
        byte, bit = self._place(index)
        if value:
            self.data[byte] |= 1 << bit
        else:
            self.data[byte] &= ~(1 << bit) & 0xFF

    def encode(self) -> str:
        # mtime=0: the same bits always encode to the same text.
        compressed = gzip.compress(bytes(self.data), mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> BitString:
        text = encoded[1:] if encoded.startswith("u") else encoded
        try:
            compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = inflater.decompress(compressed, MAX_BYTES + 1)
        except (ValueError, zlib.error) as error:
            raise StatusListError("not a gzip-compressed base64url status list") from error
        if len(data) > MAX_BYTES or not inflater.eof:
            raise StatusListError("status list too large or truncated")
        if len(data) * 8 < SIZE:
            raise StatusListError("status list shorter than 131,072 entries")
        return cls(len(data) * 8, data)


def bitstring(revoked: Iterable[int], size: int = SIZE) -> BitString:
    bits = BitString(size)
    for index in revoked:
        bits.set(index)
    return bits


def credential(
    revoked: Iterable[int], issuer: Issuer, *, number: int = 1, now: datetime | None = None
) -> dict:
    """The BitstringStatusListCredential, unsigned, with the ``revoked`` indexes set."""
    url = issuer.status_list_url(number)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.profile_url,
        "validFrom": timestamp(now or clock.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bitstring(revoked).encode(),
        },
    }


def sign(
    revoked: Iterable[int],
    issuer: Issuer,
    keyring: KeyRing,
    *,
    number: int = 1,
    now: datetime | None = None,
) -> str:
    """The status list credential as a VC-JWT (compact JWS) signed with the active key."""
    moment = now or clock.now()
    document = credential(revoked, issuer, number=number, now=moment)
    payload = {
        **document,
        "iss": issuer.profile_url,
        "jti": document["id"],
        "nbf": int(moment.timestamp()),
    }
    return keyring.sign(payload)[1]


def revoked_in(encoded: str, index: int) -> bool:
    """Whether ``index`` is set in an encoded list (what a verifier reads from a fetched list)."""
    return BitString.decode(encoded).get(index)
