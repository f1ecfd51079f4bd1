"""Force keys: the secret that turns a force's record ids into pseudonymous codes.

The key belongs to the force that assigns codes (DOMAIN.md §6.1 step 3; DESIGN "the key belongs to
the data controller that assigned the code"). Nobody else -- not the home local authority, not the
analysts who reconcile the halves -- ever needs it: the LA reapplies the code it is told, and
reconciliation only checks codes' check characters. Lose the key and the force can no longer
re-derive its codes, so a key file is never overwritten.

Key file (UTF-8 text, mode 0600)::

    # comments
    format: ccehub-pseudonym-key/1
    force: KENT
    key_id: 3f9c2a1b
    key: <64 hex digits: 32 random bytes>
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

__all__ = [
    "FORCE_CODE_PATTERN",
    "KEY_BYTES",
    "ForceKey",
    "KeyFileError",
    "force_code_normalise",
    "key_generate",
    "key_load",
    "key_write",
]

#: Bytes of key material generated, and the minimum accepted on load (HMAC-SHA256 security level).
KEY_BYTES: Final = 32
_MAX_KEY_BYTES: Final = 64  # longer HMAC-SHA256 keys are hashed down; refuse rather than surprise
# A random 32-byte key has about 30 distinct byte values; fewer than 16 happens with probability
# below 1e-13, while hand-made keys (repeated bytes, ASCII words) fall well under it.
_MIN_DISTINCT_BYTES: Final = 16
FORMAT: Final = "ccehub-pseudonym-key/1"

#: A force's short code, the visible prefix of its codes: a letter then 1-11 letters or digits.
FORCE_CODE_PATTERN: Final = re.compile(r"^[A-Z][A-Z0-9]{1,11}$")

MSG_FORCE_CODE: Final = (
    "force code must be 2-12 letters or digits starting with a letter (e.g. KENT, MET, GMP)"
)
MSG_KEY_SHORT: Final = "key is too short: {n} bytes, at least 32 are required"
MSG_KEY_LONG: Final = "key is too long: {n} bytes, at most 64 are accepted"
MSG_KEY_WEAK: Final = "key is not random enough (too few distinct byte values); generate one with new-key"
MSG_KEY_EXISTS: Final = "{path} already exists; a key file is never overwritten (codes depend on it)"
MSG_KEY_MODE: Final = "{path} can be read by other users (mode {mode:04o}); run: chmod 600 {path}"


class KeyFileError(ValueError):
    """A key that cannot be used: missing, unreadable, malformed, weak or exposed."""


@dataclass(frozen=True, slots=True)
class ForceKey:
    """A force's HMAC key. ``repr`` never shows the secret."""

    force: str
    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not FORCE_CODE_PATTERN.match(self.force):
            raise KeyFileError(MSG_FORCE_CODE)
        _check_strength(self.secret)

    @property
    def key_id(self) -> str:
        """A short public fingerprint, so records can say which key produced a code."""
        return hashlib.sha256(b"ccehub-key-id:" + self.secret).hexdigest()[:8]


def _check_strength(secret: bytes) -> None:
    if len(secret) < KEY_BYTES:
        raise KeyFileError(MSG_KEY_SHORT.format(n=len(secret)))
    if len(secret) > _MAX_KEY_BYTES:
        raise KeyFileError(MSG_KEY_LONG.format(n=len(secret)))
    if len(set(secret)) < _MIN_DISTINCT_BYTES:
        raise KeyFileError(MSG_KEY_WEAK)


def force_code_normalise(text: str) -> str:
    """Upper-case and validate a force's short code. Raises :class:`KeyFileError`."""
    code = text.strip().upper()
    if not FORCE_CODE_PATTERN.match(code):
        raise KeyFileError(MSG_FORCE_CODE)
    return code


def key_generate(*, force: str) -> ForceKey:
    """A new key of 32 bytes from the operating system's CSPRNG."""
    return ForceKey(force=force_code_normalise(force), secret=secrets.token_bytes(KEY_BYTES))


def key_write(*, key: ForceKey, path: Path) -> None:
    """Write ``key`` to a new file readable by its owner only. Refuses to overwrite."""
    text = (
        "# ccehub pseudonym key. SECRET: keep within the force, back it up, never send it to a\n"
        "# local authority or analyst. Without it the force cannot re-derive its codes.\n"
        f"format: {FORMAT}\n"
        f"force: {key.force}\n"
        f"key_id: {key.key_id}\n"
        f"key: {key.secret.hex()}\n"
    )
    try:
        # O_EXCL: never replace an existing key; 0o600 from the start, so no window of exposure.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyFileError(MSG_KEY_EXISTS.format(path=path)) from None
    except OSError as exc:
        raise KeyFileError(f"cannot create {path}: {exc.strerror}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)  # umask can only remove bits, but be explicit
        handle.write(text)


def key_load(path: Path) -> ForceKey:
    """Read and validate a key file. Raises :class:`KeyFileError` with a message naming ``path``."""
    try:
        info = path.stat()
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyFileError(f"key file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc}") from None
    if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        raise KeyFileError(MSG_KEY_MODE.format(path=path, mode=stat.S_IMODE(info.st_mode)))
    fields: dict[str, str] = {}
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, sep, value = stripped.partition(":")
        if not sep:
            raise KeyFileError(f"{path}, line {number}: expected 'name: value'")
        fields[name.strip()] = value.strip()
    if fields.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a ccehub pseudonym key (expected 'format: {FORMAT}')")
    for required in ("force", "key"):
        if required not in fields:
            raise KeyFileError(f"{path} has no '{required}:' line")
    try:
        secret = bytes.fromhex(fields["key"])
    except ValueError:
        raise KeyFileError(f"{path}: 'key:' is not hexadecimal") from None
    try:
        key = ForceKey(force=force_code_normalise(fields["force"]), secret=secret)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    if "key_id" in fields and fields["key_id"] != key.key_id:
        raise KeyFileError(f"{path}: key_id does not match the key (file damaged or edited)")
    return key
