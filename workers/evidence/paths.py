"""Decide whether a path printed in a log is the repository's own file, and make it repository-relative."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from workers.checkout.files import CheckoutIndex
from workers.evidence.failures import Frame

# Where CI services check the repository out. The repository-relative path is what follows the match.
_CHECKOUT_PREFIXES = [
    re.compile(r"^/home/runner/work/[^/]+/[^/]+/"),  # GitHub-hosted Linux runners
    re.compile(r"^/Users/runner/work/[^/]+/[^/]+/"),  # GitHub-hosted macOS runners
    re.compile(r"^[A-Za-z]:/a/[^/]+/[^/]+/"),  # GitHub-hosted Windows runners (D:\a\repo\repo\)
    re.compile(r"^/__w/[^/]+/[^/]+/"),  # GitHub Actions jobs that run in a container
    re.compile(r"^/github/workspace/"),  # Docker container actions
    re.compile(r"^/builds/(?:[^/]+/)+?[^/]+/(?=.)"),  # GitLab runners
    re.compile(r"^/home/circleci/project/"),
    re.compile(r"^/testbed/"),  # SWE-bench evaluation images
]

# Path fragments that mean "installed code, not the repository": interpreters, package managers, toolchains.
_LIBRARY_MARKERS = (
    "site-packages/",
    "dist-packages/",
    "/lib/python2",
    "/lib/python3",
    "/lib/pypy",
    "/usr/lib/",
    "/usr/local/lib/",
    "/usr/share/",
    "node_modules/",
    "/.cargo/registry/",
    "/.rustup/",
    "/rustc/",
    "/usr/local/go/src/",
    "/go/pkg/mod/",
    "hostedtoolcache/",  # toolchains set up by actions/setup-*, on Linux and Windows runners
    "/.m2/repository/",
)
_PSEUDO_FILE = re.compile(r"^<[^>]*>$|^node:|^internal/|(?:^|/)_testmain\.go$")


def _is_library(path: str) -> bool:
    return any(marker in path for marker in _LIBRARY_MARKERS) or bool(_PSEUDO_FILE.match(path))


class PathResolver:
    """Maps printed paths to repository-relative ones.

    `roots` are absolute directories the log itself says the repository lives in (pytest's "rootdir:",
    a job's working directory); they are tried after the known CI checkout prefixes. `base` is the directory
    a runner prints relative paths against (pytest's rootdir), when that may be below the repository's top.
    """

    def __init__(
        self,
        repo_root: Path | None = None,
        repo_name: str | None = None,
        roots: Iterable[str] = (),
    ) -> None:
        self.repo_root = repo_root.resolve() if repo_root is not None else None
        # "owner/name" or "name": a checkout directory is named after the repository, not its owner.
        self.repo_name = repo_name.rstrip("/").rsplit("/", 1)[-1] if repo_name else None
        self.roots: list[str] = []
        self.base: str | None = None
        # Per resolver, so existence checks never outlive one parse: files come and go between repair rounds.
        # Deep recursions print one frame hundreds of times, hence the cache.
        self._cache: dict[str, tuple[str, bool]] = {}
        self._checkout = CheckoutIndex(self.repo_root) if self.repo_root is not None else None
        for root in roots:
            self.add_root(root)

    def add_root(self, root: str, *, base: bool = False) -> None:
        root = root.replace("\\", "/").rstrip("/") + "/"
        if root == "/":
            return
        if root not in self.roots:
            self.roots.append(root)
            self.roots.sort(key=len, reverse=True)
            self._cache.clear()
        if base and self.base != root:
            self.base = root
            self._cache.clear()

    def frame(self, raw_path: str, line: int | None, function: str | None = None) -> Frame:
        path, in_repo = self.relative(raw_path)
        return Frame(path=path, line=line, function=function, in_repo=in_repo)

    def relative(self, raw_path: str) -> tuple[str, bool]:
        """(path, in_repo): repository-relative when the file belongs to the repository."""
        known = self._cache.get(raw_path)
        if known is None:
            roots = tuple(self.roots)
            known = _relative(self.repo_root, self._checkout, self.repo_name, roots, self.base, raw_path)
            if not known[1] and self._checkout is not None:
                known = self._placed(raw_path) or known
            self._cache[raw_path] = known
        return known

    def _placed(self, raw_path: str) -> tuple[str, bool] | None:
        """A relative path that is not at the checkout's top: printed from a subdirectory, it may be below."""
        path = _normal(raw_path.strip().replace("\\", "/"))
        if not path or _is_absolute(path) or path.startswith("../") or _is_library(path):
            return None
        assert self._checkout is not None
        placed = self._checkout.place(path).path
        return (placed, True) if placed else None


def _relative(
    repo_root: Path | None,
    checkout: CheckoutIndex | None,
    repo_name: str | None,
    roots: tuple[str, ...],
    base: str | None,
    raw_path: str,
) -> tuple[str, bool]:
    path = raw_path.strip().replace("\\", "/")
    if path.startswith("file://"):
        path = path[len("file://") :]
    if _is_library(path):
        return raw_path, False
    if base and not _is_absolute(path) and not path.startswith("../"):
        # Relative to the runner's directory, which may sit below the repository's top.
        path = base + _normal(path)
    if repo_root is not None and checkout is not None:
        inside = _inside(repo_root, path)
        if inside is not None:
            return inside, (repo_root / inside).is_file()
        stripped = _strip_prefix(path, roots, repo_name)
        return _check_in(repo_root, checkout, raw_path, stripped if stripped is not None else path)
    stripped = _strip_prefix(path, roots, repo_name)
    if stripped is not None:
        return stripped, True
    if _is_absolute(path) or path.startswith("../"):
        return raw_path, False
    return _normal(path), True


def _is_absolute(path: str) -> bool:
    return path.startswith("/") or bool(re.match(r"^[A-Za-z]:/", path))


def _inside(repo_root: Path, path: str) -> str | None:
    """The path relative to the checkout, if it names a place inside it."""
    if not path.startswith("/"):
        return None
    try:
        return Path(path).resolve().relative_to(repo_root).as_posix()
    except (ValueError, OSError):
        return None


def _strip_prefix(path: str, roots: tuple[str, ...], repo_name: str | None) -> str | None:
    for prefix in _CHECKOUT_PREFIXES:
        match = prefix.match(path)
        if match:
            return _normal(path[match.end() :])
    if repo_name and path.startswith("/"):
        marker = f"/{repo_name}/"
        at = path.rfind(marker)
        if at >= 0:
            return _normal(path[at + len(marker) :])
    for root in roots:
        if path.startswith(root):
            return _normal(path[len(root) :])
    return None


def _normal(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return str(PurePosixPath(path)) if path else path


def _check_in(repo_root: Path, checkout: CheckoutIndex, raw_path: str, path: str) -> tuple[str, bool]:
    """With a checkout at hand, a path is the repository's only if the file is there."""
    if _is_absolute(path):
        # An absolute path from another machine: the checkout's placing rule (enough of its tail, one best
        # file) decides; where that other machine kept the checkout is unknowable.
        placed = checkout.place(path).path
        return (placed, True) if placed else (raw_path, False)
    normal = _normal(path)
    if (repo_root / normal).is_file():
        return normal, True
    return raw_path, False
