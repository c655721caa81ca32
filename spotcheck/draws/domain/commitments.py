"""Commitments and reveals (DRAW.md section 3), as the platform takes them from people.

A party's secret is text that a person types (or that the platform generates and shows once);
its bytes are the UTF-8 of the text with surrounding white space removed, so that what is
typed at the reveal opens what was committed at the announcement. Only ``H(secret)`` is kept
before the reveal. A beacon value (a lottery result, say) is taken the same way.

Pure: no Django, no app code (import-linter contract).
"""

from __future__ import annotations

from verifier.verify_draw import commitment

MIN_SECRET_LENGTH = 16
MAX_SECRET_LENGTH = 200


def secret_bytes(text: str) -> bytes:
    """The bytes behind a typed secret or beacon value."""
    return text.strip().encode("utf-8")


def secret_problem(text: str) -> str | None:
    """Why a typed secret is too weak to commit to (a guessable secret can be found from its
    commitment before the draw, which defeats the point of committing)."""
    value = text.strip()
    if len(value) < MIN_SECRET_LENGTH:
        return f"秘密值至少 {MIN_SECRET_LENGTH} 个字符（现有 {len(value)} 个）；可以由系统生成。"
    if len(value) > MAX_SECRET_LENGTH:
        return f"秘密值不能超过 {MAX_SECRET_LENGTH} 个字符。"
    if len(set(value)) < 6:
        return "秘密值过于简单（不同的字符少于 6 个），容易被猜出；可以由系统生成。"
    return None


def commit_of(hash_name: str, text: str) -> str:
    """The hex commitment H(secret) of a typed secret."""
    return commitment(hash_name, secret_bytes(text))


def opens(hash_name: str, text: str, commit: str) -> bool:
    """Whether the typed secret is the one behind ``commit``."""
    return commit_of(hash_name, text) == commit


def beacon_problem(text: str) -> str | None:
    value = text.strip()
    if not value:
        return "请录入信标值。"
    if len(value) > MAX_SECRET_LENGTH:
        return f"信标值不能超过 {MAX_SECRET_LENGTH} 个字符。"
    return None
