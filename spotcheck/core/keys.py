"""Keyrings: named secret keys with ids, so a key can rotate while older data stays readable.

A keyring holds one or more ``(key id, key)`` pairs; the last one is current (new data uses
it), the others are kept for reading what they wrote. Two places, the first that is set wins:

- the environment, ``<NAME>_KEYS="id1:hex,id2:hex"`` (production: keys kept apart from the
  database and its backups, e.g. in the service manager's credentials);
- a file ``$SPOTCHECK_VAR_DIR/keys/<name>.keys``, one ``id hex`` per line, created with a
  first key on first use (quick start) and mode 0600; ``rotate`` appends to it.

Keys never go into logs, exports, the admin or error messages: only their ids do.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,32}")


class KeyringError(RuntimeError):
    pass


@dataclass(frozen=True)
class Keyring:
    name: str
    keys: tuple[tuple[str, bytes], ...]
    source: str  # "env" or the file path (for messages: never the key)

    @property
    def current_id(self) -> str:
        return self.keys[-1][0]

    @property
    def current(self) -> bytes:
        return self.keys[-1][1]

    def get(self, key_id: str) -> bytes | None:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        return None

    def as_dict(self) -> dict[str, bytes]:
        return dict(self.keys)

    def __repr__(self) -> str:  # never the keys
        return f"Keyring({self.name!r}, ids={[k for k, _ in self.keys]}, source={self.source!r})"


def _env_name(name: str) -> str:
    return f"{name.upper()}_KEYS"


def keyring_path(var_dir: Path, name: str) -> Path:
    return var_dir / "keys" / f"{name}.keys"


def _parse(name: str, pairs: list[tuple[str, str]], size: int, where: str) -> tuple[tuple[str, bytes], ...]:
    out: list[tuple[str, bytes]] = []
    for kid, raw in pairs:
        if not _ID_RE.fullmatch(kid):
            raise KeyringError(f"{where}：密钥 id {kid!r} 格式不对（字母、数字、._-，至多 32 个）")
        try:
            key = bytes.fromhex(raw)
        except ValueError as exc:
            raise KeyringError(f"{where}：密钥 {kid} 不是十六进制数") from exc
        if len(key) != size:
            raise KeyringError(f"{where}：密钥 {kid} 应为 {size * 8} 位（{size * 2} 个十六进制数字）")
        if any(k == kid for k, _ in out):
            raise KeyringError(f"{where}：密钥 id {kid} 重复")
        out.append((kid, key))
    if not out:
        raise KeyringError(f"{where}：没有密钥")
    return tuple(out)


def load(var_dir: Path, name: str, *, size: int, legacy: tuple[str, bytes] | None = None) -> Keyring:
    """The keyring ``name`` (keys of ``size`` bytes); created in the file if nowhere yet.

    ``legacy``: a key that existed before keyrings (id and key), kept as the first entry
    of a newly created file so that what it wrote stays readable."""
    env = os.environ.get(_env_name(name), "").strip()
    if env:
        pairs = []
        for item in env.split(","):
            kid, sep, raw = item.strip().partition(":")
            if not sep:
                raise KeyringError(f"环境变量 {_env_name(name)} 应为 id:十六进制密钥，以逗号分隔")
            pairs.append((kid.strip(), raw.strip()))
        return Keyring(name, _parse(name, pairs, size, f"环境变量 {_env_name(name)}"), "env")
    path = keyring_path(var_dir, name)
    if not path.exists():
        first = [legacy] if legacy is not None else [(_new_id(name, []), secrets.token_bytes(size))]
        _write(path, first, exclusive=True)
    pairs = []
    for line in path.read_text(encoding="ascii").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            kid, _, raw = line.partition(" ")
            pairs.append((kid, raw.strip()))
    return Keyring(name, _parse(name, pairs, size, str(path)), str(path))


def _new_id(name: str, existing: list[str]) -> str:
    n = len(existing) + 1
    while f"{name}-{n}" in existing:
        n += 1
    return f"{name}-{n}"


def _write(path: Path, keys: list[tuple[str, bytes]], *, exclusive: bool = False) -> None:
    """Write the keyring file (0600) whole, through a temporary file. ``exclusive``: create
    only; when another process created it first, theirs is kept (two processes starting at
    once agree on one key, and nobody reads a half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    text = "".join(f"{kid} {key.hex()}\n" for kid, key in keys)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def rotate(var_dir: Path, name: str, *, size: int, legacy: tuple[str, bytes] | None = None) -> str:
    """Append a new current key to the keyring file; returns its id (the key is not shown).

    A keyring set in the environment is rotated by its operator (add ``new:hex`` at the end)."""
    if os.environ.get(_env_name(name), "").strip():
        raise KeyringError(
            f"密钥在环境变量 {_env_name(name)} 中：请在其末尾追加新密钥（id:十六进制），旧密钥保留以便读取")
    ring = load(var_dir, name, size=size, legacy=legacy)
    ids = [k for k, _ in ring.keys]
    new_id = _new_id(name, ids)
    _write(keyring_path(var_dir, name), [*ring.keys, (new_id, secrets.token_bytes(size))])
    return new_id
