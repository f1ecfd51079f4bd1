"""Time-based one-time codes (RFC 6238 over RFC 4226), pure: every time is passed in, never read."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from ccehub.common import totp

#: RFC 6238 Appendix B's SHA-1 seed: the ASCII string "12345678901234567890".
RFC_SEED = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(
    ("unix_time", "code"),
    [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ],
)
def test_rfc_6238_appendix_b_sha1_vectors(unix_time: int, code: str) -> None:
    """The RFC's own test vectors (SHA-1, 8 digits, 30-second steps)."""
    assert totp.code_at(RFC_SEED, unix_time, digits=8) == code


def test_a_datetime_gives_the_same_code_as_its_unix_time() -> None:
    """An aware datetime is read as the instant it names."""
    moment = datetime.fromtimestamp(1111111109, tz=UTC)
    assert totp.code_at(RFC_SEED, moment, digits=8) == "07081804"


@pytest.mark.parametrize(
    ("counter", "code"),
    list(
        enumerate(
            [
                "755224",
                "287082",
                "359152",
                "969429",
                "338314",
                "254676",
                "287922",
                "162583",
                "399871",
                "520489",
            ]
        )
    ),
)
def test_rfc_4226_appendix_d_hotp_values(counter: int, code: str) -> None:
    """HOTP, which TOTP is built on, against RFC 4226's table (6 digits)."""
    assert totp.hotp(b"12345678901234567890", counter) == code


def test_the_app_uses_six_digits_and_thirty_second_steps() -> None:
    """The last six digits of the 8-digit vector: what an authenticator app shows."""
    assert totp.code_at(RFC_SEED, 59) == "287082"
    assert totp.step_at(59) == 1 and totp.step_at(60) == 2


def test_a_new_secret_is_160_bits_of_base32_and_never_repeats() -> None:
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert len(secret) == 32 and secret == secret.upper()
        assert len(base64.b32decode(secret)) == 20


NOW = 1_800_000_015  # the middle of a step


@pytest.mark.parametrize(
    ("offset", "accepted"), [(-60, False), (-30, True), (0, True), (30, True), (60, False)]
)
def test_verify_accepts_one_step_either_side(offset: int, accepted: bool) -> None:
    """A code from the previous or the next step still works (clock drift, slow typing); two steps
    away does not."""
    code = totp.code_at(RFC_SEED, NOW + offset)
    step = totp.verify(RFC_SEED, code, now=NOW)
    assert (step is not None) == accepted
    if accepted:
        assert step == totp.step_at(NOW + offset)


def test_verify_with_no_window_accepts_only_the_current_step() -> None:
    assert totp.verify(RFC_SEED, totp.code_at(RFC_SEED, NOW - 30), now=NOW, window=0) is None
    assert totp.verify(RFC_SEED, totp.code_at(RFC_SEED, NOW), now=NOW, window=0) == totp.step_at(NOW)


def test_a_code_for_a_step_already_used_is_refused() -> None:
    """Replay protection: once a step's code has signed someone in, it and every earlier step are
    spent, even inside the window."""
    code = totp.code_at(RFC_SEED, NOW)
    step = totp.verify(RFC_SEED, code, now=NOW)
    assert step is not None
    assert totp.verify(RFC_SEED, code, now=NOW, last_used_step=step) is None
    earlier = totp.code_at(RFC_SEED, NOW - 30)
    assert totp.verify(RFC_SEED, earlier, now=NOW, last_used_step=step) is None
    later = totp.code_at(RFC_SEED, NOW + 30)
    assert totp.verify(RFC_SEED, later, now=NOW, last_used_step=step) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x", "１２３４５６"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert totp.verify(RFC_SEED, typed, now=NOW) is None


def test_spaces_and_hyphens_in_a_typed_code_are_ignored() -> None:
    code = totp.code_at(RFC_SEED, NOW)
    assert totp.verify(RFC_SEED, f" {code[:3]} {code[3:]} ", now=NOW) is not None
    assert totp.verify(RFC_SEED, f"{code[:3]}-{code[3:]}", now=NOW) is not None


def test_the_secret_is_shown_in_groups_of_four_and_read_back_however_typed() -> None:
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    assert totp.group_secret(secret) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    code = totp.code_at(secret, NOW)
    assert totp.code_at("jbsw y3dp ehpk 3pxp jbsw y3dp ehpk 3pxp", NOW) == code


def test_the_provisioning_uri_names_the_issuer_and_the_account() -> None:
    """The otpauth:// URI authenticator apps read from the QR code (Key Uri Format)."""
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="sw.one", issuer="ccehub")
    assert uri == (
        "otpauth://totp/ccehub:sw.one?secret=JBSWY3DPEHPK3PXP&issuer=ccehub&algorithm=SHA1&digits=6&period=30"
    )
    spaced = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="a b@x", issuer="CCE hub")
    assert spaced.startswith("otpauth://totp/CCE%20hub:a%20b%40x?secret=") and "issuer=CCE%20hub" in spaced
