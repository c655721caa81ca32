"""Evidence files of the one form: what a file is, by its first bytes (never by its name or
the browser's word), and whether it may be kept.

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 20 * 1024 * 1024  # a phone photo is a few MB; the setting may lower or raise it


@dataclass(frozen=True)
class Kind:
    content_type: str
    extension: str
    label: str
    is_photo: bool


JPEG = Kind("image/jpeg", "jpg", "JPEG 照片", True)
PNG = Kind("image/png", "png", "PNG 图片", True)
WEBP = Kind("image/webp", "webp", "WebP 图片", True)
PDF = Kind("application/pdf", "pdf", "PDF 文件", False)
ALLOWED = "JPEG、PNG、WebP 照片或 PDF 文件"


def sniff(head: bytes) -> Kind | None:
    """The kind of a file from its first bytes (at least 12), or None when not allowed."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def problem(name: str, size: int, head: bytes, max_bytes: int = MAX_BYTES, *,
            purpose: str = "证据") -> str | None:
    """Why the file ``name`` may not be kept as evidence (Chinese), or None; ``purpose``
    names what the file is uploaded as (evidence, an objection's material)."""
    if size <= 0:
        return f"文件“{name}”是空文件。"
    if size > max_bytes:
        return (f"文件“{name}”大小 {size / 1048576:.1f} MB，超过上限 "
                f"{max_bytes / 1048576:.0f} MB。")
    if sniff(head) is None:
        return f"文件“{name}”的内容不是{ALLOWED}，不能作为{purpose}上传（按文件内容识别，不按扩展名）。"
    return None
