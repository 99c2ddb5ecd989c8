#!/usr/bin/env bash
# Install the system packages only the tests need, on a fresh Debian-like machine: toolchains of the
# languages whose test runners the bot drives for real in tests (go, for go test -json), and headless
# Chromium with its WebDriver for the /jobs page's browser test. The bot itself
# needs none of them (scripts/install.sh); the repositories it repairs bring their own.
set -euo pipefail

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v go >/dev/null || missing+=(golang-go)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing for the tests: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
