"""How a repository is set up and tested when its `.github/codellama.yml` does not say: what its files name.

Pure: takes what the checkout holds (workers/checkout/manifests.py reads it, within limits) and returns a
Convention, or NoConvention with what to declare instead. Python's rules are in python_conventions.py.

Set-up commands run with network (the operator's `setup_network`), tests without: each convention fetches
its dependencies in set-up, into the job's HOME (GOPATH, CARGO_HOME, ~/.npm, ~/.m2 all default there).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from core.errors import JobFailed
from workers.checkout.repo_config import CONFIG_PATH

# npm init writes this test script; it fails by design, so it is no test suite.
NPM_PLACEHOLDER_TEST = 'echo "Error: no test specified" && exit 1'
# Which file names which package manager, first match wins (npm's lockfile is the most common).
JS_LOCKFILES = (
    ("package-lock.json", "npm"),
    ("npm-shrinkwrap.json", "npm"),
    ("pnpm-lock.yaml", "pnpm"),
    ("yarn.lock", "yarn"),
)
JS_INSTALL = {
    "npm": "npm ci --no-audit --no-fund",
    # yarn and pnpm come through corepack, which fetches the version `packageManager` pins, during set-up.
    "yarn": "corepack yarn install --frozen-lockfile",
    "pnpm": "corepack pnpm install --frozen-lockfile",
}
JS_TEST = {"npm": "npm test", "yarn": "corepack yarn test", "pnpm": "corepack pnpm test"}
_PACKAGE_MANAGER = re.compile(r"^(npm|yarn|pnpm)@")
MAX_SCRIPT_CHARS = 2_000


class NoConvention(JobFailed):
    """No convention says how to test this repository, or its manifest cannot be read: the message says
    which file, what is wrong with it, and that `test:` in the config decides instead."""


@dataclass(frozen=True)
class Seen:
    """What the detection looks at: file names at the root and one level down, the manifests' text, the
    manifests that could not be read (name -> why), and the programs installed on the worker."""

    files: frozenset[str]
    texts: dict[str, str]
    unreadable: dict[str, str]
    tools: frozenset[str] = frozenset()

    def has(self, name: str) -> bool:
        return name in self.files

    def text(self, name: str) -> str | None:
        """The manifest's text; NoConvention when it exists but could not be read."""
        if name in self.unreadable:
            raise NoConvention(f"{name} {self.unreadable[name]}; {declare()}")
        return self.texts.get(name)


@dataclass(frozen=True)
class Convention:
    language: str
    setup: tuple[str, ...]
    test: str
    why: str  # which files chose these commands, for the report


def declare() -> str:
    return f"declare `test:` (and `setup:` if needed) in {CONFIG_PATH}"


def javascript(seen: Seen) -> Convention:
    """package.json's `test` script, run by the package manager its lockfile (or `packageManager`) names."""
    text = seen.text("package.json") or ""
    try:
        package = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
        raise NoConvention(f"package.json is not valid JSON{where}; {declare()}") from None
    if not isinstance(package, dict):
        raise NoConvention(f"package.json must hold an object; {declare()}")
    scripts = package.get("scripts", {})
    test = scripts.get("test") if isinstance(scripts, dict) else None
    if not isinstance(test, str) or not test.strip() or test.strip() == NPM_PLACEHOLDER_TEST:
        raise NoConvention(f"package.json has no `test` script; add one, or {declare()}")
    if len(test) > MAX_SCRIPT_CHARS:
        raise NoConvention(
            f"package.json's `test` script is over {MAX_SCRIPT_CHARS:,} characters; {declare()}"
        )
    manager, lockfile = _js_manager(seen, package.get("packageManager"))
    language = "TypeScript" if seen.has("tsconfig.json") else "JavaScript"
    if lockfile:
        setup: tuple[str, ...] = (JS_INSTALL[manager],)
        why = f"{lockfile} names {manager}"
    elif _has_dependencies(package):
        # No lockfile to be frozen to: install what package.json asks for.
        setup = (
            ("npm install --no-audit --no-fund",) if manager == "npm" else (f"corepack {manager} install",)
        )
        why = f"package.json without a lockfile, so {manager}"
    else:
        setup, why = (), "package.json (no dependencies)"
    return Convention(language, setup, JS_TEST[manager], f"{why}; its `test` script")


def _js_manager(seen: Seen, declared: object) -> tuple[str, str | None]:
    for lockfile, manager in JS_LOCKFILES:
        if seen.has(lockfile):
            return manager, lockfile
    if isinstance(declared, str) and (found := _PACKAGE_MANAGER.match(declared)):
        return found.group(1), None
    return "npm", None


def _has_dependencies(package: dict[str, object]) -> bool:
    return any(package.get(key) for key in ("dependencies", "devDependencies", "optionalDependencies"))


def go(seen: Seen) -> Convention:
    # `go mod download` fetches every module the build needs; the tests then build offline.
    return Convention("Go", ("go mod download",), "go test ./...", "go.mod")


def rust(seen: Seen) -> Convention:
    # `cargo fetch` writes Cargo.lock when there is none and fills CARGO_HOME; `--offline` then keeps cargo
    # from reaching for a registry index the sandbox cannot reach.
    return Convention("Rust", ("cargo fetch",), "cargo test --offline", "Cargo.toml")


def java(seen: Seen) -> Convention:
    if seen.has("pom.xml"):
        # go-offline fills ~/.m2 with the plugins and dependencies `test` needs; -o then stays offline.
        return Convention(
            "Java", ("mvn -B -q dependency:go-offline",), "mvn -B -q -o test", "pom.xml names Maven"
        )
    gradle = "./gradlew" if seen.has("gradlew") else "gradle"
    return Convention(
        "Java",
        (f"{gradle} --no-daemon -q dependencies",),
        f"{gradle} --no-daemon --offline test",
        f"{'gradlew' if seen.has('gradlew') else 'build.gradle'} names Gradle",
    )


# Which manifest at the root names which language's convention, in the order they are tried.
MANIFESTS = (
    (("go.mod",), go),
    (("Cargo.toml",), rust),
    (("package.json",), javascript),
    (("pom.xml", "build.gradle", "build.gradle.kts", "gradlew"), java),
)
