"""The audit hash chain (R-S2: every act is attributable, and the record cannot be rewritten).

Each event carries ``hash = SM3(previous hash || canonical(event))``; the first event's
previous hash is 32 zero bytes. ``canonical`` is JSON with sorted keys and no whitespace, so
any byte changed in any field of any stored event changes its hash and breaks the chain
from there on.

Pure: standard library only, no Django, no app code (import-linter contract).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = bytes(32)
HASH_NAME = "sm3"


def canonical(event: Mapping[str, Any]) -> bytes:
    return json.dumps(event, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def link(previous: bytes, event: Mapping[str, Any]) -> bytes:
    h = hashlib.new(HASH_NAME)
    h.update(previous)
    h.update(canonical(event))
    return h.digest()


@dataclass(frozen=True)
class Break:
    """The first event whose stored hashes do not follow from its content and predecessor."""

    seq: int
    reason: str


Row = tuple[int, Mapping[str, Any], bytes, bytes]


def verify(events: Iterable[Row]) -> tuple[int, Break | None]:
    """Walk ``(seq, canonical fields, stored prev_hash, stored hash)`` in order.

    Returns the number of events checked and the first break, or ``None``.
    """
    previous = GENESIS
    count = 0
    for seq, fields, stored_prev, stored_hash in events:
        count += 1
        if stored_prev != previous:
            return count, Break(seq, "前一哈希与上一条事件不符 (previous hash does not match)")
        expected = link(previous, fields)
        if stored_hash != expected:
            return count, Break(seq, "事件内容与其哈希不符 (content does not match its hash)")
        previous = stored_hash
    return count, None
