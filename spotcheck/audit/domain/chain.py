"""The audit chain (R-S2: every act is attributable, and the record cannot be rewritten).

Each event carries ``hash = HMAC-SM3(key, previous hash || canonical(event))`` where the key
is the audit chain key named by the event's ``key_id`` (kept outside the database, see
``spotcheck.core.keys``); the first event's previous hash is 32 zero bytes. ``canonical`` is
JSON with sorted keys and no whitespace, so any byte changed in any field of any stored
event changes its hash and breaks the chain from there on; and without the key nobody can
re-link the chain after deleting or changing an event.

``verify`` walks the chain and names every problem: a row that cannot be read, a gap in
the sequence, a previous hash that does not follow, content that does not match its hash,
an unknown key id; then compares the end with the head (kept apart from the events) and
with the anchors (heads published outside the database, see ``spotcheck.audit.anchors``).

Pure: standard library only, no Django, no app code (import-linter contract).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

GENESIS = bytes(32)
HASH_NAME = "sm3"
MAX_PROBLEMS = 50


# One encoder for every event (``json.dumps`` with these options builds a new one per call).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_text(value: Any) -> str:
    """The canonical JSON text of ``value`` (``canonical`` before its UTF-8 encoding)."""
    return _ENCODER.encode(value)


def canonical(event: Mapping[str, Any]) -> bytes:
    return _ENCODER.encode(event).encode("utf-8")


def canonical_with(event: Mapping[str, Any], name: str, value_text: str) -> bytes:
    """``canonical({**event, name: value})`` from the canonical text of ``value`` already at
    hand (a batch encodes each event's summary once, for its hash and its row alike). ``name``
    must sort after every key of ``event``: it is then the last member of the object."""
    if event and max(event) >= name:
        raise ValueError(f"canonical_with: {name!r} must sort after the event's keys")
    head = _ENCODER.encode(event)
    joined = f"{head[:-1]}{',' if len(head) > 2 else ''}{_ENCODER.encode(name)}:{value_text}}}"
    return joined.encode("utf-8")


def link_canonical(previous: bytes, body: bytes, key: bytes) -> bytes:
    """HMAC-SM3 of the previous hash and an event's canonical form (``link`` with the form
    already encoded)."""
    return hmac.digest(key, previous + body, HASH_NAME)


def link(previous: bytes, event: Mapping[str, Any], key: bytes) -> bytes:
    """HMAC-SM3 of the previous hash and the event's canonical form."""
    return hmac.digest(key, previous + canonical(event), HASH_NAME)


def sign(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 of ``data`` (archive files, anchors)."""
    return hmac.digest(key, data, HASH_NAME)


def digest(data: bytes) -> bytes:
    return hashlib.new(HASH_NAME, data).digest()


@dataclass(frozen=True)
class Break:
    """One event (or range) that the chain does not vouch for, and why."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Row:
    """A stored event as read: ``fields`` is None when a column could not be read
    (``damage`` names it); hashes are None when the stored value is not bytes."""

    seq: int
    fields: Mapping[str, Any] | None
    key_id: str
    prev_hash: bytes | None
    hash: bytes | None
    damage: str = ""


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: bytes
    at: str = ""


@dataclass
class Report:
    count: int = 0
    first_seq: int | None = None
    last_seq: int = 0
    last_hash: bytes = GENESIS
    problems: list[Break] = field(default_factory=list)
    truncated: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, seq: int, reason: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Break(seq, reason))
        else:
            self.truncated = True


class Walker:
    """Verifies rows fed in seq order, possibly from several sources (archives, then the table)."""

    def __init__(self, keys: Mapping[str, bytes], anchors: Sequence[Anchor] = ()) -> None:
        self.keys = keys
        self.report = Report()
        self.expected_seq = 1
        self.previous: bytes | None = GENESIS
        self._anchors = sorted(anchors, key=lambda a: a.seq)
        self._next_anchor = 0
        self._seen_hash: dict[int, bytes | None] = {}

    def _check_anchors(self, seq: int, stored: bytes | None) -> None:
        while self._next_anchor < len(self._anchors) and self._anchors[self._next_anchor].seq <= seq:
            anchor = self._anchors[self._next_anchor]
            self._next_anchor += 1
            if anchor.seq < seq:
                continue  # a missing event: the gap is named already
            if stored != anchor.hash:
                self.report.add(seq, f"与 {anchor.at} 锚定的链头不符 (does not match the anchor)")

    def feed(self, row: Row) -> None:
        r = self.report
        r.count += 1
        if r.first_seq is None:
            r.first_seq = row.seq
        if row.seq > self.expected_seq:
            missing = (f"第 {self.expected_seq} 号" if row.seq - 1 == self.expected_seq
                       else f"第 {self.expected_seq}–{row.seq - 1} 号")
            r.add(self.expected_seq, f"{missing}事件缺失 (events missing)")
            self.previous = None  # the successor's previous hash cannot be checked
        elif row.seq < self.expected_seq:
            r.add(row.seq, "序号重复或倒序 (sequence out of order)")
        self.expected_seq = max(self.expected_seq, row.seq + 1)
        self._check_anchors(row.seq, row.hash)
        if row.damage or row.fields is None or row.hash is None or row.prev_hash is None:
            r.add(row.seq, f"事件无法读取：{row.damage or '哈希列不是二进制值'} (damaged row)")
            self.previous = row.hash
            r.last_seq, r.last_hash = row.seq, row.hash or GENESIS
            return
        if self.previous is not None and row.prev_hash != self.previous:
            r.add(row.seq, "前一哈希与上一条事件不符 (previous hash does not match)")
        key = self.keys.get(row.key_id)
        if key is None:
            r.add(row.seq, f"密钥 {row.key_id or '（无）'} 不在审计密钥环中 (unknown key id)")
        elif not hmac.compare_digest(row.hash, link(row.prev_hash, row.fields, key)):
            r.add(row.seq, "事件内容与其哈希不符，或链被无密钥者重新链接 (content does not match its MAC)")
        self.previous = row.hash
        r.last_seq, r.last_hash = row.seq, row.hash

    def finish(self, head: tuple[int, bytes] | None) -> Report:
        """Compare the end of the chain with the head (count and last hash) and the anchors."""
        r = self.report
        if head is not None:
            head_seq, head_hash = head
            if head_seq > r.last_seq:
                missing = (f"第 {head_seq} 号" if head_seq == r.last_seq + 1
                           else f"第 {r.last_seq + 1}–{head_seq} 号")
                r.add(r.last_seq + 1,
                      f"{missing}事件缺失：链头记录到第 {head_seq} 号 (events missing at the end)")
            elif head_seq < r.last_seq:
                r.add(head_seq + 1,
                      f"链头只记录到第 {head_seq} 号，其后的事件不为链头所证 (head behind the chain)")
            elif head_hash != r.last_hash:
                r.add(head_seq, "链头哈希与最后一条事件不符 (head hash does not match)")
        for anchor in self._anchors[self._next_anchor:]:
            r.add(anchor.seq, f"{anchor.at} 锚定的第 {anchor.seq} 号事件不存在 (anchored event missing)")
        self._next_anchor = len(self._anchors)
        return r


def verify(rows: Iterable[Row], keys: Mapping[str, bytes], *, head: tuple[int, bytes] | None = None,
           anchors: Sequence[Anchor] = ()) -> Report:
    walker = Walker(keys, anchors)
    for row in rows:
        walker.feed(row)
    return walker.finish(head)
