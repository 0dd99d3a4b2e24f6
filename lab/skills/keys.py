"""The issuer's Ed25519 signing keys, on disk under the data directory, never in the database
(a dump of the database must not be able to forge badges).

Each private key is a PEM file encrypted with a password derived from the deployment's secret
key, mode 0600; ``keys.json`` lists the keys in creation order and names the active one. A key
is named by its kid, the RFC 7638 JWK thumbprint of its public key. Rotating adds a key and
retires the previous one, which stays published: badges signed before a rotation still verify.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fcntl
import json
import os
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jws
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey

from lab.core.errors import LabError
from lab.core.i18n import _

ALGORITHM = "EdDSA"
MANIFEST = "keys.json"


class BadgeKeyError(LabError):
    """The key directory cannot be read: a wrong secret key, a damaged or missing file."""

    status_code = 500
    default_code = "badge_keys_unreadable"


@dataclasses.dataclass(frozen=True, slots=True)
class KeyInfo:
    kid: str
    created_at: str  # ISO 8601, UTC
    retired_at: str | None  # None for the active key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def public_jwk(public: Ed25519PublicKey) -> dict[str, str]:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _b64(raw)}


def thumbprint(public: Ed25519PublicKey) -> str:
    """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
    canonical = json.dumps(public_jwk(public), sort_keys=True, separators=(",", ":")).encode()
    digest = hashes.Hash(hashes.SHA256())
    digest.update(canonical)
    return _b64(digest.finalize())


def _password(secret: str) -> bytes:
    # A key of its own for the key files: the secret key itself also signs cookies.
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"lab badge signing keys"
    ).derive(secret.encode("utf-8"))
    return base64.b64encode(derived)


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start: the file never exists with wider rights, even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


class KeyRing:
    """The keys in ``directory``, unlocked with ``secret`` (the deployment's secret key)."""

    def __init__(self, directory: Path, secret: str) -> None:
        self.directory = Path(directory)
        self._password = _password(secret)

    # --- reading -----------------------------------------------------------------------------

    def keys(self) -> list[KeyInfo]:
        """Every key, oldest first; generates the first one if there is none yet."""
        manifest = self._manifest()
        if not manifest["keys"]:
            with self._lock():
                manifest = self._manifest()
                if not manifest["keys"]:
                    self._add_key(manifest)
                    manifest = self._manifest()
        return [KeyInfo(k["kid"], k["created_at"], k.get("retired_at")) for k in manifest["keys"]]

    def active_kid(self) -> str:
        for info in self.keys():
            if info.retired_at is None:
                return info.kid
        raise BadgeKeyError(_("Aucune clé de signature active."))

    def active_key(self) -> tuple[str, Ed25519PrivateKey]:
        """The kid and private key that sign new badges."""
        kid = self.active_kid()
        return kid, self._private(kid)

    def public_jwks(self) -> dict:
        """The published key set: every key, retired ones included (marked ``retired``), so
        that badges signed before a rotation still verify."""
        published = []
        for info in self.keys():
            public = self._private(info.kid).public_key()
            jwk: dict[str, object] = {
                **public_jwk(public),
                "kid": info.kid,
                "alg": ALGORITHM,
                "use": "sig",
            }
            if info.retired_at is not None:
                jwk["retired"] = info.retired_at
            published.append(jwk)
        return {"keys": published}

    # --- changing ----------------------------------------------------------------------------

    def rotate(self) -> str:
        """A new active key; the previous one is retired but stays published.
        Returns the new kid."""
        self.keys()
        with self._lock():
            manifest = self._manifest()
            now = datetime.now(UTC).isoformat()
            for entry in manifest["keys"]:
                if entry.get("retired_at") is None:
                    entry["retired_at"] = now
            return self._add_key(manifest)

    def sign(self, payload: dict, *, typ: str = "JWT") -> tuple[str, str]:
        """``payload`` as a compact JWS signed with the active key: (kid, jws)."""
        kid, private = self.active_key()
        key = OKPKey.import_key(private)
        # The public key rides in the header too (Open Badges 3.0 verifiers look for ``jwk``);
        # lab's own verifier never trusts it, only the published key set.
        header = {"alg": ALGORITHM, "kid": kid, "typ": typ, "jwk": public_jwk(private.public_key())}
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with warnings.catch_warnings():
            # RFC 9864 prefers "Ed25519", but Open Badges verifiers and PyJWT expect "EdDSA".
            warnings.simplefilter("ignore", SecurityWarning)
            token = jws.serialize_compact(header, body, key, algorithms=[ALGORITHM])
        return kid, token

    # --- files -------------------------------------------------------------------------------

    def _manifest(self) -> dict:
        path = self.directory / MANIFEST
        if not path.exists():
            return {"keys": []}
        try:
            manifest = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise BadgeKeyError(_("La liste des clés de signature est illisible.")) from error
        if not isinstance(manifest, dict) or not isinstance(manifest.get("keys"), list):
            raise BadgeKeyError(_("La liste des clés de signature est illisible."))
        return manifest

    def _save_manifest(self, manifest: dict) -> None:
        path = self.directory / MANIFEST
        temporary = path.with_suffix(".tmp")
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        _write_private(temporary, json.dumps(manifest, indent=2).encode("utf-8"))
        # Atomic: a reader sees the old list or the new one, never half of one.
        temporary.replace(path)

    def _add_key(self, manifest: dict) -> str:
        private = Ed25519PrivateKey.generate()
        kid = thumbprint(private.public_key())
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(self._password),
        )
        _write_private(self._path(kid), pem)
        manifest["keys"].append(
            {"kid": kid, "created_at": datetime.now(UTC).isoformat(), "retired_at": None}
        )
        self._save_manifest(manifest)
        return kid

    def _path(self, kid: str) -> Path:
        if not kid or any(
            c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in kid
        ):
            raise BadgeKeyError(_("Identifiant de clé invalide."))
        return self.directory / f"{kid}.pem"

    def _private(self, kid: str) -> Ed25519PrivateKey:
        try:
            key = serialization.load_pem_private_key(
                self._path(kid).read_bytes(), password=self._password
            )
        except (OSError, ValueError, TypeError) as error:
            raise BadgeKeyError(
                _("Une clé de signature est illisible (clé secrète changée ?).")
            ) from error
        if not isinstance(key, Ed25519PrivateKey):
            raise BadgeKeyError(_("Une clé de signature n'est pas une clé Ed25519."))
        return key

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """One writer at a time across processes: two workers starting together generate one key."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.directory / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
