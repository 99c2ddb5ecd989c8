#!/usr/bin/env bash
# Install the system packages only the tests need, on a fresh Debian-like machine: the toolchains of the
# languages the tests repair for real (go test -json, npm test, cargo test, Maven), and headless
# Chromium with its WebDriver for the /jobs page's browser test. scripts/install.sh installs the
# toolchains for a worker; this covers machines that only run the tests.
# Poetry, uv, PDM, Hatch, tox and nox are Python packages: the `toolchains` extra, which scripts/test.sh
# installs into .venv (tests/workers/checkout/test_python_toolchains.py runs them, and skips without them).
set -euo pipefail

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v go >/dev/null || missing+=(golang-go)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# Debian's cargo and rustc: the sandbox sees /usr, not a rustup toolchain under ~/.cargo.
[ -x /usr/bin/cargo ] || missing+=(cargo)
[ -x /usr/bin/rustc ] || missing+=(rustc)
command -v javac >/dev/null || missing+=(default-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# Maven Central cannot be reached from the tests: the Java project's only dependency (JUnit 4) and the
# plugins `mvn -o test` needs come from Debian's Maven repository, /usr/share/maven-repo.
debian_maven=/usr/share/maven-repo
[ -d "$debian_maven/junit/junit/4.13.2" ] || missing+=(junit4)
[ -d "$debian_maven/org/apache/maven/plugins/maven-compiler-plugin" ] || missing+=(libmaven-compiler-plugin-java)
[ -d "$debian_maven/org/apache/maven/plugins/maven-resources-plugin" ] || missing+=(libmaven-resources-plugin-java)
[ -d "$debian_maven/org/apache/maven/plugins/maven-surefire-plugin" ] || missing+=(libsurefire-java)
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing for the tests: ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
