#!/bin/bash -e
# pi-gen: put the venuekit source into the image and run the same installer a Pi would run.
# The source is the checkout this stage lives in; VENUEKIT_SRC, if exported from pi-gen's
# config, names another one. (pi-gen runs this script as a child process: a config variable
# reaches it only when the config exports it.)
SRC=${VENUEKIT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)}
if [ ! -f "${SRC}/provisioning/install.sh" ]; then
	echo "venuekit stage: ${SRC} is not a venuekit checkout (no provisioning/install.sh)" >&2
	exit 1
fi
install -d "${ROOTFS_DIR}/opt/venuekit"
rsync -a --delete --exclude-from="${SRC}/provisioning/source-excludes.txt" "${SRC}/" "${ROOTFS_DIR}/opt/venuekit/src/"
on_chroot <<'CHROOT'
/opt/venuekit/src/provisioning/install.sh --image --config /boot/firmware/venuekit.toml
CHROOT
