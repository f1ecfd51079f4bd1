"""Pseudonymous codes: keyed HMACs of a force's own record id, typed by people, checked on entry.

A code looks like ``KENT-7F3KQ-9Q2MD-X``: the issuing force's short code, ten characters drawn from
HMAC-SHA256(force key, ``"<FORCE>:<record id>"``), and one check character.

Why an HMAC of the record id, when DOMAIN.md §6.3.2 says the code must be "random and not derivable
from identity (no hashing of name or DOB)"? The rule exists so that nobody can recompute a child's
code from facts about the child. An HMAC over the force's *internal* record id with a 256-bit key
held only by that force keeps that property: without the key the code is indistinguishable from
random and cannot be linked to anything; name and date of birth are never an input; and a different
force (different key) gets an unrelated code for the same child. What the HMAC adds over a random
draw is that the force can re-derive the code from its own records at any time without keeping a
code-to-child table -- so the only way back from code to child is through the force (Fig 5 step 3,
E-35 holder is the arresting force). See docs/reconciliation.md.

The check character is Damm's algorithm over a totally anti-symmetric quasigroup of order 32
(``x * y = 2x + y`` in GF(32)). It detects every single-character substitution and every swap of
two adjacent characters in the body and check; letter substitutions and adjacent swaps in the force
prefix are detected as well.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from ccehub.pseudonyms.keys import FORCE_CODE_PATTERN, ForceKey

__all__ = [
    "CODE_ALPHABET",
    "InvalidCodeError",
    "PseudonymCode",
    "check_character",
    "code_for_record",
    "code_parse",
]

#: Crockford base32: digits and capitals without I, L, O and U (easily misread or rude).
CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH: Final = 10
_GROUP: Final = 5
_VALUE: Final[dict[str, int]] = {ch: i for i, ch in enumerate(CODE_ALPHABET)}
# Crockford's decoding rules: a person who types O for 0 or I/L for 1 meant the digit.
_CONFUSABLE: Final[dict[str, str]] = {"O": "0", "I": "1", "L": "1"}
# Prefix characters (A-Z, 0-9) fold into GF(32) by their position here, modulo 32. Letters get
# distinct values, so a mistyped letter in the prefix is always caught; only 6/A, 7/B, 8/C, 9/D share.
_PREFIX_ORDER: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

_GF32_MODULUS: Final = 0b100101  # x^5 + x^2 + 1, irreducible over GF(2)
_LAMBDA: Final = 2  # any field element other than 0 and 1 gives a totally anti-symmetric quasigroup


class InvalidCodeError(ValueError):
    """A string that is not a well-formed pseudonymous code, or whose check character is wrong.

    ``reason`` is one of :data:`MALFORMED` or :data:`BAD_CHECK`; messages never repeat the input,
    which may be anything a person typed into the wrong column.
    """

    MALFORMED: Final = "malformed"
    BAD_CHECK: Final = "check_character_mismatch"

    def __init__(self, reason: str, message: str, shaped: str = "") -> None:
        super().__init__(message)
        self.reason = reason
        #: For a bad check only: the input in canonical form. It has the shape of a code, so it
        #: cannot be a name and may be shown to help find the intended code.
        self.shaped = shaped


MSG_MALFORMED: Final = "not a pseudonymous code (expected FORCE-XXXXX-XXXXX-C, e.g. KENT-7F3KQ-9Q2MD-X)"
MSG_BAD_CHECK: Final = "check character does not match: the code has been mistyped"


@dataclass(frozen=True, slots=True, order=True)
class PseudonymCode:
    """A parsed, verified code. ``str(code)`` is the canonical form."""

    force: str
    body: str

    @property
    def check(self) -> str:
        return check_character(self.force, self.body)

    def __str__(self) -> str:
        return f"{self.force}-{self.body[:_GROUP]}-{self.body[_GROUP:]}-{self.check}"


def _gf32_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _GF32_MODULUS
    return product


def _damm(interim: int, symbol: int) -> int:
    return _gf32_mul(_LAMBDA, interim) ^ symbol


def _interim(force: str, body: str) -> int:
    interim = 0
    for ch in force:
        interim = _damm(interim, _PREFIX_ORDER.index(ch) % 32)
    for ch in body:
        interim = _damm(interim, _VALUE[ch])
    return interim


def check_character(force: str, body: str) -> str:
    """The check character for ``force`` and a canonical ten-character ``body``."""
    # The check c must bring the running value to 0: 2*interim + c = 0, and -x = x in GF(2^k).
    return CODE_ALPHABET[_gf32_mul(_LAMBDA, _interim(force, body))]


def code_for_record(key: ForceKey, record_id: str) -> PseudonymCode:
    """The code for one of the force's own records: HMAC-SHA256(key, ``"<FORCE>:<record id>"``).

    Only the record id is used -- never name, date of birth or address. Surrounding spaces are
    ignored and the id is NFC-normalised, so re-extracts of the same record give the same code.
    Raises ``ValueError`` for a blank id.
    """
    record = unicodedata.normalize("NFC", record_id.strip())
    if not record:
        raise ValueError("record id is blank")
    digest = hmac.new(key.secret, f"{key.force}:{record}".encode(), hashlib.sha256).digest()
    bits = int.from_bytes(digest[:8], "big") >> (64 - 5 * BODY_LENGTH)
    body = "".join(CODE_ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(BODY_LENGTH)))
    return PseudonymCode(force=key.force, body=body)


#: Separators a person may type or paste between the groups (or leave out): whitespace, the ASCII
#: hyphen and the Unicode hyphens, dashes and minus sign a word processor substitutes for it.
_SEPARATORS: Final = re.compile(r"[\s\-\u2010-\u2015\u2212]+")
_HYPHENS: Final = re.compile(r"[\-\u2010-\u2015\u2212]+")


def code_parse(text: str) -> PseudonymCode:
    """Parse a code as a person might type it, and verify its check character.

    Case, spaces and hyphens do not matter: ``KENT-7F3KQ-9Q2MD-X``, ``kent 7f3kq 9q2md x`` and
    ``KENT7F3KQ9Q2MDX`` are the same code. It is read either in its four printed groups (separated by
    spaces and/or hyphens, each group its printed length, so a character missing from a group is
    malformed rather than shifted into the force prefix) or written solid (the last eleven
    characters are the body and check). O is read as 0 and I or L as 1 in the body and check
    (Crockford). Raises :class:`InvalidCodeError`.

    Only the printed four-group form is echoed back (``shaped``) when its check character is wrong:
    that shape cannot be a name, whereas one long word might be.
    """
    upper = text.upper()
    groups = [g for g in _SEPARATORS.split(upper) if g]
    compact = "".join(groups)
    force, tail = compact[: -(BODY_LENGTH + 1)], compact[-(BODY_LENGTH + 1) :]
    # Grouped by any separator, or by hyphens with stray spaces inside a group ("KE NT-7F3KQ-...").
    by_hyphen = [re.sub(r"\s+", "", g) for g in _HYPHENS.split(upper)]
    printed = any(
        len(split) == 4 and all(split) and [len(g) for g in split[1:]] == [_GROUP, _GROUP, 1]
        for split in (groups, by_hyphen)
    )
    solid = len(groups) == 1 and len(compact) > BODY_LENGTH + 1
    if not (printed or solid) or not FORCE_CODE_PATTERN.match(force):
        raise InvalidCodeError(InvalidCodeError.MALFORMED, MSG_MALFORMED)
    tail = "".join(_CONFUSABLE.get(ch, ch) for ch in tail)
    if any(ch not in _VALUE for ch in tail):
        raise InvalidCodeError(InvalidCodeError.MALFORMED, MSG_MALFORMED)
    body, check = tail[:BODY_LENGTH], tail[BODY_LENGTH]
    if check_character(force, body) != check:
        shaped = f"{force}-{body[:_GROUP]}-{body[_GROUP:]}-{check}" if printed else ""
        raise InvalidCodeError(InvalidCodeError.BAD_CHECK, MSG_BAD_CHECK, shaped=shaped)
    return PseudonymCode(force=force, body=body)
