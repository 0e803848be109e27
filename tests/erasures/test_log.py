"""The erasure log's files: appended whole, read back in order from the day before a backup
on, a line cut short by a crash skipped."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.erasures.log import append_line, read_lines

BACKUP = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def _line(entry_id: str, at: str, kind: str = "account") -> dict:
    return {"id": entry_id, "at": at, "kind": kind, "target_ids": [f"user-{entry_id}"]}


def test_entries_come_back_oldest_first_from_every_folder(tmp_path):
    first, second = tmp_path / "api-1", tmp_path / "api-2"
    append_line(first, _line("c", "2026-12-06T09:00:00+00:00"))
    append_line(second, _line("b", "2026-12-06T02:59:00+00:00"))  # began before, committed after
    append_line(first, _line("a", "2026-12-05T23:00:00+00:00", kind="locations"))
    append_line(second, _line("old", "2026-12-01T10:00:00+00:00"))  # long in the backup
    found = [line["id"] for line in read_lines([first, second], since=BACKUP)]
    assert found == ["a", "b", "c"]


def test_a_line_cut_short_is_skipped_and_the_next_one_kept(tmp_path):
    append_line(tmp_path, _line("kept", "2026-12-06T09:00:00+00:00"))
    (path,) = tmp_path.glob("erasures-2026-12-06-*.jsonl")
    with path.open("a", encoding="utf-8") as out:
        out.write('{"id": "cut", "at": "2026-12-06T09:01')
    append_line(tmp_path, _line("next", "2026-12-06T09:02:00+00:00"))
    found = [line["id"] for line in read_lines([tmp_path], since=BACKUP)]
    assert found == ["kept", "next"]
