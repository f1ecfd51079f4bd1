"""Pseudonymous codes: keyed HMACs of a force's own record ids; the key stays with the force.

Public surface (see docs/reconciliation.md)::

    key = key_generate(force="KENT"); key_write(key=key, path=path); key = key_load(path)
    code = code_for_record(key, "KP-000123")   # str(code) == "KENT-XXXXX-XXXXX-C"
    code_parse("kent-7f3kq-9q2md-x")           # verifies the check character
"""

from __future__ import annotations

from ccehub.pseudonyms.codes import InvalidCodeError, PseudonymCode, code_for_record, code_parse
from ccehub.pseudonyms.keys import ForceKey, KeyFileError, key_generate, key_load, key_write

__all__ = [
    "ForceKey",
    "InvalidCodeError",
    "KeyFileError",
    "PseudonymCode",
    "code_for_record",
    "code_parse",
    "key_generate",
    "key_load",
    "key_write",
]
