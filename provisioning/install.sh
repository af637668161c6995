#!/usr/bin/env bash
# Turn Raspberry Pi OS Lite (Bookworm or Trixie, 64-bit) into a venuekit kit.
#
#   sudo provisioning/install.sh [--config FILE] [--overlayroot --data-device DEV]
#   provisioning/install.sh --image               # inside an image build (pi-gen chroot)
#   provisioning/install.sh --root DIR --python PY   # write every file under DIR only
#
# Safe to run again: "install once" steps are remembered in a state file, and "configure"
# steps write a file only when its content changes, so a second run changes nothing.
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=""
CONFIG=/boot/firmware/venuekit.toml
PYTHON=/opt/venuekit/venv/bin/python
IMAGE=0
OVERLAYROOT=0
DATA_DEVICE=""
APT_PACKAGES=(python3-venv python3-lgpio network-manager dnsmasq-base nftables rsync
              libusb-1.0-0 libfribidi0 fonts-dejavu-core fonts-noto-core fonts-symbola fonts-droid-fallback
              fonts-unifont)
SERVICES=(venuekit-web.service venuekit-printer.service venuekit-sync.service venuekit-buttons.service
          venuekit-kit-ready.service)

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

while (($#)); do
  case "$1" in
    --root) ROOT=${2:?--root needs a directory}; shift 2 ;;
    --config) CONFIG=${2:?--config needs a file}; shift 2 ;;
    --python) PYTHON=${2:?--python needs a path}; shift 2 ;;
    --image) IMAGE=1; shift ;;
    --overlayroot) OVERLAYROOT=1; shift ;;
    --data-device) DATA_DEVICE=${2:?--data-device needs a device}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage 2 ;;
  esac
done

if ((OVERLAYROOT)) && [[ -z "$DATA_DEVICE" ]]; then
  echo "install.sh: --overlayroot needs --data-device: the database must live on a writable partition" >&2
  exit 2
fi
if [[ -n "$ROOT" ]]; then
  ROOT=$(cd "$ROOT" && pwd)
elif [[ $(id -u) -ne 0 ]]; then
  echo "install.sh: run it as root (sudo), or with --root DIR to write files only" >&2
  exit 2
fi

STATE_DIR="$ROOT/var/lib/venuekit"
STATE_FILE="$STATE_DIR/.install-state"
CHANGED=0
NM_CHANGED=0

log() { printf 'venuekit-install: %s\n' "$*"; }

# Run a command that changes the live system; with --root it is only reported.
system() {
  if [[ -n "$ROOT" ]]; then
    log "skip (--root): $*"
  else
    "$@"
  fi
}

# put MODE DEST < content: write $ROOT/DEST only when its content differs.
put() {
  local mode=$1 dest="$ROOT$2" tmp
  tmp=$(mktemp)
  cat >"$tmp"
  mkdir -p "$(dirname "$dest")"
  if [[ -f "$dest" ]] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    return 0
  fi
  install -m "$mode" "$tmp" "$dest"
  rm -f "$tmp"
  CHANGED=1
  log "wrote $2"
}

state_has() { [[ -f "$STATE_FILE" ]] && grep -qxF "$1" "$STATE_FILE"; }
state_add() { mkdir -p "$STATE_DIR"; echo "$1" >>"$STATE_FILE"; }

install_once() {
  if ! state_has packages; then
    system apt-get update
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
    state_add packages
  fi
  put 0644 /usr/lib/sysusers.d/venuekit.conf <"$SRC/systemd/venuekit.sysusers.conf"
  if ! state_has user; then
    # The venuekit user and its groups (gpio for the buttons; lp, dialout, plugdev for printers).
    system systemd-sysusers /usr/lib/sysusers.d/venuekit.conf
    state_add user
  fi
  if ! state_has venv; then
    # lgpio comes from Debian's python3-lgpio, so the venv also sees the system's packages.
    system python3 -m venv --system-site-packages /opt/venuekit/venv
    state_add venv
  fi
}

configure_app() {
  local stamp
  stamp=$(cd "$SRC" && find pyproject.toml webapp printer pi -type f \( -name '*.py' -o -name '*.html' \
          -o -name '*.po' -o -name 'pyproject.toml' \) -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
  if ! state_has "source $stamp"; then
    system rsync -a --delete --exclude .git --exclude .venv --exclude var "$SRC/" /opt/venuekit/src/
    system /opt/venuekit/venv/bin/pip install --quiet /opt/venuekit/src
    state_add "source $stamp"
    CHANGED=1
  fi
}

configure_files() {
  local unit name
  for unit in "$SRC"/systemd/*.service; do
    name=$(basename "$unit")
    put 0644 "/etc/systemd/system/$name" <"$unit"
  done
  put 0644 /etc/polkit-1/rules.d/50-venuekit-poweroff.rules <"$SRC/systemd/50-venuekit-poweroff.rules"
  put 0644 /etc/udev/rules.d/60-venuekit-printer.rules <"$SRC/provisioning/files/60-venuekit-printer.rules"
  if [[ ! -f "$ROOT$CONFIG" ]]; then
    put 0644 "$CONFIG" <"$SRC/provisioning/files/venuekit.toml"
  fi
  # The kit's own settings: a Wi-Fi password made on this kit (kept across runs, never
  # shipped) and its address on the venue network. Settings in $CONFIG win over these.
  local password="" address
  if [[ -f "$STATE_DIR/venuekit.toml" ]]; then
    password=$(sed -n 's/^wifi_password = "\([a-z0-9]*\)"$/\1/p' "$STATE_DIR/venuekit.toml")
  fi
  if [[ -z "$password" ]]; then
    password=$(LC_ALL=C tr -dc 'a-km-z2-9' </dev/urandom | head -c 12 || true)
  fi
  address=$("$PYTHON" -m pi.netconfig --print-address --settings "$ROOT$CONFIG")
  put 0640 /var/lib/venuekit/venuekit.toml <<TOML
# Written by provisioning/install.sh on this kit. Settings in $CONFIG win over these.
wifi_password = "$password"
portal_host = "$address"
TOML
  local written
  written=$("$PYTHON" -m pi.netconfig --root "${ROOT:-/}" --settings "$STATE_DIR/venuekit.toml" --settings "$ROOT$CONFIG")
  if [[ -n "$written" ]]; then
    CHANGED=1
    NM_CHANGED=1
    log "network files written: $(echo "$written" | tr '\n' ' ')"
  fi
  if ((OVERLAYROOT)); then
    put 0644 /etc/overlayroot.local.conf <<'CONF'
# Root file system read-only with a RAM overlay; the kit's data lives on its own partition.
overlayroot="tmpfs:swap=0,recurse=0"
CONF
    put 0644 /etc/systemd/system/var-lib-venuekit.mount <<MOUNT
[Unit]
Description=venuekit data partition (writable under a read-only root)
Before=venuekit-web.service

[Mount]
What=$DATA_DEVICE
Where=/var/lib/venuekit
Type=ext4
Options=defaults,noatime

[Install]
WantedBy=local-fs.target
MOUNT
  fi
}

activate() {
  local country
  country=$(sed -n 's/^wifi_country = "\([A-Z][A-Z]\)"$/\1/p' "$ROOT$CONFIG" | tail -1)
  ((CHANGED)) || { log "nothing changed"; return 0; }
  system chown -R venuekit:venuekit /var/lib/venuekit
  system raspi-config nonint do_wifi_country "${country:-GB}"
  system systemctl daemon-reload
  ((OVERLAYROOT)) && system systemctl enable var-lib-venuekit.mount
  system systemctl enable "${SERVICES[@]}"
  if ((IMAGE)); then
    log "image build: services enabled, they start on first boot"
    ((OVERLAYROOT)) && log "enable the read-only root after first boot: raspi-config nonint enable_overlayfs"
    return 0
  fi
  system udevadm control --reload
  # conf.d changes (firewall backend) need a restart; a reload only rereads profiles.
  if ((NM_CHANGED)); then system systemctl restart NetworkManager; fi
  system systemctl restart "${SERVICES[@]:0:4}"
  if ((OVERLAYROOT)); then system raspi-config nonint enable_overlayfs; fi
  return 0
}

install_once
configure_app
configure_files
activate
