#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when something is missing.
# Each line of scripts/apt-packages.txt is "package command-or-file-that-proves-it".
# With package names (`make run`: nginx), only those lines, and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
while read -r pkg probe; do
  [[ -z "$pkg" || "$pkg" == \#* ]] && continue
  [[ $# -eq 0 || " $* " == *" $pkg "* ]] || continue
  if [[ "$probe" == lib:* ]]; then
    ldconfig -p | grep -q "${probe#lib:}" || missing+=("$pkg")
  elif [[ "$probe" == /* ]]; then
    [[ -e "$probe" ]] || missing+=("$pkg")
  else
    command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done < scripts/apt-packages.txt
if ((${#missing[@]})); then
  echo "test-deps: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "test-deps: system packages present"
(($#)) || bash scripts/js-deps.sh
