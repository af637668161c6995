"""USB sticks under /media, found from a mount table under a pretend root."""
from __future__ import annotations

from pi.removable import mounted_drives, write_file


def fake_root(tmp_path, lines: list[str]):
    (tmp_path / "proc/self").mkdir(parents=True)
    (tmp_path / "proc/self/mounts").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_only_drives_mounted_under_media_count(tmp_path):
    root = fake_root(tmp_path, [
        "/dev/mmcblk0p2 / ext4 rw,noatime 0 0",
        "/dev/sda1 /media/venuekit/MY\\040STICK vfat rw,nosuid,nodev,flush 0 0",
        "/dev/sdb1 /media/RO iso9660 ro 0 0",
        "/dev/sdc1 /media/gone vfat rw 0 0",  # in the table, but no such directory
        "/dev/sdd1 /mnt/elsewhere vfat rw 0 0",
    ])
    (root / "media/venuekit/MY STICK").mkdir(parents=True)
    (root / "media/RO").mkdir(parents=True)
    (root / "mnt/elsewhere").mkdir(parents=True)
    drives = mounted_drives(root)
    assert [(d.device, d.mount_point, d.label, d.writable) for d in drives] == [
        ("/dev/sda1", "/media/venuekit/MY STICK", "MY STICK", True),
        ("/dev/sdb1", "/media/RO", "RO", False),
    ]
    assert drives[0].path == root / "media/venuekit/MY STICK"


def test_no_mount_table_means_no_drives(tmp_path):
    assert mounted_drives(tmp_path) == []


def test_a_written_file_has_its_name_only_once_complete(tmp_path):
    target = write_file(tmp_path, "bundle.json.gz", b"data")
    assert target.read_bytes() == b"data"
    assert [p.name for p in tmp_path.iterdir()] == ["bundle.json.gz"]
