#!/usr/bin/env python3
"""SCD-1 verifier: recompute a 双随机 draw from its bundle and compare it with result.json.

Why this file exists: a random inspection draw is only worth something if anybody can check
that nobody chose who is inspected, or by whom (docs/DRAW.md). A citizen downloads this one
file from the public portal and runs ``python3 verify_draw.py BUNDLE_DIR``; the platform's
draw service imports the very same module, so the draw that is executed and the draw that
is verified come from one implementation.

Invariant: this module imports nothing outside the Python standard library (not even other
project modules), so that it keeps running on any plain ``python3`` >= 3.8. SM3 comes from
``hashlib`` (OpenSSL); a pure-Python SM3 is used only where OpenSSL lacks it.

Exit codes of the command line: 0 = result.json is exactly what the inputs give;
1 = something differs (each difference is named); 2 = a file is missing or malformed
(one line naming file and line); 3 = everything checkable matched but the teams could not be
checked because ``conflicts.csv`` is withheld (the public bundle, DRAW.md section 7).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import struct
import sys
from binascii import hexlify
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import chain, compress, islice, repeat
from math import isqrt
from operator import itemgetter, le, lt
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Mapping, Sequence, Union

VERSION = "SCD-1"
HASHES = ("sha256", "sm3")
FILES = ("population.csv", "roster.csv", "conflicts.csv", "announcement.json", "reveals.json", "result.json")

# GB 32100-2015: the 31 characters of a USCC and the weights of its first 17 positions.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARS)}

# Mirrors spotcheck.core.domain.scd1.SCD1_ID_TEXT (this file stays stdlib-only, so it keeps
# its own copy; a test checks that the two agree).
NAME_RE = r"[A-Za-z0-9_.:-]{1,64}"  # STRATUM, DEPT, INSPECTOR_ID, tag (DRAW.md section 1)
_NAME = re.compile(NAME_RE)
_HEX = re.compile(r"(?:[0-9a-f]{2})*")
_DIGEST_HEX = re.compile(r"[0-9a-f]{64}")

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[bytes, PathLike]  # a file's content, or its path


class BundleError(Exception):
    """A bundle file is missing or malformed: the draw cannot even be recomputed (exit 2)."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        where = f"{file}, line {line}" if line is not None else file
        super().__init__(f"{where}: {message}")
        self.file, self.line, self.reason = file, line, message


class DrawError(ValueError):
    """The inputs are well-formed but contradict each other (a reveal, a substitution)."""


# --- hashing (DRAW.md sections 2 and 3) -------------------------------------------------


def _sm3_native() -> bool:
    try:
        hashlib.new("sm3")
    except ValueError:
        return False
    return True


_SM3_NATIVE = _sm3_native()


class _SM3:
    """Pure-Python SM3 (GB/T 32905-2016), only for Pythons whose OpenSSL lacks it. Slow but exact."""

    name, digest_size, block_size = "sm3", 32, 64
    _IV = (0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E)

    def __init__(self, data: bytes = b"") -> None:
        self._v, self._buf, self._len = list(self._IV), b"", 0
        self.update(data)

    def copy(self) -> "_SM3":
        other = _SM3()
        other._v, other._buf, other._len = list(self._v), self._buf, self._len
        return other

    def update(self, data: bytes) -> None:
        self._len += len(data)
        buf = self._buf + bytes(data)
        full = len(buf) - len(buf) % 64
        for i in range(0, full, 64):
            self._v = _sm3_compress(self._v, buf[i : i + 64])
        self._buf = buf[full:]

    def digest(self) -> bytes:
        tail = self._buf + b"\x80" + b"\0" * ((55 - len(self._buf)) % 64) + struct.pack(">Q", self._len * 8)
        v = self._v
        for i in range(0, len(tail), 64):
            v = _sm3_compress(v, tail[i : i + 64])
        return struct.pack(">8I", *v)

    def hexdigest(self) -> str:
        return self.digest().hex()


def _rotl(x: int, n: int) -> int:
    n %= 32
    return ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF


def _sm3_compress(v: list[int], block: bytes) -> list[int]:
    w = list(struct.unpack(">16I", block))
    for j in range(16, 68):
        x = w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)
        w.append(x ^ _rotl(x, 15) ^ _rotl(x, 23) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
    a, b, c, d, e, f, g, h = v
    for j in range(64):
        t = 0x79CC4519 if j < 16 else 0x7A879D8A
        a12 = _rotl(a, 12)
        ss1 = _rotl((a12 + e + _rotl(t, j)) & 0xFFFFFFFF, 7)
        if j < 16:
            ff, gg = a ^ b ^ c, e ^ f ^ g
        else:
            ff, gg = (a & b) | (a & c) | (b & c), (e & f) | (~e & g)
        tt1 = (ff + d + (ss1 ^ a12) + (w[j] ^ w[j + 4])) & 0xFFFFFFFF
        tt2 = (gg + h + ss1 + w[j]) & 0xFFFFFFFF
        d, c, b, a = c, _rotl(b, 9), a, tt1
        h, g, f, e = g, _rotl(f, 19), e, tt2 ^ _rotl(tt2, 9) ^ _rotl(tt2, 17)
    return [x ^ y for x, y in zip(v, (a, b, c, d, e, f, g, h))]


def new_hash(hash_name: str, data: bytes = b"") -> Any:
    """A fresh H of DRAW.md section 2 ("sha256" or "sm3"), with ``update``/``copy``/``digest``."""
    if hash_name not in HASHES:
        raise ValueError(f"hash must be one of {', '.join(HASHES)}, not {hash_name!r}")
    if hash_name == "sm3" and not _SM3_NATIVE:
        return _SM3(data)
    return hashlib.new(hash_name, data)


def digest(hash_name: str, data: bytes) -> bytes:
    """H(data): 32 bytes."""
    return new_hash(hash_name, data).digest()


def canonical_json(obj: Any) -> bytes:
    """The canonical form of DRAW.md section 2: sorted keys, no whitespace, UTF-8 as itself."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def pretty_json(obj: Any) -> bytes:
    """How bundle JSON files are written (the layout of the test vectors: indent 1, no final newline).

    Byte for byte ``json.dumps(obj, indent=1, ensure_ascii=False)``, whose indenting encoder is
    pure Python; a top-level object's values are laid out one by one so that a long list of
    flat string objects (a result's "selected": a million entries at provincial scale) is
    written by string templates, in about 60 % of the time. JSON text never holds a raw line break
    (inside strings it is escaped), so indenting a nested value is replacing "\n".
    """
    if not isinstance(obj, dict) or not obj or not all(isinstance(k, str) for k in obj):
        return json.dumps(obj, indent=1, ensure_ascii=False).encode("utf-8")
    members = [f" {_json_str(k)}: {_pretty_member(v)}" for k, v in obj.items()]
    return ("{\n" + ",\n".join(members) + "\n}").encode("utf-8")


_json_str = json.encoder.encode_basestring  # type: ignore[attr-defined]  # what dumps(ensure_ascii=False) uses


def _pretty_member(value: Any) -> str:
    """A top-level member's value as json.dumps(indent=1) lays it out at depth 1."""
    if (
        isinstance(value, list)
        and value
        and all(type(e) is dict and e for e in value)
        and all(type(k) is str and type(v) is str for e in value for k, v in e.items())
    ):
        entries = (
            "  {\n" + ",\n".join(f"   {_json_str(k)}: {_json_str(v)}" for k, v in e.items()) + "\n  }"
            for e in value
        )
        return "[\n" + ",\n".join(entries) + "\n ]"
    return json.dumps(value, indent=1, ensure_ascii=False).replace("\n", "\n ")


def lp(b: bytes) -> bytes:
    """LP(b) of DRAW.md section 3: 4-byte big-endian length, then b."""
    return len(b).to_bytes(4, "big") + b


def announcement_digest(hash_name: str, announcement: Mapping[str, Any]) -> bytes:
    """A = H(canonical(announcement))."""
    return digest(hash_name, canonical_json(announcement))


def commitment(hash_name: str, secret: bytes) -> str:
    """The hex commitment a party publishes for its secret."""
    return digest(hash_name, secret).hex()


def commitment_problems(
    hash_name: str, announcement: Mapping[str, Any], reveals: Sequence[Mapping[str, str]]
) -> list[str]:
    """Why the reveals do not open the announced commitments (empty when they do)."""
    problems = []
    commitments = announcement["commitments"]
    if len(reveals) < len(commitments):
        problems.append(
            f"reveals.json: {len(reveals)} entries, announcement.json has {len(commitments)} commitments"
        )
    for i, (com, rev) in enumerate(zip(commitments, reveals)):
        if rev["name"] != com["name"]:
            problems.append(
                f"reveals.json: reveals[{i}].name {rev['name']!r} differs from announcement.json commitments[{i}].name {com['name']!r}"
            )
        elif commitment(hash_name, bytes.fromhex(rev["value_hex"])) != com["commit"]:
            problems.append(
                f"reveals.json: reveals[{i}] ({rev['name']}) does not open announcement.json commitments[{i}]"
            )
    if "beacon" in announcement and len(reveals) <= len(commitments):
        problems.append("reveals.json: announcement.json promises a beacon but no beacon value is revealed")
    return problems


def compute_seed(
    hash_name: str, announcement: Mapping[str, Any], reveals: Sequence[Mapping[str, str]], check: bool = True
) -> bytes:
    """seed = H("SCD-1/seed" || LP(A) || LP(name_i) || LP(value_i) ...); raises DrawError if a reveal fails its commitment."""
    if check:
        problems = commitment_problems(hash_name, announcement, reveals)
        if problems:
            raise DrawError(problems[0])
    data = [b"SCD-1/seed", lp(announcement_digest(hash_name, announcement))]
    for rev in reveals:
        data += [lp(rev["name"].encode("utf-8")), lp(bytes.fromhex(rev["value_hex"]))]
    return digest(hash_name, b"".join(data))


def derive_keys(hash_name: str, seed: bytes) -> tuple[bytes, bytes]:
    """(K_sel, K_asg): separate keys so that selection and assignment are independent."""
    return digest(hash_name, seed + b"SEL"), digest(hash_name, seed + b"ASG")


# --- USCC (GB 32100-2015) ---------------------------------------------------------------


def uscc_check_char(first17: str) -> str:
    """The check character for the first 17 characters of a USCC."""
    total = sum(w * _USCC_VALUE[c] for w, c in zip(USCC_WEIGHTS, first17))
    return USCC_CHARS[(31 - total % 31) % 31]


def uscc_problem(s: str | bytes) -> str | None:
    """Why ``s`` is not a USCC (None when it is one): length, alphabet, or check character."""
    if isinstance(s, bytes):
        s = s.decode("ascii", "replace")
    if len(s) != 18:
        return f"USCC {s!r} does not have 18 characters"
    bad = [c for c in s if c not in _USCC_VALUE]
    if bad:
        return f"USCC {s} has {bad[0]!r}, not in GB 32100's alphabet {USCC_CHARS}"
    if uscc_check_char(s[:17]) != s[17]:
        return f"USCC {s} has a wrong check character (GB 32100: {uscc_check_char(s[:17])})"
    return None


def uscc_is_valid(s: str | bytes) -> bool:
    """True for 18 characters of GB 32100's alphabet whose last one is the right check character."""
    return uscc_problem(s) is None


# The weighted sum is done column-wise on whole blocks so that 5 million check characters
# cost a few C-level passes instead of 5 million Python loops (see _usccs_valid).
_COLUMN_TABLES = [
    bytes((w * _USCC_VALUE[chr(c)]) % 31 if chr(c) in _USCC_VALUE else 0 for c in range(256))
    for w in USCC_WEIGHTS + (1,)  # the check character enters with weight 1: valid iff sum % 31 == 0
]
_MOD31 = bytes(i % 31 for i in range(256))


def _usccs_valid(joined: bytes, n: int) -> bool:
    """Whether all n USCCs concatenated in ``joined`` (alphabet already checked) have a right check character.

    Column i of the block is ``joined[i::18]``; a translate table multiplies it by its weight
    mod 31, and big-integer addition sums columns byte-wise (8 columns of values < 31 never
    carry past a byte), reducing mod 31 in between.
    """
    if n == 0:
        return True
    acc = 0
    for i, table in enumerate(_COLUMN_TABLES):
        acc += int.from_bytes(joined[i::18].translate(table), "big")
        if i in (7, 14, 17):
            acc = int.from_bytes(acc.to_bytes(n, "big").translate(_MOD31), "big")
    return acc == 0


# --- quota (DRAW.md section 4) ----------------------------------------------------------


def allocate_quota(rule: Mapping[str, Any], sizes: Mapping[str, int]) -> dict[str, int]:
    """q_s for every stratum of ``sizes`` (in its order), integer arithmetic only."""
    kind = rule["kind"]
    if kind == "counts":
        return {s: min(rule["counts"].get(s, 0), n) for s, n in sizes.items()}
    if kind == "rates":
        up = rule["rounding"] == "ceil"
        return {
            s: min(
                n,
                -(-n * rule["rates_bp"].get(s, 0) // 10000)
                if up
                else n * rule["rates_bp"].get(s, 0) // 10000,
            )
            for s, n in sizes.items()
        }
    if kind == "total":
        return _largest_remainders(rule["total"], sizes)
    raise ValueError(f"unknown quota kind {kind!r}")


def _largest_remainders(total: int, sizes: Mapping[str, int]) -> dict[str, int]:
    big_n = sum(sizes.values())
    if big_n == 0:
        return {s: 0 for s in sizes}
    k = min(total, big_n)
    quota = {s: k * n // big_n for s, n in sizes.items()}
    left = k - sum(quota.values())
    by_remainder = sorted(sizes, key=lambda s: (-(k * sizes[s] % big_n), s.encode()))
    for s in by_remainder[:left]:
        quota[s] += 1
    return quota


# --- selection (DRAW.md section 4) ------------------------------------------------------

Ranking = dict  # stratum -> [(score, uscc)] ascending, the first entries of the stratum's order
Batch = list  # [uscc, stratum, uscc, stratum, ...] as ASCII bytes (see _fields)

_SCORE_LEN = 32  # both H give 32 bytes (DRAW.md section 2)
_ABOVE_ALL = b"\xff" * (_SCORE_LEN + 1)  # compares above every score


class _Thresholds(dict):
    """Score bound per stratum; a stratum nobody asked for gets b"" (nothing is <= it)."""

    def __missing__(self, key: bytes) -> bytes:
        self[key] = b""
        return b""


def _rank_batches(
    hash_name: str,
    k_sel: bytes,
    batches: Iterable[Batch],
    limits: Mapping[bytes, int],
    bounds: Mapping[bytes, bytes] | None = None,
) -> dict[bytes, list[bytes]]:
    """The ``limits[s]`` first entities of each stratum in (score, uscc) order, in one streaming pass.

    Hot loop: one ``H(K_sel || u)`` per entity (DRAW.md section 7). K_sel || u is shorter than
    one hash block, so hashing it whole costs the same compression as copying a prepared
    H(K_sel), with one call instead of three. The per-entity work runs as chained ``map`` calls
    (concatenate, hash, digest, compare with the stratum's threshold) that stay in C; Python
    only sees the few entities that pass. Each stratum keeps only candidates at or below its
    threshold, the limit-th best key seen so far, so memory stays O(sum of limits) whatever the
    population size. A candidate is kept as the bytes score || uscc: scores have a fixed
    length, so these sort exactly like (score, uscc) tuples but compare several times faster.
    ``bounds`` are optional starting thresholds (see _size_bound); a stratum that keeps fewer
    than its limit under one must be ranked again.
    """
    hash_of, digest_of = _hash_functions(hash_name)
    prefix = k_sel.__add__
    bounds = bounds or {}
    thr = _Thresholds({s: (bounds.get(s, _ABOVE_ALL) if q > 0 else b"") for s, q in limits.items()})
    threshold = thr.__getitem__
    kept: dict[bytes, list[bytes]] = {s: [] for s, q in limits.items() if q > 0}
    for fields in batches:
        usccs, strata = fields[0::2], fields[1::2]
        scores = list(map(digest_of, map(hash_of, map(prefix, usccs))))
        # d <= key iff d <= key's score part: ties kept, the order decides later
        passing = compress(zip(scores, usccs, strata), map(le, scores, map(threshold, strata)))
        for d, u, s in passing:
            kept[s].append(d + u)
        for s, cands in kept.items():
            if len(cands) > limits[s]:
                cands.sort()
                del cands[limits[s] :]
                thr[s] = cands[-1]
    for cands in kept.values():
        cands.sort()
    return kept


def _hash_functions(hash_name: str) -> tuple[Callable[[bytes], Any], Callable[[Any], bytes]]:
    """(H constructor taking the data, digest of a hash object): both C functions for OpenSSL's hashes."""
    if hash_name == "sha256":
        return hashlib.sha256, type(hashlib.sha256()).digest
    if hash_name == "sm3" and _SM3_NATIVE:
        return partial(hashlib.new, "sm3"), type(hashlib.new("sm3")).digest
    return partial(new_hash, hash_name), _SM3.digest if hash_name == "sm3" else type(new_hash(hash_name)).digest


# Starting bounds: the fraction (limit + 6 sqrt(limit) + 16) / n of the score space holds fewer
# than ``limit`` of n uniform scores with probability below 1e-9; the threshold then starts
# near its final value instead of at "everything", which cuts the candidates kept early on.
_BOUND_SIGMAS, _BOUND_EXTRA = 6, 16


def _size_bound(limit: int, n: int) -> bytes:
    """A starting threshold for a stratum of n entities of which the first ``limit`` are wanted."""
    expected = max(0, limit + _BOUND_SIGMAS * isqrt(limit) + _BOUND_EXTRA)
    if limit <= 0 or expected >= n:
        return _ABOVE_ALL
    return (expected * 2**64 // n).to_bytes(8, "big")  # a score d is kept iff d[:8] < this


def _decode_ranking(kept: Mapping[bytes, list[bytes]]) -> Ranking:
    return {s.decode(): [(k[:_SCORE_LEN], k[_SCORE_LEN:].decode()) for k in keys] for s, keys in kept.items()}


def _batches_from_pairs(population: Iterable[tuple[str, str]], size: int = 65536) -> Iterator[Batch]:
    it = iter(population)
    while batch := list(islice(it, size)):
        yield [field.encode() for pair in batch for field in pair]


def rank(
    hash_name: str, k_sel: bytes, population: Iterable[tuple[str, str]], limits: Mapping[str, int]
) -> Ranking:
    """For each stratum, its ``limits[s]`` first entities in (score, uscc) order: [(score, uscc)]."""
    blimits = {s.encode(): q for s, q in limits.items()}
    return _decode_ranking(_rank_batches(hash_name, k_sel, _batches_from_pairs(population), blimits))


def selection_entries(
    ranking: Mapping[str, Sequence[tuple[bytes, str]]], quota: Mapping[str, int]
) -> list[dict[str, str]]:
    """The result's "selected": by stratum name (bytes), then (score, uscc)."""
    return [
        {"uscc": u, "stratum": s, "score": d.hex()}
        for s in sorted(quota, key=str.encode)
        for d, u in ranking.get(s, [])[: quota[s]]
    ]


_SELECTED_KEYS = ("uscc", "stratum", "score")
_USCC_LEN = 18
_score_part, _uscc_part = itemgetter(slice(0, _SCORE_LEN)), itemgetter(slice(_SCORE_LEN, None))


@dataclass
class Selected:
    """The result's "selected" kept column-wise: score || uscc keys in result order, and the stratum of each.

    Turned into result objects only when asked (``entries``); ``matches`` compares it with
    result.json's list a column at a time, in C, without an object per entry.
    """

    keys: list[bytes] = field(default_factory=list)
    strata: list[str] = field(default_factory=list)

    @classmethod
    def cut(cls, kept: Mapping[bytes, Sequence[bytes]], quota: Mapping[str, int]) -> "Selected":
        out = cls()
        for s in sorted(quota, key=str.encode):
            keys = kept.get(s.encode(), [])[: quota[s]]
            out.keys.extend(keys)
            out.strata.extend([s] * len(keys))
        return out

    def __len__(self) -> int:
        return len(self.keys)

    def usccs(self) -> list[str]:
        return b"\n".join(map(_uscc_part, self.keys)).decode("ascii").split("\n") if self.keys else []

    def scores_hex(self) -> str:
        return b"".join(map(_score_part, self.keys)).hex()

    def entries(self) -> list[dict[str, str]]:
        scores = self.scores_hex()
        hexes = (scores[i : i + 2 * _SCORE_LEN] for i in range(0, len(scores), 2 * _SCORE_LEN))
        return [dict(zip(_SELECTED_KEYS, row)) for row in zip(self.usccs(), self.strata, hexes)]

    _TEMPLATE = (b'  {\n   "uscc": "', b'",\n   "stratum": ', b',\n   "score": "', b'"\n  },\n')
    _CHUNK = 16384  # entries assembled at a time: a couple of MB, kept in the CPU's cache

    def pretty(self) -> bytes:
        """The "selected" list as ``pretty_json`` lays it out in result.json (a top-level
        member), its pieces joined by C iterators."""
        if not self.keys:
            return b"[]"
        names = {s: _json_str(s).encode("utf-8") for s in set(self.strata)}
        head, mid, tail, end = self._TEMPLATE
        parts = zip(
            repeat(head), map(_uscc_part, self.keys), repeat(mid), map(names.__getitem__, self.strata),
            repeat(tail), map(hexlify, map(_score_part, self.keys)), repeat(end),
        )
        return b"[\n" + b"".join(chain.from_iterable(parts))[:-2] + b"\n ]"

    def pretty_equals(self, text: bytes) -> bool:
        """Whether ``text`` is exactly ``pretty()``, without building it whole.

        When all strata names have one length (the usual case) every entry has one width:
        a chunk of entries is the template repeated, each byte column of the USCCs, strata
        and hex scores written into it by one strided slice assignment (in C, in cache), and
        compared with its place in ``text``."""
        names = {s: _json_str(s).encode("utf-8") for s in set(self.strata)}
        widths = set(map(len, names.values()))
        n, key_width = len(self.keys), _SCORE_LEN + _USCC_LEN
        joined = b"".join(self.keys)
        if not n or len(widths) != 1 or len(joined) != n * key_width:
            return text == self.pretty()
        (ws,) = widths
        head, mid, tail, end = self._TEMPLATE
        at_u = len(head)
        at_s = at_u + _USCC_LEN + len(mid)
        at_h = at_s + ws + len(tail)
        width = at_h + 2 * _SCORE_LEN + len(end)
        if len(text) != 2 + n * width - 2 + 3 or text[:2] != b"[\n" or text[-3:] != b"\n ]":
            return False
        template = head + b"?" * _USCC_LEN + mid + b"?" * ws + tail + b"?" * (2 * _SCORE_LEN) + end
        strata = b"".join(map(names.__getitem__, self.strata))
        for c0 in range(0, n, self._CHUNK):
            m = min(n, c0 + self._CHUNK) - c0
            buf = bytearray(template * m)
            keys = joined[c0 * key_width : (c0 + m) * key_width]
            for j in range(_USCC_LEN):
                buf[at_u + j :: width] = keys[_SCORE_LEN + j :: key_width]
            part = strata[c0 * ws : (c0 + m) * ws]
            for j in range(ws):
                buf[at_s + j :: width] = part[j::ws]
            scores = hexlify(b"".join(map(_score_part, self.keys[c0 : c0 + m])))
            for j in range(2 * _SCORE_LEN):
                buf[at_h + j :: width] = scores[j :: 2 * _SCORE_LEN]
            if c0 + m == n:
                del buf[-2:]
            # a slice of ``text`` (copied, then one memcmp): comparing the memoryview itself
            # goes byte by byte, about thirty times slower
            at = 2 + c0 * width
            if text[at : at + len(buf)] != buf:
                return False
        return True

    def matches(self, found: Any) -> bool:
        """Whether ``found`` is exactly this selection: a list of objects with these three keys
        holding these strings.

        Column-wise, in C: the found scores (64 lowercase hex digits each) and USCCs (18 ASCII
        characters each) are joined and decoded once, and byte column j of the fixed-width
        keys (``keys_joined[j::50]``) is compared with byte column j of the found ones.
        """
        if not isinstance(found, list) or len(found) != len(self.keys):
            return False
        if not found:
            return True
        if set(map(type, found)) != {dict} or set(map(len, found)) != {len(_SELECTED_KEYS)}:
            return False
        try:
            usccs, strata, scores = (list(map(itemgetter(k), found)) for k in _SELECTED_KEYS)
        except KeyError:
            return False
        if set(map(type, usccs + scores)) != {str} or strata != self.strata:
            return False  # strata: strings compared element-wise (a string equals only a string)
        if set(map(len, usccs)) != {_USCC_LEN} or set(map(len, scores)) != {2 * _SCORE_LEN}:
            return False
        score_text = "".join(scores)
        try:
            found_scores = bytes.fromhex(score_text)  # whitespace would shorten it: caught below
            found_usccs = "".join(usccs).encode("ascii")
        except (ValueError, UnicodeEncodeError):
            return False
        n, width = len(self.keys), _SCORE_LEN + _USCC_LEN
        if len(found_scores) != _SCORE_LEN * n or score_text != score_text.lower():
            return False
        joined = b"".join(self.keys)
        if len(joined) != width * n:  # a key of another width (never from a checked population)
            return [k[:_SCORE_LEN].hex() for k in self.keys] == scores and self.usccs() == usccs
        return all(joined[j::width] == found_scores[j::_SCORE_LEN] for j in range(_SCORE_LEN)) and all(
            joined[_SCORE_LEN + j :: width] == found_usccs[j::_USCC_LEN] for j in range(_USCC_LEN)
        )


def select(
    hash_name: str, k_sel: bytes, population: Iterable[tuple[str, str]], quota: Mapping[str, int]
) -> list[dict[str, str]]:
    """The selected entities for quota {stratum: q_s}, in result order, from (uscc, stratum) pairs."""
    return selection_entries(rank(hash_name, k_sel, population, quota), quota)


def score(hash_name: str, k_sel: bytes, uscc: str) -> bytes:
    """score(u) = H(K_sel || u)."""
    return digest(hash_name, k_sel + uscc.encode("ascii"))


# --- substitutions (DRAW.md sections 4 and 6) -------------------------------------------


def apply_substitutions(
    ranking: Mapping[str, Sequence[tuple[bytes, str]]], quota: Mapping[str, int], outs: Sequence[str]
) -> list[str]:
    """The substitute ("in") for each entity taken out, in order.

    A substitute is the next entity of the out's stratum in (score, uscc) order that has not
    been selected or used yet, i.e. position q_s + (substitutions made in s so far). ``ranking``
    must reach that far (rank with limits q_s + len(outs)). Raises DrawError when an out is not
    in the selection at that point or the stratum has no entity left.
    """
    return list(_substitutes(ranking, quota, outs))


def _substitutes(
    ranking: Mapping[str, Sequence[tuple[bytes, str]]], quota: Mapping[str, int], outs: Sequence[str]
) -> Iterator[str]:
    stratum_of = {u: s for s, cands in ranking.items() for _, u in cands}
    active = {u for s, cands in ranking.items() for _, u in cands[: quota.get(s, 0)]}
    used = {s: quota.get(s, 0) for s in ranking}
    for i, out in enumerate(outs):
        if out not in active:
            raise DrawError(f"substitutions[{i}].out {out} is not in the selection at that point")
        s = stratum_of[out]
        if used[s] >= len(ranking[s]):
            raise DrawError(f"substitutions[{i}]: stratum {s} has no entity left to substitute {out}")
        new = ranking[s][used[s]][1]
        used[s] += 1
        active.remove(out)
        active.add(new)
        yield new


# --- assignment (DRAW.md section 5) -----------------------------------------------------


@dataclass(frozen=True)
class Inspector:
    """One roster line: an inspector id (a roster code, never a name), the department, the tags."""

    id: str
    dept: str
    tags: tuple[str, ...] = ()


def dept_caps(selected_count: int, roster: Sequence[Inspector], team: Mapping[str, Any]) -> dict[str, int]:
    """cap_d = ceil(need_d / size_d) + cap_slack; a department without roster lines gets cap_slack."""
    size = Counter(i.dept for i in roster)
    need = Counter(slot["dept"] for slot in team["slots"])
    slack = team["cap_slack"]
    return {d: (-(-k * selected_count // size[d]) if size[d] else 0) + slack for d, k in need.items()}


def _keyed(base: Any, items: Iterable[tuple[bytes, str]]) -> list[tuple[bytes, str]]:
    """[(H(prefix || encoded), item)] sorted: the orders of section 5, prefix already in ``base``."""
    out = []
    for encoded, item in items:
        h = base.copy()
        h.update(encoded)
        out.append((h.digest(), item))
    out.sort()
    return out


def _encoded(items: Iterable[str]) -> list[tuple[bytes, str]]:
    return [(i.encode(), i) for i in items]


def assign(
    hash_name: str,
    k_asg: bytes,
    selected_usccs: Sequence[str],
    roster: Sequence[Inspector],
    conflicts: Iterable[tuple[str, str]],
    team: Mapping[str, Any],
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """(teams, escalated, cap_relaxed) for the selection, exactly as DRAW.md section 5.

    An escalated entity is not listed in cap_relaxed even if an earlier slot was relaxed:
    its filled slots are given back, so no inspector ended up over the cap for it.
    """
    slots = [(slot["dept"], slot["tag"]) for slot in team["slots"]]
    caps = dept_caps(len(selected_usccs), roster, team)
    members = {d: _encoded(i.id for i in roster if i.dept == d) for d, _ in slots}
    tags = {i.id: frozenset(i.tags) for i in roster}
    banned: dict[str, set[str]] = {}
    for u, i in conflicts:
        banned.setdefault(u, set()).add(i)
    pair = new_hash(hash_name, k_asg + b"PAIR")
    load: Counter[str] = Counter()
    teams: dict[str, list[str]] = {}
    escalated: list[str] = []
    relaxed: list[str] = []
    for _, u in _keyed(new_hash(hash_name, k_asg + b"ORDER"), _encoded(selected_usccs)):
        pair_u = pair.copy()
        pair_u.update(u.encode() + b"|")
        ranked = {d: _keyed(pair_u, ids) for d, ids in members.items()}
        chosen = _fill_slots(slots, ranked, tags, banned.get(u, set()), load, caps)
        if chosen is None:
            escalated.append(u)
            continue
        team_ids, over_cap = chosen
        teams[u] = team_ids
        if over_cap:
            relaxed.append(u)
    return teams, escalated, relaxed


def _fill_slots(
    slots: Sequence[tuple[str, str]],
    ranked: Mapping[str, Sequence[tuple[bytes, str]]],
    tags: Mapping[str, frozenset[str]],
    banned: set[str],
    load: Counter[str],
    caps: Mapping[str, int],
) -> tuple[list[str], bool] | None:
    """Fill one entity's slots in order; None (loads given back) when a slot has no candidate."""
    team: list[str] = []
    over_cap = False
    for dept, tag in slots:
        first = taken = None
        for _, i in ranked[dept]:
            if i in banned or i in team or (tag != "*" and tag not in tags[i]):
                continue
            if first is None:
                first = i
            if load[i] < caps[dept]:
                taken = i
                break
        if first is None:
            for i in team:
                load[i] -= 1
            return None
        if taken is None:
            taken, over_cap = first, True
        team.append(taken)
        load[taken] += 1
    return team, over_cap


# --- reading and checking bundle files (DRAW.md section 1) ------------------------------

_BLOCK = 1 << 20
_POPULATION_BLOCK = re.compile(rb"(?:[0-9A-HJ-NPQRTUWXY]{18},[A-Za-z0-9_.:-]{1,64}\n)*")
_USCC_RE = r"[0-9A-Z]{18}"


@dataclass(frozen=True)
class _LineFormat:
    """One CSV file's line shape: the regex, its description, the key that must be unique."""

    file: str
    regex: re.Pattern[str]
    shape: str
    key_name: str
    key: Callable[[re.Match[str]], str]
    uscc_group: int | None = None
    tags_group: int | None = None


_POPULATION = _LineFormat(
    "population.csv",
    re.compile(rf"({_USCC_RE}),({NAME_RE})"),
    "USCC,STRATUM",
    "USCC",
    lambda m: m[1],
    uscc_group=1,
)
_ROSTER = _LineFormat(
    "roster.csv",
    re.compile(rf"({NAME_RE}),({NAME_RE}),((?:{NAME_RE}(?:;{NAME_RE})*)?)"),
    "INSPECTOR_ID,DEPT,TAGS",
    "INSPECTOR_ID",
    lambda m: m[1],
    tags_group=3,
)
_CONFLICTS = _LineFormat(
    "conflicts.csv",
    re.compile(rf"({_USCC_RE}),({NAME_RE})"),
    "USCC,INSPECTOR_ID",
    "line",
    lambda m: m[0],
    uscc_group=1,
)


def _check_lines(
    fmt: _LineFormat, lines: Sequence[bytes], first_no: int, prev: tuple[bytes, str] | None
) -> tuple[bytes, str] | None:
    """Check lines one by one (the slow path, also the one that names the bad line); returns the last (line, key)."""
    for no, raw in enumerate(lines, first_no):
        if not raw.isascii():
            raise BundleError(fmt.file, "non-ASCII byte (files are ASCII)", no)
        line = raw.decode("ascii")
        m = fmt.regex.fullmatch(line)
        if not m:
            hint = " (CR line end?)" if line.endswith("\r") else ""
            raise BundleError(fmt.file, f"{line[:80]!r} is not {fmt.shape}{hint}", no)
        problem = uscc_problem(m[fmt.uscc_group]) if fmt.uscc_group else None
        if problem:
            raise BundleError(fmt.file, problem, no)
        if fmt.tags_group and m[fmt.tags_group]:
            t = m[fmt.tags_group].split(";")
            if any(a >= b for a, b in zip(t, t[1:])):
                raise BundleError(fmt.file, "tags must be sorted and distinct", no)
        key = fmt.key(m)
        if prev is not None:
            if key == prev[1]:
                raise BundleError(fmt.file, f"duplicate {fmt.key_name} {key}", no)
            if raw < prev[0]:
                raise BundleError(fmt.file, "lines are not sorted by their bytes", no)
        prev = (raw, key)
    return prev


def _read_bytes(src: Source, file: str) -> bytes:
    if isinstance(src, bytes):
        return src
    try:
        return Path(src).read_bytes()
    except FileNotFoundError:
        raise BundleError(file, "missing") from None
    except OSError as e:
        raise BundleError(file, f"cannot be read ({e.strerror})") from None


def _split_lines(data: bytes, file: str) -> list[bytes]:
    if data and not data.endswith(b"\n"):
        raise BundleError(file, "missing final newline", data.count(b"\n") + 1)
    lines = data.split(b"\n")
    lines.pop()
    return lines


def parse_roster(data: bytes) -> list[Inspector]:
    """The inspectors of roster.csv (raises BundleError naming the bad line)."""
    lines = _split_lines(data, "roster.csv")
    _check_lines(_ROSTER, lines, 1, None)
    out = []
    for raw in lines:
        iid, dept, tags = raw.decode("ascii").split(",")
        out.append(Inspector(iid, dept, tuple(tags.split(";")) if tags else ()))
    return out


def parse_conflicts(data: bytes) -> list[tuple[str, str]]:
    """The (uscc, inspector_id) pairs of conflicts.csv (raises BundleError naming the bad line)."""
    lines = _split_lines(data, "conflicts.csv")
    _check_lines(_CONFLICTS, lines, 1, None)
    return [tuple(raw.decode("ascii").split(",")) for raw in lines]  # type: ignore[misc]


def _open(src: Source, file: str) -> IO[bytes]:
    if isinstance(src, bytes):
        return io.BytesIO(src)
    try:
        return open(src, "rb")
    except FileNotFoundError:
        raise BundleError(file, "missing") from None
    except OSError as e:
        raise BundleError(file, f"cannot be read ({e.strerror})") from None


def _population_blocks(src: Source, hasher: Any) -> Iterator[bytes]:
    """Stream population.csv as blocks of whole lines (each block ends in a newline), hashing every byte."""
    with _open(src, "population.csv") as f:
        rest = b""
        lines = 0
        while block := f.read(_BLOCK):
            hasher.update(block)
            if rest:
                block = rest + block
            cut = block.rfind(b"\n") + 1
            rest = block[cut:]
            if cut:
                lines += block.count(b"\n", 0, cut)
                yield block[:cut]
        if rest:
            raise BundleError("population.csv", "missing final newline", lines + 1)


def _fields(block: bytes) -> list[bytes]:
    """[uscc, stratum, uscc, stratum, ...] of a block of well-formed lines.

    One replace and one split in C instead of slicing every line in Python: the USCCs are
    then ``fields[0::2]`` and the strata ``fields[1::2]``.
    """
    fields = block.replace(b"\n", b",").split(b",")
    fields.pop()  # after the last newline
    return fields


@dataclass
class PopulationStats:
    """What the check of population.csv learns: digest, line count, stratum sizes in order of appearance."""

    digest: bytes
    size: int
    strata: dict[str, int]


def scan_population(src: Source, hash_name: str) -> PopulationStats:
    """Check population.csv entirely (format, check characters, order, uniqueness) and count strata.

    Fast path: whole-block checks in C (regex, sorted USCCs, column-wise check characters);
    only a block that fails is re-read line by line to name the bad line.
    """
    return scan_and_rank(src, hash_name, None, lambda stratum, n: 0)[0]


# (stratum, entities of it seen so far) -> an upper estimate of how many of its first entities
# will be wanted once the whole population is known (see scan_and_rank).
LimitEstimate = Callable[[bytes, int], int]


# Up to this many strata known, a block's lines are counted per stratum by searching the
# block for ",STRATUM\n" (a C search per stratum) instead of counting every line's stratum.
_FEW_STRATA = 8


def _count_strata(counts: Counter[bytes], block: bytes, strata: list[bytes]) -> Iterable[bytes]:
    """Add the block's lines to ``counts`` per stratum; the strata the block holds. A
    well-formed line has its one comma right after the USCC, so ",S\n" occurs once per line of
    stratum S and nowhere else; when the strata already known do not account for every line, a
    new one appeared: count them all (one pass, which also gives the block's strata)."""
    if 0 < len(counts) <= _FEW_STRATA:
        found = {s: block.count(b"," + s + b"\n") for s in counts}
        if sum(found.values()) == len(strata):
            counts.update(found)
            return [s for s, k in found.items() if k]
    here = Counter(strata)
    counts.update(here)
    return here


def scan_and_rank(
    src: Source, hash_name: str, k_sel: bytes | None, estimate: LimitEstimate
) -> tuple[PopulationStats, dict[bytes, list[bytes]], dict[bytes, bytes]]:
    """scan_population and the ranking in one pass over the file: (stats, candidates, bounds).

    The quota of a stratum is known only once it is counted, so this pass cannot cut each
    stratum at its limit. It keeps instead every entity whose score is under the stratum's
    bound (_size_bound of ``estimate(s, n)`` for the n entities of s seen so far, never
    raised again): an entity under the final bound was under every earlier one, so the
    candidates of s hold all entities under ``bounds[s]``, each as score || uscc, unsorted.
    When at least the limit of them are under it, the first ``limit`` of the sorted candidates
    are exactly the stratum's first entities (see _first_entities); otherwise that stratum
    needs a ranking pass of its own. The bounds shrink like 1/n, so the candidates number
    about the selection plus a few square roots: memory follows the selection, not the
    population. ``k_sel`` None only scans.
    """
    hasher = new_hash(hash_name)
    counts: Counter[bytes] = Counter()
    bounds: dict[bytes, bytes] = {}
    kept: dict[bytes, list[bytes]] = {}
    hash_of, digest_of = _hash_functions(hash_name)
    prefix = (k_sel or b"").__add__
    size, prev = 0, None
    for block in _population_blocks(src, hasher):
        fields = _fields(block) if _POPULATION_BLOCK.fullmatch(block) else []
        usccs = fields[0::2]
        ok = (
            bool(usccs)
            and (prev is None or prev[1].encode() < usccs[0])
            and all(map(lt, usccs, islice(usccs, 1, None)))
            and _usccs_valid(b"".join(usccs), len(usccs))
        )
        if not ok:
            lines = block.split(b"\n")
            lines.pop()
            _check_lines(_POPULATION, lines, size + 1, prev)
            raise BundleError(
                "population.csv", "malformed", size + 1
            )  # pragma: no cover - slow path names it
        strata = fields[1::2]
        present = _count_strata(counts, block, strata)
        size += len(usccs)
        prev = (usccs[-1] + b"," + fields[-1], usccs[-1].decode())
        if k_sel is None:
            continue
        for s in present:
            n = counts[s]
            limit = estimate(s, n)
            bound = _size_bound(limit, n) if limit > 0 else b""
            if s not in bounds or bound < bounds[s]:
                bounds[s] = bound
                kept.setdefault(s, [])
        # the hot loop as chained maps in C, as in _rank_batches
        scores = list(map(digest_of, map(hash_of, map(prefix, usccs))))
        for d, u, s in compress(zip(scores, usccs, strata), map(le, scores, map(bounds.__getitem__, strata))):
            kept[s].append(d + u)
    stats = PopulationStats(hasher.digest(), size, {s.decode(): n for s, n in counts.items()})
    return stats, kept, bounds


def _first_entities(
    kept: dict[bytes, list[bytes]], bounds: Mapping[bytes, bytes], limits: Mapping[str, int]
) -> dict[bytes, int]:
    """Cut scan_and_rank's candidates to each stratum's limit, in place; the strata it could not
    serve (fewer than their limit under the bound) with their limits, to be ranked again."""
    again: dict[bytes, int] = {}
    for name, limit in limits.items():
        s = name.encode()
        cands = sorted(kept.get(s, []))
        if bisect_left(cands, bounds.get(s, b"")) >= limit:  # keys under the bound come first
            kept[s] = cands[:limit]
        else:
            again[s] = limit
    return again


def rank_population(
    src: Source,
    hash_name: str,
    k_sel: bytes,
    limits: Mapping[str, int],
    sizes: Mapping[str, int] | None = None,
    expect_digest: bytes | None = None,
) -> Ranking:
    """rank() over a population.csv already checked by scan_population (a pass of its own: for
    substitutes ranked further, and for strata whose bound in scan_and_rank proved too tight).

    ``sizes`` (the stratum sizes from the scan) allow starting bounds; ``expect_digest``
    guards against the file changing between the passes.
    """
    return _decode_ranking(_rank_population_keys(src, hash_name, k_sel, limits, sizes, expect_digest))


def _rank_population_keys(
    src: Source,
    hash_name: str,
    k_sel: bytes,
    limits: Mapping[str, int],
    sizes: Mapping[str, int] | None,
    expect_digest: bytes | None,
) -> dict[bytes, list[bytes]]:
    """rank_population's ranking as sorted score || uscc keys per stratum (not decoded)."""
    blimits = {s.encode(): q for s, q in limits.items()}
    bounds = {s.encode(): _size_bound(q, sizes[s]) for s, q in limits.items()} if sizes else None
    kept = _rank_file(src, hash_name, k_sel, blimits, bounds, expect_digest)
    # A starting bound that proved too tight (probability < 1e-9 per stratum) costs one more
    # pass for those strata only; the ranking stays exact.
    again = {s: q for s, q in blimits.items() if bounds and bounds[s] is not _ABOVE_ALL and len(kept[s]) < q}
    if again:
        kept.update(_rank_file(src, hash_name, k_sel, again, None, expect_digest))
    return kept


def _rank_file(
    src: Source,
    hash_name: str,
    k_sel: bytes,
    limits: Mapping[bytes, int],
    bounds: Mapping[bytes, bytes] | None,
    expect_digest: bytes | None,
) -> dict[bytes, list[bytes]]:
    hasher = new_hash(hash_name)
    batches = map(_fields, _population_blocks(src, hasher))
    kept = _rank_batches(hash_name, k_sel, batches, limits, bounds)
    if expect_digest is not None and hasher.digest() != expect_digest:
        raise BundleError("population.csv", "changed while being read")
    return kept


# --- JSON files -------------------------------------------------------------------------


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        keys = [k for k, _ in pairs]
        raise ValueError(f"duplicate key {next(k for k in keys if keys.count(k) > 1)!r}")
    return obj


def _no_float(s: str) -> Any:
    raise ValueError(f"number {s} is not an integer (SCD-1 JSON holds integers only)")


def load_json(src: Source, file: str, integers_only: bool = True) -> Any:
    """Parse a bundle JSON file; BundleError with the line on any syntax error, duplicate key or float."""
    data = _read_bytes(src, file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise BundleError(file, f"not UTF-8 (byte {e.start})", data.count(b"\n", 0, e.start) + 1) from None
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicate_keys,
            parse_float=_no_float if integers_only else float,
            parse_constant=_no_float,
        )
    except json.JSONDecodeError as e:
        raise BundleError(file, e.msg, e.lineno) from None
    except ValueError as e:  # duplicate key, float, over-long integer
        raise BundleError(file, str(e)) from None


class _Shape:
    """Small structural checks for one JSON file, each failure a one-line BundleError."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, what: str) -> None:
        raise BundleError(self.file, f"{where} {what}")

    def obj(
        self, value: Any, where: str, keys: Iterable[str], optional: Iterable[str] = ()
    ) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
        for k in keys:
            if k not in value:
                self.fail(where, f"lacks key {k!r}")
        allowed = set(keys) | set(optional)
        extra = [k for k in value if k not in allowed]
        if extra:
            self.fail(where, f"has unknown key {extra[0]!r}")
        return value

    def array(self, value: Any, where: str, min_len: int = 0) -> list[Any]:
        if not isinstance(value, list) or len(value) < min_len:
            self.fail(
                where, f"must be an array of at least {min_len} entries" if min_len else "must be an array"
            )
        return value

    def text(
        self, value: Any, where: str, pattern: re.Pattern[str] | None = None, what: str = "a string"
    ) -> str:
        if not isinstance(value, str) or (pattern is not None and not pattern.fullmatch(value)):
            self.fail(where, f"must be {what}")
        return value

    def integer(self, value: Any, where: str) -> int:
        if type(value) is not int or value < 0:
            self.fail(where, "must be a non-negative integer")
        return value

    def names(self, value: Any, where: str) -> dict[str, int]:
        if not isinstance(value, dict):
            self.fail(where, "must be an object")
        for k, v in value.items():
            self.text(k, f"{where} key", _NAME, "a name [A-Za-z0-9_.:-]{1,64}")
            self.integer(v, f"{where}.{k}")
        return value


def _only_json_types(value: Any, file: str, where: str = "announcement") -> None:
    """DRAW.md section 2: only strings, integers, arrays and objects (no true/false/null)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _only_json_types(v, file, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _only_json_types(v, file, f"{where}[{i}]")
    elif not (isinstance(value, str) or type(value) is int):
        raise BundleError(
            file, f"{where} is {json.dumps(value)}; only strings, integers, arrays and objects are allowed"
        )


def check_announcement(a: Any) -> dict[str, Any]:
    """Validate the announcement's structure (DRAW.md section 2); returns it."""
    sh = _Shape("announcement.json")
    required = ["version", "hash", "draw_id", "published_at", "population", "quota", "commitments"]
    if not isinstance(a, dict):
        sh.fail("the announcement", "must be an object")
    if "team" in a:
        required += ["team", "roster", "conflicts"]
    for k in required:
        if k not in a:
            sh.fail("the announcement", f"lacks key {k!r}")
    _only_json_types(a, sh.file)
    if a["version"] != VERSION:
        sh.fail("version", f"must be {VERSION!r}")
    if a["hash"] not in HASHES:
        sh.fail("hash", f"must be one of {', '.join(HASHES)}")
    sh.text(a["draw_id"], "draw_id")
    _check_time(sh, a["published_at"])
    for name in ("population", "roster", "conflicts"):
        if name in a:
            sh.obj(a[name], name, ("digest", "size"))
            sh.text(a[name]["digest"], f"{name}.digest", _DIGEST_HEX, "64 lowercase hex digits")
            sh.integer(a[name]["size"], f"{name}.size")
    if ("roster" in a or "conflicts" in a) and "team" not in a:
        sh.fail("roster/conflicts", "are announced without a team")
    _check_quota(sh, a["quota"])
    if "team" in a:
        _check_team(sh, a["team"])
    for i, c in enumerate(sh.array(a["commitments"], "commitments", 1)):
        sh.obj(c, f"commitments[{i}]", ("name", "commit"))
        sh.text(c["name"], f"commitments[{i}].name")
        sh.text(c["commit"], f"commitments[{i}].commit", _DIGEST_HEX, "64 lowercase hex digits")
    if "beacon" in a:
        sh.obj(a["beacon"], "beacon", ("kind", "description"))
    return a


def _check_time(sh: _Shape, value: Any) -> None:
    sh.text(value, "published_at")
    try:
        ok = datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        ok = False
    if not ok:
        sh.fail("published_at", "must be an ISO-8601 time with offset")


def _check_quota(sh: _Shape, q: Any) -> None:
    kind = sh.obj(q, "quota", ("kind",), ("counts", "rates_bp", "rounding", "total")).get("kind")
    if kind == "counts":
        sh.obj(q, "quota", ("kind", "counts"))
        sh.names(q["counts"], "quota.counts")
    elif kind == "rates":
        sh.obj(q, "quota", ("kind", "rates_bp", "rounding"))
        sh.names(q["rates_bp"], "quota.rates_bp")
        if q["rounding"] not in ("ceil", "floor"):
            sh.fail("quota.rounding", "must be 'ceil' or 'floor'")
    elif kind == "total":
        sh.obj(q, "quota", ("kind", "total"))
        sh.integer(q["total"], "quota.total")
    else:
        sh.fail("quota.kind", "must be 'counts', 'rates' or 'total'")


def _check_team(sh: _Shape, team: Any) -> None:
    sh.obj(team, "team", ("slots", "cap_slack"))
    sh.integer(team["cap_slack"], "team.cap_slack")
    for i, slot in enumerate(sh.array(team["slots"], "team.slots", 2)):
        sh.obj(slot, f"team.slots[{i}]", ("dept", "tag"))
        sh.text(slot["dept"], f"team.slots[{i}].dept", _NAME, "a name [A-Za-z0-9_.:-]{1,64}")
        if slot["tag"] != "*":
            sh.text(slot["tag"], f"team.slots[{i}].tag", _NAME, "'*' or a tag [A-Za-z0-9_.:-]{1,64}")


def check_reveals(r: Any) -> list[dict[str, str]]:
    """Validate reveals.json's structure (DRAW.md section 3); returns it."""
    sh = _Shape("reveals.json")
    for i, entry in enumerate(sh.array(r, "the reveals")):
        sh.obj(entry, f"reveals[{i}]", ("name", "value_hex"))
        sh.text(entry["name"], f"reveals[{i}].name")
        sh.text(entry["value_hex"], f"reveals[{i}].value_hex", _HEX, "lowercase hex of whole bytes")
    return r


def result_substitutions(result: Any) -> list[dict[str, str]]:
    """The substitutions listed in result.json (their outs are inputs to the verification)."""
    sh = _Shape("result.json")
    if not isinstance(result, dict):
        sh.fail("the result", "must be an object")
    subs = sh.array(result.get("substitutions", []), "substitutions")
    for i, s in enumerate(subs):
        sh.obj(s, f"substitutions[{i}]", ("out", "in", "reason"))
        for k in ("out", "in", "reason"):
            sh.text(s[k], f"substitutions[{i}].{k}")
    return subs


# --- computing a result (DRAW.md section 6) ---------------------------------------------


@dataclass
class DrawInputs:
    """Everything a result is computed from. ``population`` is population.csv's content or path."""

    announcement: dict[str, Any]
    reveals: list[dict[str, str]]
    population: Source
    roster: list[Inspector] | None = None
    conflicts: list[tuple[str, str]] | None = None
    substitutions: list[dict[str, str]] = field(default_factory=list)  # {"out", "reason"}; "in" is computed


@dataclass
class Computation:
    """A computed result plus what was learnt on the way (the population's digest and size).

    ``selected`` is the selection column-wise; ``result["selected"]`` holds it as objects only
    when they were asked for (the verifier compares the columns directly).
    """

    result: dict[str, Any]
    population: PopulationStats
    selected: Selected = field(default_factory=Selected)
    substitution_error: str | None = None


def _limit_estimate(rule: Mapping[str, Any], announced_size: int, extra: int) -> LimitEstimate:
    """An upper estimate of q_s + extra (section 4) for a stratum of which n entities are seen so far.

    q_s grows with n_s for rates and totals, so the estimate is made for the n seen; a total
    relies on the announced population size (a wrong one only costs a second pass).
    """
    kind = rule["kind"]
    if kind == "counts":
        counts = {s.encode(): k for s, k in rule["counts"].items()}
        return lambda s, n: min(n, counts.get(s, 0) + extra)
    if kind == "rates":
        rates = {s.encode(): bp for s, bp in rule["rates_bp"].items()}
        return lambda s, n: min(n, -(-n * rates.get(s, 0) // 10000) + extra)
    total = min(rule["total"], announced_size)
    if announced_size <= 0:
        return lambda s, n: n
    return lambda s, n: min(n, total * n // announced_size + 1 + extra)


def _compute(inputs: DrawInputs, with_teams: bool = True, entries: bool = True) -> Computation:
    a = inputs.announcement
    h = a["hash"]
    seed = compute_seed(h, a, inputs.reveals, check=False)
    k_sel, k_asg = derive_keys(h, seed)
    outs = [s["out"] for s in inputs.substitutions]
    estimate = _limit_estimate(a["quota"], a["population"]["size"], len(outs))
    stats, kept, bounds = scan_and_rank(inputs.population, h, k_sel, estimate)
    quota = allocate_quota(a["quota"], stats.strata)
    limits = {s: min(q + len(outs), stats.strata[s]) for s, q in quota.items()}
    again = _first_entities(kept, bounds, limits)
    if again:  # a bound proved too tight (see _size_bound): rank those strata in a pass of their own
        kept.update(_rank_file(inputs.population, h, k_sel, again, None, stats.digest))
    selected = Selected.cut(kept, quota)
    result: dict[str, Any] = {
        "version": VERSION,
        "draw_id": a["draw_id"],
        "announcement_digest": announcement_digest(h, a).hex(),
        "seed": seed.hex(),
        "quota": quota,
    }
    if entries:
        result["selected"] = selected.entries()
    if "team" in a and with_teams:
        usccs = selected.usccs()
        teams, escalated, relaxed = assign(
            h, k_asg, usccs, inputs.roster or [], inputs.conflicts or [], a["team"]
        )
        result.update(teams=teams, escalated=escalated, cap_relaxed=relaxed)
    error: str | None = None
    ins: list[str] = []
    if outs:
        try:
            ins.extend(_substitutes(_decode_ranking(kept), quota, outs))
        except DrawError as e:  # the verifier still compares the substitutions made before it
            error = str(e)
        result["substitutions"] = [
            {"out": s["out"], "in": new, "reason": s["reason"]} for s, new in zip(inputs.substitutions, ins)
        ]
    return Computation(result, stats, selected, error)


def compute_result(inputs: DrawInputs) -> dict[str, Any]:
    """The result.json object the inputs give (raises DrawError for an impossible substitution)."""
    c = _compute(inputs)
    if c.substitution_error:
        raise DrawError(c.substitution_error)
    return c.result


# --- comparing (exit 1 material) --------------------------------------------------------

_HINTS = {
    "announcement_digest": " (the hash of announcement.json)",
    "seed": " (from announcement.json and reveals.json)",
}
_VERIFIED = ("version", "draw_id", "announcement_digest", "seed", "quota", "selected")
_TEAM_KEYS = ("teams", "escalated", "cap_relaxed")


def _show(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _diff(path: str, expected: Any, found: Any, out: list[str], hint: str = "") -> None:
    """Append one message per differing value under ``path`` (dict order is not significant)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        for k in expected:
            if k not in found:
                out.append(f"result.json: {path}[{_show(k)}] is missing (expected {_show(expected[k])})")
            else:
                _diff(f"{path}[{_show(k)}]", expected[k], found[k], out)
        out.extend(f"result.json: {path}[{_show(k)}] should not be there" for k in found if k not in expected)
    elif isinstance(expected, list) and isinstance(found, list):
        for i, (e, f) in enumerate(zip(expected, found)):
            _diff(f"{path}[{i}]", e, f, out)
        if len(expected) != len(found):
            out.append(f"result.json: {path} has {len(found)} entries, expected {len(expected)}")
    elif type(expected) is not type(found) or expected != found:
        out.append(f"result.json: {path} differs{hint}: expected {_show(expected)}, found {_show(found)}")


# Keys whose computed value holds strings only, at any depth: for them Python's == is exact
# JSON equality (a string equals only a string), whereas 1 == 1.0 == True elsewhere.
_STRINGS_ONLY = frozenset(("version", "draw_id", "announcement_digest", "seed", "selected") + _TEAM_KEYS)


def _same(key: str, expected: Any, found: Any) -> bool:
    """Whether result.json's value under ``key`` is exactly the expected one: one pass, no messages."""
    if expected != found:
        return False
    return key in _STRINGS_ONLY or canonical_json(expected) == canonical_json(found)


def compare_results(expected: Mapping[str, Any], found: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """Messages naming every verified key of result.json whose value is not the expected one.

    Equal values are recognised in one comparison; only a value that differs is walked to
    name each difference.
    """
    out: list[str] = []
    for key in keys:
        if key not in found:
            out.append(f"result.json: key {key!r} is missing")
        elif not _same(key, expected[key], found[key]):
            _diff(key, expected[key], found[key], out, _HINTS.get(key, ""))
    return out


def compare_selected(selected: Selected, found: Mapping[str, Any]) -> list[str]:
    """compare_results for "selected" against the computed selection, without an object per entry when equal."""
    if "selected" in found and selected.matches(found["selected"]):
        return []
    return compare_results({"selected": selected.entries()}, found, ["selected"])


def _substitution_messages(computed: Computation, found: list[dict[str, str]]) -> list[str]:
    out: list[str] = []
    for i, (exp, got) in enumerate(zip(computed.result.get("substitutions", []), found)):
        if exp["in"] != got["in"]:
            out.append(
                f"result.json: substitutions[{i}].in differs: expected {_show(exp['in'])}, found {_show(got['in'])}"
            )
    if computed.substitution_error:
        out.append(f"result.json: {computed.substitution_error}")
    return out


# --- verifying a bundle -----------------------------------------------------------------


@dataclass
class Report:
    """The outcome of checking a bundle. ``partial``: teams not checkable (conflicts.csv withheld)."""

    ok: bool
    summary: str
    messages: list[str]
    partial: bool = False


def _input_messages(a: dict[str, Any], file: str, got_digest: bytes, got_size: int) -> list[str]:
    key = file.split(".")[0]
    out = []
    if got_digest.hex() != a[key]["digest"]:
        out.append(
            f"{file}: digest does not match announcement.json ({key}.digest {a[key]['digest']}, file hashes to {got_digest.hex()})"
        )
    if got_size != a[key]["size"]:
        out.append(f"{file}: {got_size} lines, announcement.json {key}.size says {a[key]['size']}")
    return out


# result.json's "selected" (a million entries at provincial scale) as pretty_json writes it:
# the member at depth 1, closed by the first newline + one space + "]" (JSON text holds no raw
# newline inside a string, and deeper lines are indented further).
_SELECTED_MEMBER = b'\n "selected": '


@dataclass
class _Result:
    """result.json as read: the parsed object, and when its "selected" list was set aside
    unparsed (``segment``, replaced in ``found`` by the set-aside marker), that list's bytes."""

    data: bytes
    found: Any
    segment: bytes | None = None

    def full(self) -> Any:
        """result.json parsed whole (also what names a syntax error inside the set-aside list)."""
        return load_json(self.data, "result.json", integers_only=False)


def _read_result(src: Path) -> _Result:
    """Read result.json, setting its "selected" list aside when it has the layout pretty_json
    gives: the rest is parsed and checked as always (duplicate keys, syntax), the list is
    compared byte for byte with the computed one (``compare_set_aside``) and parsed only when
    it differs. Parsing a million small objects costs more than the rest of a verification's
    bookkeeping; comparing the bytes costs next to nothing.

    Exact: the list's bytes stand at the position of one JSON value (the marker put there
    parses as the top-level "selected" and appears nowhere else), so a file whose list equals
    the expected text byte for byte parses to exactly the expected list. The marker holds
    random bytes drawn for this run, so no file can hold it already."""
    data = _read_bytes(src, "result.json")
    marker = f"set aside {os.urandom(16).hex()}"
    start = data.find(_SELECTED_MEMBER)
    if start < 0:
        return _Result(data, load_json(data, "result.json", integers_only=False))
    start += len(_SELECTED_MEMBER)
    end = start + 2 if data.startswith(b"[]", start) else data.find(b"\n ]", start) + 3
    if end < start + 2:
        return _Result(data, load_json(data, "result.json", integers_only=False))
    try:
        found = load_json(data[:start] + f'"{marker}"'.encode() + data[end:], "result.json",
                          integers_only=False)
    except BundleError:  # named from the whole file
        return _Result(data, load_json(data, "result.json", integers_only=False))
    if not isinstance(found, dict) or found.get("selected") != marker:
        return _Result(data, load_json(data, "result.json", integers_only=False))
    return _Result(data, found, data[start:end])


def compare_set_aside(selected: Selected, result: _Result) -> list[str]:
    """compare_selected for a result.json read by _read_result."""
    if result.segment is None:
        return compare_selected(selected, result.found)
    if selected.pretty_equals(result.segment):
        return []
    full = result.full()  # BundleError (exit 2) when the list is not even JSON
    return compare_selected(selected, full)


def check_bundle(path: PathLike) -> Report:
    """Recompute the draw in bundle directory ``path`` and compare with its result.json.

    Raises BundleError when a file is missing or malformed.
    """
    d = Path(path)
    if not d.is_dir():
        raise BundleError(str(path), "is not a bundle directory")
    a = check_announcement(load_json(d / "announcement.json", "announcement.json"))
    reveals = check_reveals(load_json(d / "reveals.json", "reveals.json"))
    read = _read_result(d / "result.json")
    found = read.found
    subs = result_substitutions(found)
    h = a["hash"]
    messages = commitment_problems(h, a, reveals)
    inputs = DrawInputs(a, reveals, d / "population.csv", substitutions=subs)
    has_team = "team" in a
    partial = has_team and not (d / "conflicts.csv").exists()
    if has_team:
        roster_bytes = _read_bytes(d / "roster.csv", "roster.csv")
        inputs.roster = parse_roster(roster_bytes)
        messages += _input_messages(a, "roster.csv", digest(h, roster_bytes), len(inputs.roster))
        if not partial:
            conflicts_bytes = _read_bytes(d / "conflicts.csv", "conflicts.csv")
            inputs.conflicts = parse_conflicts(conflicts_bytes)
            messages += _input_messages(a, "conflicts.csv", digest(h, conflicts_bytes), len(inputs.conflicts))
    computed = _compute(inputs, with_teams=not partial, entries=False)
    messages = (
        _input_messages(a, "population.csv", computed.population.digest, computed.population.size) + messages
    )
    messages += compare_results(computed.result, found, [k for k in _VERIFIED if k != "selected"])
    messages += compare_set_aside(computed.selected, read)
    if has_team and not partial:
        messages += compare_results(computed.result, found, _TEAM_KEYS)
    if not has_team:
        messages += [
            f"result.json: {k!r} is present but announcement.json has no team"
            for k in _TEAM_KEYS
            if k in found
        ]
    messages += _substitution_messages(computed, subs)
    return Report(not messages, _summary(computed, partial), messages, partial)


def _summary(c: Computation, partial: bool) -> str:
    r = c.result
    parts = [
        f"{r['draw_id']}: {c.population.size} entities in {len(r['quota'])} strata",
        f"{len(c.selected)} selected",
    ]
    if "teams" in r:
        parts.append(
            f"{len(r['teams'])} teams, {len(r['escalated'])} escalated, {len(r['cap_relaxed'])} cap relaxed"
        )
    if partial:
        parts.append("teams NOT verified: conflicts.csv is not in the bundle")
    parts.append(f"{len(r.get('substitutions', []))} substitutions")
    return ", ".join(parts)


def verify_bundle(path: PathLike) -> tuple[bool, list[str]]:
    """(ok, messages): the summary line when ok, else one message per difference. BundleError when malformed."""
    report = check_bundle(path)
    return report.ok, [report.summary] if report.ok else report.messages


# --- building bundles (for the platform's export) ---------------------------------------


def _csv(lines: Iterable[str]) -> bytes:
    body = sorted(line.encode("ascii") for line in lines)
    return b"".join(line + b"\n" for line in body)


def population_csv(population: Iterable[tuple[str, str]]) -> bytes:
    """population.csv from (uscc, stratum) pairs: sorted, LF, final newline."""
    return _csv(f"{u},{s}" for u, s in population)


def roster_csv(roster: Iterable[Inspector]) -> bytes:
    """roster.csv from inspectors (tags sorted)."""
    return _csv(f"{i.id},{i.dept},{';'.join(sorted(i.tags))}" for i in roster)


def conflicts_csv(conflicts: Iterable[tuple[str, str]]) -> bytes:
    """conflicts.csv from (uscc, inspector_id) pairs."""
    return _csv(f"{u},{i}" for u, i in conflicts)


def make_announcement(
    *,
    draw_id: str,
    hash_name: str,
    published_at: str,
    population: Source,
    quota: Mapping[str, Any],
    commitments: Sequence[Mapping[str, str]],
    team: Mapping[str, Any] | None = None,
    roster: bytes | None = None,
    conflicts: bytes | None = None,
    beacon: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The announcement for rendered CSV files (population.csv as content or path), keys in the order of the test vectors; checked before returning."""
    stats = scan_population(population, hash_name)
    a: dict[str, Any] = {
        "version": VERSION,
        "hash": hash_name,
        "draw_id": draw_id,
        "published_at": published_at,
        "population": {"digest": stats.digest.hex(), "size": stats.size},
        "quota": dict(quota),
    }
    if team is not None:
        a["team"] = dict(team)
        roster, conflicts = roster or b"", conflicts or b""
        parse_roster(roster), parse_conflicts(conflicts)  # refuse to announce files a verifier would refuse
        for name, data in (("roster", roster), ("conflicts", conflicts)):
            a[name] = {"digest": digest(hash_name, data).hex(), "size": data.count(b"\n")}
    a["commitments"] = [dict(c) for c in commitments]
    if beacon is not None:
        a["beacon"] = dict(beacon)
    return check_announcement(a)


def build_bundle(
    *,
    draw_id: str,
    hash_name: str,
    published_at: str,
    population: Iterable[tuple[str, str]],
    quota: Mapping[str, Any],
    secrets: Sequence[tuple[str, bytes]],
    beacon_values: Sequence[tuple[str, bytes]] = (),
    beacon: Mapping[str, str] | None = None,
    team: Mapping[str, Any] | None = None,
    roster: Sequence[Inspector] = (),
    conflicts: Iterable[tuple[str, str]] = (),
    substitutions: Sequence[tuple[str, str]] = (),
) -> dict[str, bytes]:
    """All files of a draw, {file name: bytes}, exactly as a verifier expects them.

    ``secrets`` are the parties' (name, secret); ``substitutions`` are (out, reason) in the order made.
    """
    pop = population_csv(population)
    ros, con = (roster_csv(roster), conflicts_csv(conflicts)) if team is not None else (None, None)
    commitments = [{"name": n, "commit": commitment(hash_name, v)} for n, v in secrets]
    a = make_announcement(
        draw_id=draw_id,
        hash_name=hash_name,
        published_at=published_at,
        population=pop,
        quota=quota,
        commitments=commitments,
        team=team,
        roster=ros,
        conflicts=con,
        beacon=beacon,
    )
    reveals = [{"name": n, "value_hex": v.hex()} for n, v in list(secrets) + list(beacon_values)]
    inputs = DrawInputs(
        a,
        reveals,
        pop,
        roster=parse_roster(ros) if ros is not None else None,
        conflicts=parse_conflicts(con) if con is not None else None,
        substitutions=[{"out": o, "reason": r} for o, r in substitutions],
    )
    files = {"population.csv": pop, "announcement.json": pretty_json(a), "reveals.json": pretty_json(reveals)}
    if ros is not None and con is not None:
        files.update({"roster.csv": ros, "conflicts.csv": con})
    files["result.json"] = pretty_json(compute_result(inputs))
    return files


def write_bundle(outdir: PathLike, files: Mapping[str, bytes], public: bool = False) -> Path:
    """Write a bundle's files into ``outdir``; ``public`` leaves out conflicts.csv (DRAW.md section 7)."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        if public and name == "conflicts.csv":
            continue
        (out / name).write_bytes(data)
    return out


# --- command line -----------------------------------------------------------------------

EXIT_OK, EXIT_DIFFERS, EXIT_MALFORMED, EXIT_PARTIAL = 0, 1, 2, 3
_MAX_MESSAGES = 40


def main(argv: Sequence[str] | None = None) -> int:
    """Verify one bundle directory; see the module docstring for the exit codes."""
    parser = argparse.ArgumentParser(
        prog="verify_draw.py",
        description="Verify an SCD-1 draw bundle: recompute the selection and the teams from the "
        "published inputs and compare them with result.json. Needs only the Python standard library.",
        epilog="exit status: 0 OK; 1 result.json differs from what the inputs give; 2 a file is missing "
        "or malformed; 3 selection verified but teams not (conflicts.csv withheld, as in the public bundle)",
    )
    parser.add_argument(
        "bundle",
        metavar="BUNDLE_DIR",
        help="directory with population.csv, announcement.json, reveals.json, result.json (and roster.csv, conflicts.csv)",
    )
    args = parser.parse_args(argv)
    try:
        report = check_bundle(args.bundle)
    except BundleError as e:
        print(f"ERROR {e}", file=sys.stderr)
        return EXIT_MALFORMED
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback for a citizen: name the failure instead
        print(f"ERROR internal error while verifying {args.bundle}: {type(e).__name__}: {e}", file=sys.stderr)
        return EXIT_MALFORMED
    code, lines = _outcome_lines(report)
    try:
        print("\n".join(lines), flush=True)
    except BrokenPipeError:  # piped into head & co: the rest is not wanted, the verdict stands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return code


def _outcome_lines(report: Report) -> tuple[int, list[str]]:
    """The exit code and what to print for a checked bundle."""
    if not report.ok:
        more = len(report.messages) - _MAX_MESSAGES
        tail = [f"  ... and {more} more differences"] if more > 0 else []
        return EXIT_DIFFERS, [f"FAIL {report.summary}"] + [
            f"  {m}" for m in report.messages[:_MAX_MESSAGES]
        ] + tail
    if report.partial:
        return EXIT_PARTIAL, [f"PARTIAL {report.summary}"]
    return EXIT_OK, [f"OK {report.summary}"]


if __name__ == "__main__":
    sys.exit(main())
