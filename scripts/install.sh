#!/usr/bin/env bash
# Install the system packages the bot and its tests need on a fresh Debian-like machine, and the
# unprivileged user the sandbox runs repository code as. Python packages go into .venv (scripts/venv.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v git >/dev/null || missing+=(git)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v bwrap >/dev/null || missing+=(bubblewrap)
command -v setpriv >/dev/null || missing+=(util-linux)
command -v redis-cli >/dev/null || missing+=(redis-tools)
# Toolchains for repositories in other languages, set up and tested by convention (README, "Languages").
# From /usr, where the sandbox sees them read-only: Node.js with npm (corepack comes with Node.js on most
# builds), Go, Rust's cargo, a JDK with Maven.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v go >/dev/null || missing+=(golang-go)
[ -x /usr/bin/cargo ] || missing+=(cargo)
command -v javac >/dev/null || missing+=(default-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Repository code runs as this user inside bubblewrap (see docs/sandbox.md).
if ! id codellama-sandbox >/dev/null 2>&1; then
  sudo_if_needed useradd --system --user-group --no-create-home --shell /usr/sbin/nologin codellama-sandbox
fi
