"""Field encryption at rest with SM4 (GB/T 32907), for personal data such as a legal
representative's ID-card number and phone.

Keys: a keyring (``spotcheck.core.keys``): ``FIELD_KEYS="field-1:hex,field-2:hex"`` in the
environment, or ``var/keys/field.keys``; the older single key (``FIELD_ENCRYPTION_KEY`` or
``var/field_encryption_key``) is the ring's first key. The last key encrypts; every key of
the ring decrypts what it wrote, so ``keys_rotate field`` adds a key and re-encrypts in the
background while everything stays readable. Losing a key loses the data it wrote:
production keeps the keys apart from, and as safely as, the database backups.

Format of a stored value: a version byte, IV (16 bytes), SM4-CTR ciphertext. The version
byte's low four bits are the mode, its high four bits the key's place in the ring (0 for
the first key, so values written before keyrings read as they did; at most 16 keys). Mode 1
encrypts the UTF-8 text. Mode 2 encrypts a text of at most 32 characters from
``0123456789X-`` and the separator U+001F (an ID number, a phone, the two joined), packed
two characters to a byte (a nibble each, 0xF after the end): one block of 16 bytes whatever
the length, so the stored value is 33 bytes instead of up to 49, the cipher does half the
work, and the length of the value no longer shows.

Why CTR and not GCM (measured on the 2-core reference machine, see benchmarks/):
SM4-GCM through ``cryptography`` costs about 5 µs per value because a Cipher object must be
built for each nonce — 5 s per million imported entities, more than the whole import budget
of three raw COPYs. CTR lets a batch be encrypted in one call: each value gets its own
counter range (a random 128-bit start for the batch plus the value's block offset, never
shared by two values), which is exactly CTR with a per-value IV, at about 0.6 µs per value.
CTR gives confidentiality only; integrity of the row is the database's and the audit
chain's job, not this column's.
"""

from __future__ import annotations

import binascii
import os
import re
import secrets
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

VERSION = b"\x01"
PACKED = b"\x02"
_BLOCK = 16
_MASK128 = (1 << 128) - 1
PACK_ALPHABET = "0123456789X-\x1f"
_PACK_WIDTH = 2 * _BLOCK  # characters per packed value
# A packed character is the hex digit of its nibble (0xF marks the end): translating to hex
# digits and unhexlifying packs at C speed (a value goes through it a million times in an
# import). The same table for text and for bytes; a byte outside the alphabet becomes "z",
# which unhexlify refuses, and the column-wise padding (DEL) becomes the end mark.
_HEX_DIGIT = {c: format(i, "x") for i, c in enumerate(PACK_ALPHABET)}
_PAD = "\x7f"
_TO_HEX = str.maketrans(_HEX_DIGIT)
_BYTES_TO_HEX = bytes(ord(_HEX_DIGIT.get(chr(b), "f" if chr(b) == _PAD else "z")) for b in range(256))
_FROM_HEX = str.maketrans({d: c for c, d in _HEX_DIGIT.items()})
_PACKABLE_RE = re.compile(f"[0-9X\\-\x1f]{{0,{_PACK_WIDTH}}}")


def packable(value: str) -> bool:
    """Can ``value`` be stored in the packed form (version 2)?"""
    return _PACKABLE_RE.fullmatch(value) is not None


def _pack(value: str) -> bytes:
    return bytes.fromhex(value.translate(_TO_HEX).ljust(_PACK_WIDTH, "f"))


def _unpack(data: bytes) -> str:
    text = data.hex()
    end = text.find("f")
    if end >= 0:
        text = text[:end]
    if "d" in text or "e" in text:  # nibbles outside the alphabet: not a packed value
        raise FieldKeyError("密文格式无法识别")
    return text.translate(_FROM_HEX)


class FieldKeyError(RuntimeError):
    pass


def _key_from_env_or_file(var_dir: Path) -> bytes:
    raw = os.environ.get("FIELD_ENCRYPTION_KEY", "").strip()
    if not raw:
        path = var_dir / "field_encryption_key"
        if path.exists():
            raw = path.read_text(encoding="ascii").strip()
        else:
            var_dir.mkdir(parents=True, exist_ok=True)
            raw = secrets.token_hex(16)
            path.write_text(raw, encoding="ascii")
            path.chmod(0o600)
    try:
        key = bytes.fromhex(raw)
    except ValueError as exc:
        raise FieldKeyError("FIELD_ENCRYPTION_KEY 应为 32 位十六进制数（128 位 SM4 密钥）") from exc
    if len(key) != 16:
        raise FieldKeyError("FIELD_ENCRYPTION_KEY 应为 32 位十六进制数（128 位 SM4 密钥）")
    return key


MAX_KEYS = 16


def _mode(version: int) -> int:
    return version & 0x0F


def slot_of(blob: bytes | memoryview) -> int:
    """The place in the keyring of the key that wrote ``blob``."""
    return bytes(blob[:1])[0] >> 4


class FieldCipher:
    """Encrypts text fields with the current SM4 key and decrypts with any key of the ring.

    ``FieldCipher(key)``: one key; ``FieldCipher(key, older=[k0, k1])``: ``key`` is the
    current one, placed after the older ones (their places are the values' key numbers)."""

    def __init__(self, key: bytes, *, older: Sequence[bytes] = ()) -> None:
        keys = [*older, key]
        if len(keys) > MAX_KEYS:
            raise FieldKeyError(f"字段加密密钥环最多 {MAX_KEYS} 个密钥")
        self._algorithms = [algorithms.SM4(k) for k in keys]
        self.slot = len(keys) - 1
        self._algorithm = self._algorithms[self.slot]
        self._text = bytes([(self.slot << 4) | VERSION[0]])
        self._packed = bytes([(self.slot << 4) | PACKED[0]])

    def encrypt_many(self, values: Sequence[str]) -> list[bytes]:
        """Encrypt a batch in one cipher call; each value has its own, never-reused counter
        range. Values of the packed alphabet are stored packed (version 2)."""
        versions = [self._packed if packable(v) else self._text for v in values]
        plain = [_pack(v) if version == self._packed else v.encode("utf-8")
                 for v, version in zip(values, versions, strict=True)]
        base = secrets.randbits(128)
        offsets = []
        chunks = []
        block = 0
        for p in plain:
            offsets.append(block)
            blocks = (len(p) + _BLOCK - 1) // _BLOCK or 1
            chunks.append(p.ljust(blocks * _BLOCK, b"\0"))
            block += blocks
        encryptor = Cipher(self._algorithm, modes.CTR(base.to_bytes(16, "big"))).encryptor()
        stream = encryptor.update(b"".join(chunks)) + encryptor.finalize()
        out = []
        for p, off, version in zip(plain, offsets, versions, strict=True):
            iv = ((base + off) & _MASK128).to_bytes(16, "big")
            start = off * _BLOCK
            out.append(version + iv + stream[start:start + len(p)])
        return out

    def encrypt_packed_hex(self, values: Any) -> Any:
        """Column-wise ``encrypt_many`` for a polars String Series of packable values (an
        import's checked ID numbers and phones): the stored values (version 2) as a String
        Series of hex, built without a Python object per value. Counters: a random 96-bit
        prefix per call, then the value's index (fewer than 2**32 values per call, so a
        counter never reaches the prefix); the same format ``decrypt`` reads."""
        import numpy as np
        import polars as pl

        n = len(values)
        if n >= 1 << 32:
            raise ValueError("too many values for one call")
        if n:
            value = pl.col("v")
            nulls, longest, padded = values.alias("v").to_frame().select(
                value.null_count().alias("n"), value.str.len_bytes().max().alias("m"),
                value.str.contains(_PAD, literal=True).any().alias("p"),
            ).row(0)
            if nulls or longest > _PACK_WIDTH or padded:
                raise ValueError("values must be at most 32 characters of the packed alphabet")
        text = values.str.pad_end(_PACK_WIDTH, _PAD).str.join("").item().encode("utf-8") if n else b""
        if len(text) != n * _PACK_WIDTH:  # a character of more than one byte
            raise ValueError("values must be at most 32 characters of the packed alphabet")
        try:
            packed = binascii.unhexlify(text.translate(_BYTES_TO_HEX))
        except binascii.Error as exc:
            raise ValueError("values must be at most 32 characters of the packed alphabet") from exc
        prefix = secrets.token_bytes(12)
        encryptor = Cipher(self._algorithm, modes.CTR(prefix + bytes(4))).encryptor()
        stream = encryptor.update(packed) + encryptor.finalize()
        # one row of bytes per value, and a last byte that is not NUL: numpy's fixed-width
        # bytes drop trailing NULs, which would cut a ciphertext ending in 0x00
        size = 1 + _BLOCK + _BLOCK
        out = np.empty((n, size + 1), dtype=np.uint8)
        out[:, 0] = self._packed[0]
        out[:, 1:13] = np.frombuffer(prefix, dtype=np.uint8)
        out[:, 13:17] = np.arange(n, dtype=np.uint64).astype(">u4").view(np.uint8).reshape(n, 4)
        out[:, 17:size] = np.frombuffer(stream, dtype=np.uint8).reshape(n, _BLOCK)
        out[:, size] = 0xFF
        blobs = pl.Series("value", out.view(f"S{size + 1}").ravel(), dtype=pl.Binary)
        return blobs.bin.encode("hex").str.slice(0, 2 * size)

    def encrypt(self, value: str) -> bytes:
        return self.encrypt_many([value])[0]

    def decrypt_many(self, blobs: Sequence[bytes | memoryview]) -> list[str]:
        """``decrypt`` for many values at once: the counter blocks of every value go through
        one SM4-ECB call (a CTR keystream is the encryption of IV, IV + 1, …), then each
        value is XORed with its part — no cipher object per value (lists, exports)."""
        data = [bytes(b) for b in blobs]
        return [_unpack(p) if _mode(d[0]) == PACKED[0] else p.decode("utf-8")
                for d, p in zip(data, self._ctr_many(data), strict=True)]

    def _ctr_many(self, data: list[bytes]) -> list[bytes]:
        for d in data:
            if (len(d) < 17 or _mode(d[0]) not in (VERSION[0], PACKED[0])
                    or d[0] >> 4 >= len(self._algorithms)):
                raise FieldKeyError("密文格式无法识别")
        out: list[bytes] = [b""] * len(data)
        for slot in sorted({d[0] >> 4 for d in data}):
            idx = [i for i, d in enumerate(data) if d[0] >> 4 == slot]
            counters = []
            for i in idx:
                d = data[i]
                iv = int.from_bytes(d[1:17], "big")
                blocks = (len(d) - 17 + _BLOCK - 1) // _BLOCK
                counters += [((iv + k) & _MASK128).to_bytes(16, "big") for k in range(blocks)]
            # ECB over counter blocks is how CTR is built: no plaintext goes through it
            encryptor = Cipher(self._algorithms[slot], modes.ECB()).encryptor()  # noqa: S305
            stream = encryptor.update(b"".join(counters)) + encryptor.finalize()
            start = 0
            for i in idx:
                d = data[i]
                n = len(d) - 17
                key = int.from_bytes(stream[start:start + n], "big")
                out[i] = (int.from_bytes(d[17:], "big") ^ key).to_bytes(n, "big")
                start += (n + _BLOCK - 1) // _BLOCK * _BLOCK
        return out

    def decrypt(self, blob: bytes | memoryview) -> str:
        return self.decrypt_many([blob])[0]


FIELD_KEYRING = "field"


def field_keyring() -> Any:
    """The field keys: ``FIELD_KEYS``, else the single ``FIELD_ENCRYPTION_KEY`` (one key, not
    rotatable from here), else ``var/keys/field.keys`` begun with the older key file's key."""
    from django.conf import settings

    from spotcheck.core import keys

    var_dir = Path(settings.VAR_DIR)
    if not os.environ.get("FIELD_KEYS", "").strip() and os.environ.get("FIELD_ENCRYPTION_KEY", "").strip():
        return keys.Keyring(FIELD_KEYRING, (("field-1", _key_from_env_or_file(var_dir)),), "env")
    legacy = None
    if not keys.keyring_path(var_dir, FIELD_KEYRING).exists():
        legacy = ("field-1", _key_from_env_or_file(var_dir))
    return keys.load(var_dir, FIELD_KEYRING, size=16, legacy=legacy)


@lru_cache(maxsize=1)
def field_cipher() -> FieldCipher:
    """The platform's cipher (keys read once per process; ``cache_clear`` after a rotation)."""
    ring = field_keyring()
    return FieldCipher(ring.current, older=[k for _, k in ring.keys[:-1]])


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """``3611**********1234``: what staff see instead of personal data."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(value: str) -> str:
    return mask_middle(value, 4, 4)


def mask_phone(value: str) -> str:
    return mask_middle(value, 3, 4)


# --- SM3 digests of records and files (GB/T 32905) ------------------------------------------


def sm3_hex(data: bytes) -> str:
    """The SM3 digest of ``data`` as 64 hex digits (evidence files, archive manifests)."""
    import hashlib

    return hashlib.new("sm3", data).hexdigest()


def sm3_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """The SM3 digest of a file, read in chunks."""
    import hashlib

    h = hashlib.new("sm3")
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def keys_moved(*, setting: str, **_: Any) -> None:
    """``setting_changed`` receiver: the cached cipher follows a new ``VAR_DIR`` (tests and
    tools that point the platform at another folder read that folder's keys, not the keys
    cached from the last one)."""
    if setting == "VAR_DIR":
        field_cipher.cache_clear()

