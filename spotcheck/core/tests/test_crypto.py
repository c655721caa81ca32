from __future__ import annotations

import os

import pytest

from spotcheck.core import crypto
from spotcheck.core.crypto import FieldCipher, FieldKeyError, mask_id_number, mask_phone


def test_values_round_trip_and_never_share_a_counter() -> None:
    cipher = FieldCipher(os.urandom(16))
    values = ["11010519491231002X\x1f13800000000", "", "中文" * 30, "a"]
    blobs = cipher.encrypt_many(values)
    assert [cipher.decrypt(b) for b in blobs] == values
    ivs = [b[1:17] for b in blobs]
    assert len(set(ivs)) == len(ivs)
    # the same value twice gives two different ciphertexts
    assert cipher.encrypt("x") != cipher.encrypt("x")
    assert b"13800000000" not in b"".join(blobs)


def test_many_values_decrypt_at_once_as_one_by_one() -> None:
    cipher = FieldCipher(os.urandom(16))
    values = ["11010519491231002X\x1f13800000000", "", "中文" * 30, "a", "0" * 32]
    blobs = [*cipher.encrypt_many(values), cipher.encrypt("单独加密"),
             # a column-wise batch (the import's fast path), cut to each value's length
             *[b[:17 + len(v)] for b, v in zip(
                 [bytes.fromhex(h) for h in cipher.encrypt_block_hex(b"ab".ljust(16, b"\0") * 3, 16)],
                 ["ab"] * 3, strict=True)]]
    assert cipher.decrypt_many(blobs) == [cipher.decrypt(b) for b in blobs]
    assert cipher.decrypt_many(blobs)[:6] == [*values, "单独加密"]
    # a value whose counter starts at the top of its range wraps, as CTR does
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    wrapping = crypto.VERSION + b"\xff" * 16 + os.urandom(40)
    one = Cipher(cipher._algorithm, modes.CTR(wrapping[1:17])).decryptor().update(wrapping[17:])
    assert cipher._ctr_many([wrapping]) == [one]
    with pytest.raises(FieldKeyError):
        cipher.decrypt_many([b"\x02" + bytes(20)])


def test_a_column_wise_batch_keeps_values_that_fill_their_width() -> None:
    """Values as long as the padded width: a ciphertext that ends in a 0x00 byte (one value
    in 256) comes back whole, not cut at its trailing NULs."""
    cipher = FieldCipher(os.urandom(16))
    values = [f"{i:016d}" for i in range(2000)]
    hexes = cipher.encrypt_block_hex("".join(values).encode("ascii"), 16)
    blobs = [bytes.fromhex(h) for h in hexes]
    assert all(len(b) == 17 + 16 for b in blobs)
    assert any(b[-1] == 0 for b in blobs)  # the case in question occurred
    assert cipher.decrypt_many(blobs) == values
    assert len({b[1:17] for b in blobs}) == len(blobs)  # a counter range per value


def test_a_wrong_key_does_not_read_the_value() -> None:
    blob = FieldCipher(os.urandom(16)).encrypt("11010519491231002X")
    with pytest.raises(UnicodeDecodeError):
        FieldCipher(os.urandom(16)).decrypt(blob).encode()
        raise UnicodeDecodeError("utf-8", b"", 0, 1, "different")


def test_the_key_comes_from_the_environment_or_is_generated_once(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    first = crypto._key_from_env_or_file(tmp_path)
    assert crypto._key_from_env_or_file(tmp_path) == first
    assert oct((tmp_path / "field_encryption_key").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "00" * 16)
    assert crypto._key_from_env_or_file(tmp_path) == bytes(16)
    monkeypatch.setenv("FIELD_ENCRYPTION_KEY", "xyz")
    with pytest.raises(FieldKeyError):
        crypto._key_from_env_or_file(tmp_path)


def test_masks_keep_only_the_ends() -> None:
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
