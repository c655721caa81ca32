from __future__ import annotations

import os

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    packed = ["11010519491231002X\x1f0793-88888888", "", "0" * 32, "X-\x1f"]
    blobs = [*cipher.encrypt_many(values), cipher.encrypt("单独加密"),
             # a column-wise batch (the import's fast path)
             *[bytes.fromhex(h) for h in cipher.encrypt_packed_hex(pl.Series(packed))]]
    assert cipher.decrypt_many(blobs) == [cipher.decrypt(b) for b in blobs]
    assert cipher.decrypt_many(blobs) == [*values, "单独加密", *packed]
    # a value whose counter starts at the top of its range wraps, as CTR does
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    wrapping = crypto.VERSION + b"\xff" * 16 + os.urandom(40)
    one = Cipher(cipher._algorithm, modes.CTR(wrapping[1:17])).decryptor().update(wrapping[17:])
    assert cipher._ctr_many([wrapping]) == [one]
    with pytest.raises(FieldKeyError):
        cipher.decrypt_many([b"\x03" + bytes(20)])  # no such version


def test_a_column_wise_batch_keeps_every_ciphertext_whole() -> None:
    """A ciphertext that ends in a 0x00 byte (one value in 256) comes back whole, not cut at
    its trailing NULs; each value has its own counter range."""
    cipher = FieldCipher(os.urandom(16))
    values = [f"{i:016d}\x1f{i % 97}" for i in range(2000)]
    blobs = [bytes.fromhex(h) for h in cipher.encrypt_packed_hex(pl.Series(values))]
    assert all(len(b) == 33 and b[:1] == crypto.PACKED for b in blobs)
    assert any(b[-1] == 0 for b in blobs)  # the case in question occurred
    assert cipher.decrypt_many(blobs) == values
    assert len({b[1:17] for b in blobs}) == len(blobs)


def test_digits_are_stored_packed_and_anything_else_as_text() -> None:
    """Version 2 (an ID number and a phone: one block, 33 bytes whatever their length) where
    the value allows it, version 1 (UTF-8) otherwise; both read back."""
    cipher = FieldCipher(os.urandom(16))
    values = ["11010519491231002X\x1f13800000000", "1", "0" * 33, "G12345678\x1f13800000000", "x"]
    blobs = cipher.encrypt_many(values)
    assert [b[:1] for b in blobs] == [crypto.PACKED, crypto.PACKED, crypto.VERSION, crypto.VERSION,
                                      crypto.VERSION]
    assert len(blobs[0]) == len(blobs[1]) == 33
    assert [cipher.decrypt(b) for b in blobs] == values == cipher.decrypt_many(blobs)
    assert crypto.packable("0793-8888888") and not crypto.packable("0793 8888888")
    for bad in (["a"], ["0" * 33], ["1\x7f"], ["１"], ["1", None]):
        with pytest.raises(ValueError):
            cipher.encrypt_packed_hex(pl.Series(bad, dtype=pl.String))
    assert cipher.encrypt_packed_hex(pl.Series([], dtype=pl.String)).len() == 0
    with pytest.raises(FieldKeyError):  # a packed value with a nibble outside the alphabet
        crypto._unpack(b"\xd0" + bytes(15))


def test_a_wrong_key_does_not_read_the_value() -> None:
    for value in ("11010519491231002X", "G12345678"):  # packed, and as text
        blob = FieldCipher(os.urandom(16)).encrypt(value)
        try:
            read = FieldCipher(os.urandom(16)).decrypt(blob)
        except (UnicodeDecodeError, FieldKeyError):
            read = None
        assert read != value


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


@given(st.text(alphabet=crypto.PACK_ALPHABET + "xa１ 上", max_size=40))
def test_packing_takes_exactly_the_short_texts_of_its_alphabet_and_gives_them_back(value: str) -> None:
    assert crypto.packable(value) == (len(value) <= 32 and all(c in crypto.PACK_ALPHABET for c in value))
    if crypto.packable(value):
        assert len(crypto._pack(value)) == 16
        assert crypto._unpack(crypto._pack(value)) == value


def test_the_cached_cipher_follows_a_new_var_dir(settings, tmp_path) -> None:
    """A cipher cached under one folder's keys is not used under another's: a value written
    after ``VAR_DIR`` changed is read by that folder's key ring alone (the backup drill copies
    ``var/keys`` and decrypts in another process)."""
    settings.VAR_DIR = tmp_path / "one"
    first = crypto.field_cipher()
    blob = first.encrypt("13912345678")
    settings.VAR_DIR = tmp_path / "two"
    second = crypto.field_cipher()
    assert second is not first
    try:
        read = second.decrypt(blob)
    except FieldKeyError:  # another folder, another key: unreadable or garbage
        read = None
    assert read != "13912345678"
    settings.VAR_DIR = tmp_path / "one"
    assert crypto.field_cipher().decrypt(blob) == "13912345678"
