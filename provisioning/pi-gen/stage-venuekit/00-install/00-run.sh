#!/bin/bash -e
# pi-gen: put the venuekit source into the image and run the same installer a Pi would run.
# VENUEKIT_SRC is the checkout to build from (set in pi-gen's config file).
install -d "${ROOTFS_DIR}/opt/venuekit"
rsync -a --delete --exclude .git --exclude .venv --exclude var "${VENUEKIT_SRC:?set VENUEKIT_SRC in the pi-gen config}/" "${ROOTFS_DIR}/opt/venuekit/src/"
on_chroot <<'CHROOT'
/opt/venuekit/src/provisioning/install.sh --image --config /boot/firmware/venuekit.toml
CHROOT
