#!/usr/bin/env bash
# Installs the few things PyPI cannot provide: a General MIDI SoundFont (FluidR3_GM, MIT),
# PortAudio headers (tinysoundfont depends on pyaudio, which builds from source on Linux)
# a C compiler for pyworld, and Chromium for the browser test of the notebook studio. Uses apt
# where it exists; elsewhere it says what is missing.
set -euo pipefail

missing=()
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || [ -n "${NEMO_SOUNDFONT:-}" ] || missing+=(fluid-soundfont-gm)
if [ "$(uname -s)" = Linux ]; then
  [ -f /usr/include/portaudio.h ] || missing+=(portaudio19-dev)
  command -v cc >/dev/null 2>&1 || missing+=(build-essential)
  command -v curl >/dev/null 2>&1 || missing+=(curl)  # the protocol tests speak to the server with real curl
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)  # a self-signed certificate for the https upload test
  [ -x /usr/bin/chromium ] || missing+=(chromium)  # the studio is tested in a real JupyterLab in a real browser
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "Missing: ${missing[*]}. Install them with your package manager," >&2
  echo "or point NEMO_SOUNDFONT at a General MIDI .sf2 file." >&2
  exit 1
fi
