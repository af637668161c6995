"""pi.files.write_atomic: the old or the new content after a failure, never half, never a stray file."""
import os
import stat

import pytest

from pi import files


def test_writes_with_the_mode_set_before_the_content(tmp_path):
    target = files.write_atomic(tmp_path / "a" / "secret.json", b"{}", mode=0o640)
    assert target.read_bytes() == b"{}"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_rename_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "clock.json"
    target.write_bytes(b"old")

    def power_cut(*args):
        raise OSError("power cut")

    monkeypatch.setattr(files.os, "replace", power_cut)
    with pytest.raises(OSError):
        files.write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(os.listdir(tmp_path)) == ["clock.json"]


def test_a_missing_folder_is_an_error_when_parents_are_not_made(tmp_path):
    with pytest.raises(FileNotFoundError):
        files.write_atomic(tmp_path / "no" / "such" / "b.gz", b"x", make_parents=False)
    assert not (tmp_path / "no").exists()
