"""Pure submission rules: the bounds a payload is held to and the marks its photos carry."""

from __future__ import annotations

# The most facings a worker may count for one product; the form refuses more and the
# counts_plausible check (validation) flags a count beyond it.
COUNT_MAX = 10_000
# photos.sha256 is NOT NULL and indexed; once the file is gone the real digest is only a
# fingerprint of the person's picture. Every erased photo carries this instead: no upload
# hashes to it, so exact-reuse lookups never match it.
ERASED_SHA256 = "0" * 64
