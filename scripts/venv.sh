# Sourced by run.sh and test.sh: make .venv with a Python 3.11+, install this project into it, and put
# .venv/bin first on PATH. Debian 12's python3 is "externally managed" (PEP 668): pip refuses to install
# into it, so the project gets a virtual environment of its own. Re-running skips pip when nothing changed.

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# A Python of at least 3.11: $PYTHON when set, else the first python3* on PATH that qualifies.
find_python() {
  local candidate
  for candidate in ${PYTHON:+"$PYTHON"} python3 python3.13 python3.12 python3.11; do
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
      command -v "$candidate"
      return 0
    fi
  done
  return 1
}

make_venv() {
  local python version
  if ! python=$(find_python); then
    echo "error: codellama-bot needs Python 3.11 or newer; found: $(python3 --version 2>&1 || echo 'no python3')." >&2
    echo "Install one (Debian 12: apt-get install python3) or name it with PYTHON=/path/to/python3.11." >&2
    return 1
  fi
  rm -rf .venv
  if "$python" -m venv .venv >/dev/null 2>&1; then
    return 0
  fi
  # Debian ships venv's pip bootstrap (ensurepip) separately, as python3-venv / python3.X-venv.
  rm -rf .venv
  version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if ! command -v apt-get >/dev/null; then
    echo "error: $python cannot make a virtual environment (no venv/ensurepip module); install its venv package." >&2
    return 1
  fi
  echo "installing python${version}-venv (to make .venv)"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "python${version}-venv" >/dev/null
  "$python" -m venv .venv
}

# venv_ensure SPEC...: .venv exists and holds `pip install -e SPEC...` (e.g. "." or ".[test]").
venv_ensure() {
  # pip is checked too: a .venv left half-made by an interrupted run has a python but no pip.
  if ! .venv/bin/python -c 'import sys, pip; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
    make_venv || return 1
  fi
  local stamp want
  stamp=.venv/codellama-installed
  want="$* $(cksum <pyproject.toml)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "installing codellama-bot ($*) into .venv"
    .venv/bin/python -m pip install -q --disable-pip-version-check -e "$@"
    printf '%s' "$want" >"$stamp"
  fi
  PATH="$PWD/.venv/bin:$PATH"
  export PATH
}
