#!/usr/bin/env bash
# Installs the Debian packages Moodify needs (run as root; skipped when they are all present).
# MOODIFY_SYSTEM_PACKAGES may narrow the list (e.g. `make run` does not need the test browser).
set -euo pipefail
pkgs=${MOODIFY_SYSTEM_PACKAGES:-"postgresql redis-server ffmpeg espeak-ng sox libsndfile1 chromium"}
missing=()
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
