"""The pi-gen stage, run the way pi-gen's build.sh runs a stage, against a root tree.

No chroot and no network: `on_chroot` is a shim that runs the chroot's install.sh command
against the tree with `--root`. The tree it leaves must match what `install.sh --root` writes,
and the image it asks for is named venuekit-<date>, clear of pi-gen's own stage2 image.
"""
from __future__ import annotations

import fnmatch
import subprocess
import sys
from pathlib import Path

from tests.provisioning.test_install import run_install, snapshot

ROOT = Path(__file__).resolve().parents[2]
PIGEN = ROOT / "provisioning" / "pi-gen"
STAGE = PIGEN / "stage-venuekit"
DATE = "2026-03-14"

# What pi-gen's build.sh does around one stage, cut down to what a stage can see: it sources
# `config` in its own shell, exports its own variables (never the config's others), gives the
# stage helper functions, runs prerun.sh and each sub-stage's NN-run.sh as child processes and
# NN-run-chroot.sh through on_chroot, then reads each exporting stage's EXPORT_IMAGE.
HARNESS = r"""
set -e
cd "$PIGEN_BASE"
source config
export IMG_NAME="${IMG_NAME:-raspios-$RELEASE-arm64}"
export IMG_DATE="${IMG_DATE:-__DATE__}"
export IMG_FILENAME="${IMG_FILENAME:-"${IMG_DATE}-${IMG_NAME}"}"
export ARCHIVE_FILENAME="${ARCHIVE_FILENAME:-"image_${IMG_DATE}-${IMG_NAME}"}"
export WORK_DIR="$PIGEN_BASE/work/$IMG_NAME" DEPLOY_DIR="$PIGEN_BASE/deploy" USE_QEMU=0
export STAGE STAGE_DIR STAGE_WORK_DIR ROOTFS_DIR PREV_STAGE PREV_ROOTFS_DIR IMG_SUFFIX

log() { echo "[pi-gen] $*"; }
copy_previous() {
  [ -d "$PREV_ROOTFS_DIR" ] || { echo "Previous stage rootfs not found"; false; }
  mkdir -p "$ROOTFS_DIR"
  cp -a "$PREV_ROOTFS_DIR/." "$ROOTFS_DIR/"
}
# The shim: each command line names a program inside the image; run it from the tree,
# against the tree. Only the installer may run "in the chroot": anything else is an error.
on_chroot() {
  local words
  while read -r -a words; do
    [ "${#words[@]}" -eq 0 ] && continue
    case "${words[0]}" in
      */provisioning/install.sh) ;;
      *) echo "on_chroot shim: unexpected command ${words[*]}" >&2; return 1 ;;
    esac
    "$ROOTFS_DIR${words[0]}" "${words[@]:1}" --root "$ROOTFS_DIR" --python "$TEST_PYTHON"
  done
}
export -f log copy_previous on_chroot

PREV_STAGE=stage2
PREV_ROOTFS_DIR="$WORK_DIR/stage2/rootfs"
for STAGE_DIR in $STAGE_LIST; do
  STAGE_DIR=$(realpath "$STAGE_DIR")
  case "$(basename "$STAGE_DIR")" in stage0|stage1|stage2) continue ;; esac
  STAGE=$(basename "$STAGE_DIR")
  STAGE_WORK_DIR="$WORK_DIR/$STAGE"
  ROOTFS_DIR="$STAGE_WORK_DIR/rootfs"
  cd "$STAGE_DIR"
  if [ -x prerun.sh ]; then ./prerun.sh; fi
  for SUB_STAGE_DIR in "$STAGE_DIR"/*; do
    [ -d "$SUB_STAGE_DIR" ] || continue
    cd "$SUB_STAGE_DIR"
    for i in {00..99}; do
      for needs_network in "${i}-packages" "${i}-packages-nr" "${i}-debconf" "${i}-patches"; do
        if [ -e "$needs_network" ]; then echo "not covered by this test: $needs_network" >&2; exit 3; fi
      done
      if [ -x "${i}-run.sh" ]; then ./"${i}-run.sh"; fi
      if [ -f "${i}-run-chroot.sh" ]; then on_chroot < "${i}-run-chroot.sh"; fi
    done
  done
  # Image names as the export stage forms them. stage2 is exported first (its EXPORT_IMAGE
  # sets IMG_SUFFIX="-lite"), then this stage's EXPORT_IMAGE is read in the same shell.
  IMG_SUFFIX="-lite"
  echo "pigen-image=${IMG_FILENAME}${IMG_SUFFIX}.img"
  echo "pigen-archive=${ARCHIVE_FILENAME}${IMG_SUFFIX}"
  [ -f "$STAGE_DIR/EXPORT_IMAGE" ] || { echo "no EXPORT_IMAGE: no image" >&2; exit 4; }
  source "$STAGE_DIR/EXPORT_IMAGE"
  echo "image=${IMG_FILENAME}${IMG_SUFFIX}.img"
  echo "archive=${ARCHIVE_FILENAME}${IMG_SUFFIX}"
  echo "rootfs=$ROOTFS_DIR"
done
"""


def stage2_tree(path: Path) -> Path:
    """A stand-in for pi-gen's stage2 root file system: the few files the installer looks at."""
    (path / "boot/firmware").mkdir(parents=True)
    (path / "boot/firmware/config.txt").write_text("dtparam=audio=on\n")
    (path / "etc").mkdir()
    (path / "etc/hostname").write_text("venuekit\n")
    return path


def run_stage(tmp_path: Path) -> tuple[dict[str, str], subprocess.CompletedProcess]:
    base = tmp_path / "pi-gen"
    base.mkdir()
    # The documented config, with only the stage path filled in, as the README says.
    config = (PIGEN / "config.example").read_text().replace("/path/to/venuekit", str(ROOT))
    (base / "config").write_text(config)
    stage2_tree(base / "work/venuekit/stage2/rootfs")
    harness = tmp_path / "build-stage.sh"
    harness.write_text(HARNESS.replace("__DATE__", DATE))
    done = subprocess.run(["bash", str(harness)], capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "PIGEN_BASE": str(base),
                               "TEST_PYTHON": sys.executable, "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stdout + done.stderr
    found = dict(line.split("=", 1) for line in done.stdout.splitlines() if line.startswith(
        ("image=", "archive=", "pigen-image=", "pigen-archive=", "rootfs=")))
    return found, done


def test_the_stage_builds_the_same_tree_as_install_sh_root(tmp_path):
    found, done = run_stage(tmp_path)
    staged = Path(found["rootfs"])
    assert "--image" in (STAGE / "00-install/00-run.sh").read_text()
    # The source went into the image, so the kit can re-run its own installer.
    assert (staged / "opt/venuekit/src/provisioning/install.sh").is_file()
    assert not (staged / "opt/venuekit/src/.git").exists()
    direct = stage2_tree(tmp_path / "direct")
    run_install(direct)
    ours = {k: v[:2] for k, v in snapshot(staged).items() if not k.startswith("opt/venuekit/src/")}
    theirs = {k: v[:2] for k, v in snapshot(direct).items()}
    assert ours.keys() == theirs.keys()
    assert ours == theirs  # same content and mode, file by file


def test_the_image_is_named_venuekit_date_and_overwrites_nothing_of_pi_gens(tmp_path):
    found, _ = run_stage(tmp_path)
    assert found["image"] == f"venuekit-{DATE}.img"
    assert found["archive"] == f"venuekit-{DATE}"
    assert found["image"] != found["pigen-image"]
    # pi-gen's export removes "<archive><suffix>.*" and "<image>" from deploy/ before writing:
    # neither may match the files of pi-gen's own stage2 image.
    theirs = [found["pigen-image"], found["pigen-archive"] + ".zip", found["pigen-archive"] + ".img.xz"]
    for name in theirs:
        assert not fnmatch.fnmatch(name, found["archive"] + ".*")
        assert name != found["image"]

