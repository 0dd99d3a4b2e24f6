"""What the skills domain needs from the deployment's settings, handed in at start-up (by the
app, the command line and the demo): who issues badges, at which address, with which keys."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lab.settings import Settings


@dataclasses.dataclass(frozen=True, slots=True)
class Issuer:
    name: str  # the lab's name, as badges show it
    base_url: str  # where the issuer profile, keys, status list and verification pages live
    key_dir: Path  # the signing keys: on disk, outside the database and its dumps
    secret: str  # encrypts the private keys at rest

    @property
    def profile_url(self) -> str:
        return f"{self.base_url}/badges/issuer"

    @property
    def keys_url(self) -> str:
        return f"{self.base_url}/badges/keys.json"

    def status_list_url(self, number: int = 1) -> str:
        return f"{self.base_url}/badges/status/{number}"

    def badge_url(self, public_id: str) -> str:
        return f"{self.base_url}/badges/{public_id}"


_issuer: Issuer | None = None


def configure(settings: Settings) -> None:
    global _issuer
    _issuer = Issuer(
        name=settings.lab_name,
        base_url=settings.base_url.rstrip("/"),
        key_dir=settings.data_dir / "badge-keys",
        secret=settings.secret_key,
    )


def issuer() -> Issuer:
    """The deployment's issuer (configured at start-up; from the environment otherwise)."""
    if _issuer is None:
        configure(Settings.from_env())
    assert _issuer is not None
    return _issuer
