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
APT_PACKAGES=(python3-venv python3-lgpio network-manager dnsmasq-base nftables iw rsync
              libusb-1.0-0 libfribidi0 fonts-dejavu-core fonts-noto-core fonts-symbola fonts-droid-fallback
              fonts-unifont nginx)
# The first six are restarted by a re-install; the rest run at boot (or are oneshots).
SERVICES=(venuekit-web.service venuekit-live.service venuekit-front.service venuekit-printer.service
          venuekit-sync.service venuekit-buttons.service
          venuekit-kit-ready.service venuekit-boot.service venuekit-clock.service)

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
# state_set KEY VALUE: remember the value a setting was last applied with (one line per key).
state_set() {
  if [[ -f "$STATE_FILE" ]]; then sed -i "/^$1 /d" "$STATE_FILE"; fi
  state_add "$1 $2"
}

install_once() {
  # Remembered with the list's hash: a package added to the list is installed on the next run.
  local packages
  packages="packages $(printf '%s\n' "${APT_PACKAGES[@]}" | sha256sum | cut -c1-16)"
  if ! state_has "$packages"; then
    system apt-get update
    system env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${APT_PACKAGES[@]}"
    # Debian starts its own nginx with a default site; the kit's front is venuekit-front.service.
    system systemctl disable --now nginx.service || log "warning: could not disable Debian's nginx.service"
    state_add "$packages"
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

# Every file of the source with its hash: exactly the files rsync copies (the same exclude
# list), so a change to any of them (code, templates, .js, .mo, units, this script) is seen.
source_manifest() {
  local pattern prune=()
  while read -r pattern; do
    [[ -z "$pattern" || "$pattern" == \#* ]] && continue
    if [[ "$pattern" == /* ]]; then prune+=(-path ".$pattern" -o); else prune+=(-name "$pattern" -o); fi
  done <"$SRC/provisioning/source-excludes.txt"
  (cd "$SRC" && find . \( "${prune[@]}" -false \) -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum)
}

configure_app() {
  local manifest="$STATE_DIR/.install-source" now
  now=$(source_manifest)
  if [[ -f "$manifest" && "$now" == "$(cat "$manifest")" ]]; then
    return 0
  fi
  if [[ -f "$manifest" ]]; then
    log "source changed: $(diff "$manifest" - <<<"$now" | sed -n 's/^[<>] [0-9a-f]*  \.\///p' | sort -u | paste -sd ' ' -)"
  fi
  system rsync -a --delete --exclude-from="$SRC/provisioning/source-excludes.txt" "$SRC/" /opt/venuekit/src/
  system /opt/venuekit/venv/bin/pip install --quiet /opt/venuekit/src
  mkdir -p "$STATE_DIR"
  printf '%s\n' "$now" >"$manifest"
  CHANGED=1
}

configure_files() {
  local unit name
  for unit in "$SRC"/systemd/*.service; do
    name=$(basename "$unit")
    put 0644 "/etc/systemd/system/$name" <"$unit"
  done
  put 0644 /etc/polkit-1/rules.d/50-venuekit-poweroff.rules <"$SRC/systemd/50-venuekit-poweroff.rules"
  put 0644 /etc/polkit-1/rules.d/50-venuekit-network.rules <"$SRC/systemd/50-venuekit-network.rules"
  put 0644 /etc/udev/rules.d/60-venuekit-printer.rules <"$SRC/provisioning/files/60-venuekit-printer.rules"
  put 0644 /etc/udev/rules.d/61-venuekit-usb-stick.rules <"$SRC/provisioning/files/61-venuekit-usb-stick.rules"
  put 0644 /etc/systemd/journald.conf.d/60-venuekit.conf <"$SRC/provisioning/files/journald-venuekit.conf"
  # The front's nginx.conf, rendered by the app that runs behind it (webapp/front.py).
  local front
  front=$("$PYTHON" -m webapp.front)
  put 0644 /etc/venuekit/nginx.conf <<<"$front"
  if [[ ! -f "$ROOT$CONFIG" ]]; then
    put 0644 "$CONFIG" <"$SRC/provisioning/files/venuekit.toml"
  fi
  # No secrets and no network files here: the boot step (venuekit-boot.service, `venuekit
  # boot`) makes the Wi-Fi password and keys on each kit's first boot, on its data partition,
  # and writes the network files from $CONFIG at every boot. Only a check here: a network the
  # boot step would refuse (it then keeps the last working one) is worth a warning now.
  if ! "$PYTHON" -m pi.netconfig --print --settings "$ROOT$CONFIG" >/dev/null; then
    log "warning: $CONFIG describes no usable network; the kit will keep its last working one"
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
  # As Notepad may leave it: a BOM, CRLF line ends, either quotes, lower case.
  country=$({ sed -e '1s/^\xEF\xBB\xBF//' -e 's/\r$//' "$ROOT$CONFIG" 2>/dev/null || true; } |
            sed -n "s/^[[:space:]]*wifi_country[[:space:]]*=[[:space:]]*[\"']\([A-Za-z][A-Za-z]\)[\"'][[:space:]]*\(#.*\)\{0,1\}$/\1/p" |
            tail -1 | tr '[:lower:]' '[:upper:]')
  country=${country:-GB}
  if ! state_has "wifi_country $country"; then
    log "setting changed: wifi_country = $country"
    CHANGED=1
  fi
  ((CHANGED)) || { log "nothing changed"; return 0; }
  system chown -R venuekit:venuekit /var/lib/venuekit
  system raspi-config nonint do_wifi_country "$country"
  state_set wifi_country "$country"
  system systemctl daemon-reload
  ((OVERLAYROOT)) && system systemctl enable var-lib-venuekit.mount
  system systemctl enable "${SERVICES[@]}"
  if ((IMAGE)); then
    log "image build: services enabled, they start on first boot"
    ((OVERLAYROOT)) && log "enable the read-only root after first boot: raspi-config nonint enable_overlayfs"
    return 0
  fi
  system udevadm control --reload
  system systemctl restart systemd-journald
  # The boot step applies the settings now, as it will at every boot; conf.d changes
  # (firewall backend) need a NetworkManager restart, a reload only rereads profiles.
  system systemctl restart venuekit-boot.service
  system systemctl restart NetworkManager
  system systemctl restart "${SERVICES[@]:0:6}"
  if ((OVERLAYROOT)); then system raspi-config nonint enable_overlayfs; fi
  return 0
}

install_once
configure_app
configure_files
activate
