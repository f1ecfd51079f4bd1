"""Force key files: 32 random bytes, mode 0600, never overwritten, weak or exposed keys refused."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from ccehub.pseudonyms import ForceKey, KeyFileError, code_for_record, key_generate, key_load, key_write
from ccehub.pseudonyms.keys import MSG_FORCE_CODE, MSG_KEY_WEAK


def _write_raw(path: Path, body: str, mode: int = 0o600) -> Path:
    path.write_text(body, encoding="utf-8")
    path.chmod(mode)
    return path


def test_new_key_file_is_owner_only_and_round_trips(tmp_path: Path) -> None:
    """The file is 0600 and loads back to the same key (same codes)."""
    key = key_generate(force="kent")
    path = tmp_path / "kent.key"
    key_write(key=key, path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = key_load(path)
    assert loaded == key
    assert loaded.force == "KENT"
    assert len(loaded.secret) == 32
    assert code_for_record(loaded, "KP-1") == code_for_record(key, "KP-1")


def test_key_file_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "kent.key"
    key_write(key=key_generate(force="KENT"), path=path)
    before = path.read_bytes()
    with pytest.raises(KeyFileError, match="never overwritten"):
        key_write(key=key_generate(force="KENT"), path=path)
    assert path.read_bytes() == before


def test_generated_keys_differ() -> None:
    assert key_generate(force="KENT").secret != key_generate(force="KENT").secret


def test_secret_is_not_in_repr() -> None:
    key = key_generate(force="KENT")
    assert key.secret.hex() not in repr(key)


@pytest.mark.parametrize("secret", [bytes(range(31)), b""])
def test_short_keys_are_refused(secret: bytes) -> None:
    with pytest.raises(KeyFileError, match="too short"):
        ForceKey(force="KENT", secret=secret)


@pytest.mark.parametrize(
    "secret",
    [bytes(32), b"a" * 32, b"password" * 4, b"kentkentkentkent" * 2],
    ids=["zeros", "a", "word", "force"],
)
def test_weak_keys_are_refused(secret: bytes) -> None:
    """Hand-made keys (repeated bytes, words) have too few distinct byte values."""
    with pytest.raises(KeyFileError, match=re.escape(MSG_KEY_WEAK)):
        ForceKey(force="KENT", secret=secret)


@pytest.mark.parametrize("force", ["", "K", "4KENT", "KENT-POLICE", "A" * 13])
def test_bad_force_codes_are_refused(force: str) -> None:
    with pytest.raises(KeyFileError, match="force code"):
        key_generate(force=force)
    assert "force code" in MSG_FORCE_CODE


def test_loading_a_short_key_from_file_is_refused(tmp_path: Path) -> None:
    path = _write_raw(
        tmp_path / "short.key",
        f"format: ccehub-pseudonym-key/1\nforce: KENT\nkey: {bytes(range(16)).hex()}\n",
    )
    with pytest.raises(KeyFileError, match="too short"):
        key_load(path)


def test_group_readable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "kent.key"
    key_write(key=key_generate(force="KENT"), path=path)
    os.chmod(path, 0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        key_load(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("force: KENT\nkey: 00\n", "not a ccehub pseudonym key"),
        ("format: ccehub-pseudonym-key/1\nkey: " + bytes(range(32)).hex() + "\n", "no 'force:'"),
        ("format: ccehub-pseudonym-key/1\nforce: KENT\nkey: zz\n", "not hexadecimal"),
        (
            "format: ccehub-pseudonym-key/1\nforce: KENT\nkey_id: 00000000\nkey: " + bytes(range(32)).hex(),
            "key_id",
        ),
        ("format: ccehub-pseudonym-key/1\nforce KENT\n", "expected 'name: value'"),
    ],
)
def test_malformed_key_files_are_refused(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(KeyFileError, match=message):
        key_load(_write_raw(tmp_path / "bad.key", body))


def test_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="does not exist"):
        key_load(tmp_path / "absent.key")
