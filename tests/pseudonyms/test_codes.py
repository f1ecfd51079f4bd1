"""Pseudonymous codes: keyed HMAC of the force's record id, human-typeable, typo-checked."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from ccehub.pseudonyms import ForceKey, InvalidCodeError, code_for_record, code_parse, key_generate
from ccehub.pseudonyms.codes import CODE_ALPHABET, MSG_BAD_CHECK, MSG_MALFORMED, check_character

SECRET = bytes(range(7, 39))  # 32 distinct bytes: a fixed, synthetic test key
KENT = ForceKey(force="KENT", secret=SECRET)
CODE_SHAPE = re.compile(r"^KENT-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]$")


def _body_bits(code: str) -> int:
    body = code.split("-")[1] + code.split("-")[2]
    value = 0
    for ch in body:
        value = value * 32 + CODE_ALPHABET.index(ch)
    return value


def test_code_is_hmac_sha256_of_force_and_record_id() -> None:
    """The body is the first 50 bits of HMAC-SHA256(key, "KENT:<record id>") -- no name, no DOB."""
    code = str(code_for_record(KENT, "KP-000123"))
    digest = hmac.new(SECRET, b"KENT:KP-000123", hashlib.sha256).digest()
    assert _body_bits(code) == int.from_bytes(digest[:8], "big") >> 14
    assert CODE_SHAPE.match(code)


def test_same_record_same_key_gives_the_same_code() -> None:
    """Deterministic: a re-extract of the same record gets the same code (spaces ignored)."""
    first = code_for_record(KENT, "KP-000123")
    assert code_for_record(ForceKey(force="KENT", secret=SECRET), " KP-000123 ") == first
    assert code_for_record(KENT, "KP-000124") != first


def test_different_force_keys_give_unrelated_codes() -> None:
    """Key separation: another key (same or other force) gives a different code for the same id."""
    other_kent = key_generate(force="KENT")
    met = ForceKey(force="MET", secret=SECRET)
    codes = {str(code_for_record(k, "KP-000123")) for k in (KENT, other_kent, met)}
    assert len(codes) == 3
    assert str(code_for_record(met, "KP-000123")).startswith("MET-")
    bodies = {c.split("-", 1)[1][:11] for c in codes}
    assert len(bodies) == 3


def test_codes_spread_without_collisions_over_many_records() -> None:
    """10,000 record ids give 10,000 distinct codes (50-bit body)."""
    codes = {str(code_for_record(KENT, f"KP-{n:06d}")) for n in range(10_000)}
    assert len(codes) == 10_000


def test_blank_record_id_is_refused() -> None:
    with pytest.raises(ValueError, match="blank"):
        code_for_record(KENT, "   ")


def test_parse_round_trips_and_forgives_case_spaces_and_crockford_lookalikes() -> None:
    """Typed forms people produce are read back to the canonical code."""
    code = str(code_for_record(KENT, "KP-000123"))
    assert str(code_parse(code)) == code
    assert str(code_parse(f"  {code.lower()} ")) == code
    assert str(code_parse(code.replace("-", " - "))) == code
    with_zero_and_one = "KENT-01000-11111-" + check_character("KENT", "0100011111")
    typed = with_zero_and_one.replace("KENT-01000-11111", "KENT-OI0OO-LlIil")
    assert str(code_parse(typed)) == with_zero_and_one


@pytest.mark.parametrize("record", ["KP-000123", "KP-000999", "A", "KP-123456"])
def test_every_single_character_substitution_is_detected(record: str) -> None:
    """Damm check: any one wrong character in the body or check character is caught."""
    code = str(code_for_record(KENT, record))
    positions = [i for i, ch in enumerate(code) if i >= 5 and ch != "-"]
    for i in positions:
        for replacement in CODE_ALPHABET:
            if replacement == code[i]:
                continue
            typo = code[:i] + replacement + code[i + 1 :]
            with pytest.raises(InvalidCodeError) as raised:
                code_parse(typo)
            assert raised.value.reason == InvalidCodeError.BAD_CHECK


@pytest.mark.parametrize("record", ["KP-000123", "KP-000999", "B", "KP-654321"])
def test_every_adjacent_swap_is_detected(record: str) -> None:
    """Swapping two neighbouring, different characters (also across the check) is caught."""
    code = str(code_for_record(KENT, record))
    compact = code[5:].replace("-", "")
    for i in range(len(compact) - 1):
        if compact[i] == compact[i + 1]:
            continue
        swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
        typo = f"KENT-{swapped[:5]}-{swapped[5:10]}-{swapped[10]}"
        with pytest.raises(InvalidCodeError):
            code_parse(typo)


def test_mistyped_force_prefix_letter_is_detected() -> None:
    """A wrong letter or swapped letters in the force prefix fail the check too."""
    code = str(code_for_record(KENT, "KP-000123"))
    tail = code[4:]
    for typo in ("KNET", "EKNT", "KENS", "HENT"):
        with pytest.raises(InvalidCodeError):
            code_parse(typo + tail)


@pytest.mark.parametrize(
    "text",
    ["", "Jordan Fake-Person", "2007-02-11", "KENT-12345-67890", "KENT-1234-567890-X", "K-12345-67890-1"],
)
def test_malformed_text_is_refused_without_being_echoed(text: str) -> None:
    """Anything not code-shaped is malformed; the message never repeats the input."""
    with pytest.raises(InvalidCodeError) as raised:
        code_parse(text)
    assert raised.value.reason == InvalidCodeError.MALFORMED
    assert str(raised.value) == MSG_MALFORMED
    assert raised.value.shaped == ""
    if text:
        assert text not in str(raised.value)


def test_letter_u_is_not_in_the_alphabet() -> None:
    code = str(code_for_record(KENT, "KP-000123"))
    with pytest.raises(InvalidCodeError):
        code_parse(code[:5] + "U" + code[6:])


def test_bad_check_message_is_the_published_constant() -> None:
    code = str(code_for_record(KENT, "KP-000123"))
    wrong = CODE_ALPHABET[(CODE_ALPHABET.index(code[-1]) + 1) % 32]
    with pytest.raises(InvalidCodeError, match=re.escape(MSG_BAD_CHECK)):
        code_parse(code[:-1] + wrong)


def test_spaces_and_hyphens_do_not_matter() -> None:
    """docs/reconciliation.md: case, spaces and hyphens do not matter when reading a code."""
    code = str(code_for_record(KENT, "KP-000123"))
    force, first, second, check = code.split("-")
    for typed in (
        f"{force} {first} {second} {check}",
        f"{force} {first} {second} {check}".lower(),
        f"{force}{first}{second}{check}",
        f"{force}{first}{second}{check}".lower(),
        f"{force[:2]} {force[2:]}-{first}-{second}-{check}",  # a stray space inside a group
        f"{force}\u2013{first}\u2013{second}\u2013{check}",  # en dashes from a word processor
        f" {force} - {first} - {second} - {check} ",
    ):
        assert str(code_parse(typed)) == code, typed


def test_a_character_missing_from_a_printed_group_is_malformed() -> None:
    """Typed in four groups, a short group is not shifted into the force prefix."""
    code = str(code_for_record(KENT, "KP-000123"))
    force, first, second, check = code.split("-")
    for typed in (f"{force} {first[:4]} {second} {check}", f"{force}-{first}-{second[1:]}-{check}"):
        with pytest.raises(InvalidCodeError) as raised:
            code_parse(typed)
        assert raised.value.reason == InvalidCodeError.MALFORMED


def test_a_solid_code_with_a_wrong_check_is_not_echoed() -> None:
    """One long word could be a name: only the printed four-group shape is echoed back."""
    code = str(code_for_record(KENT, "KP-000123"))
    wrong = "0" if code[-1] != "0" else "1"
    for typed, echoed in ((code[:-1] + wrong, True), (code.replace("-", "")[:-1] + wrong, False)):
        with pytest.raises(InvalidCodeError) as raised:
            code_parse(typed)
        assert raised.value.reason == InvalidCodeError.BAD_CHECK
        assert bool(raised.value.shaped) is echoed
