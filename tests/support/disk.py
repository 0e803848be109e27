"""A small disk of its own (a tmpfs), to fill up: what a photo folder on a full disk does."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

from tests.support.services import missing


class SmallDisk:
    """A mounted tmpfs of a few MiB; `fill` leaves only so many bytes free, `free` returns
    the space."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.ballast = root / "ballast"

    def available(self) -> int:
        return shutil.disk_usage(self.root).free

    def fill(self, leave: int) -> None:
        """Write a ballast file until at most `leave` bytes are free."""
        with self.ballast.open("ab") as out:
            while (room := self.available() - leave) > 0:
                try:
                    out.write(b"\0" * min(room, 1 << 20))
                    out.flush()
                except OSError:
                    break

    def free(self) -> None:
        self.ballast.unlink(missing_ok=True)

    def files(self) -> list[str]:
        """Every file on the disk but the ballast, relative to it."""
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and p != self.ballast
        )


@contextlib.contextmanager
def small_disk(where: Path, size: int) -> Iterator[SmallDisk]:
    """A tmpfs of `size` bytes mounted at `where`, unmounted afterwards; where mounting is
    refused (not root), the test is skipped, and fails under CI=true."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        missing(f"a small tmpfs cannot be mounted here (root only): {mounted.stderr.strip()}")
    try:
        yield SmallDisk(where)
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)
