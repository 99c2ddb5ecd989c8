"""Which language's convention applies to a checkout: the first whose manifest sits at its root. Pure."""

from __future__ import annotations

from dataclasses import replace

from workers.checkout.conventions import MANIFESTS, Convention, NoConvention, Seen, declare
from workers.checkout.python_conventions import Interpreter, has_python_files, looks_like_python, python

KNOWN = "pyproject.toml, setup.py, requirements.txt, package.json, go.mod, Cargo.toml, pom.xml, build.gradle"


def detect(
    seen: Seen,
    interpreters: tuple[Interpreter, ...],
    venv: str,
    *,
    lend: tuple[str, ...] = (),
    extra_setup: tuple[str, ...] = (),
) -> tuple[Convention, bool]:
    """The convention, and whether it uses the job's Python venv at `venv`. `extra_setup` (the config's
    `setup:` without a `test:`) runs before the convention's own installs."""
    if looks_like_python(seen):
        return python(seen, interpreters, venv, lend, extra_setup)
    for names, make in MANIFESTS:
        if any(seen.has(name) for name in names):
            found = make(seen)
            return replace(found, setup=extra_setup + found.setup), False
    if has_python_files(seen):
        return python(seen, interpreters, venv, lend, extra_setup)
    raise NoConvention(f"no test command: none of {KNOWN} is at the repository's root; {declare()}")
