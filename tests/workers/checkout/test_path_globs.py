"""`protected:` globs follow .gitignore's rules: checked against git's own `check-ignore` on real paths."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from workers.checkout.path_globs import BadGlob, check_globs, matching_glob
from workers.checkout.repo_config import parse_repo_config
from workers.edits.guards import check_path
from workers.edits.records import EditPolicy, Refused

PATTERNS = (
    "migrations/**",
    "*.lock",
    "!keep.lock",
    "docs/",
    "/build",
    "**/generated/*.py",
    "src/*/conf.py",
    "a?c.txt",
    "[ab]x.cfg",
    "# a comment, not a pattern",
    "tests/fixtures/**/*.json",
    "setup.py",
    "django/db/models/sql/",
    "*/utils/*.py",
    "sphinx/**/*.css",
    "lib/matplotlib/tests/baseline_images",
    "!lib/matplotlib/tests/baseline_images/keep/",
    "**/__init__.py",
    "**/test_*.py",
    "payload-examples/",
    "bugsinpy/projects/*/bugs/**",
    "!bugsinpy/projects/*/bugs/1*/",
    "*.jsonl",
)

SYNTHETIC = [
    "migrations/0001_initial.py",
    "migrations/sub/x.py",
    "app/migrations/x.py",
    "poetry.lock",
    "sub/uv.lock",
    "keep.lock",
    "sub/keep.lock",
    "docs/a/b.md",
    "pkg/docs/x.rst",
    "docs.md",
    "build/out.o",
    "src/build/out.o",
    "generated/x.py",
    "a/b/generated/x.py",
    "generated/sub/x.py",
    "src/app/conf.py",
    "src/app/sub/conf.py",
    "abc.txt",
    "abbc.txt",
    "a/c.txt",
    "ax.cfg",
    "cx.cfg",
    "tests/fixtures/one.json",
    "tests/fixtures/a/b/two.json",
    "setup.py",
    "sub/setup.py",
    "# a comment, not a pattern",
]


def _corpus_paths() -> list[str]:
    """Real file paths: those the patches of SWE-bench Lite and BugsInPy touch (Django, sympy, matplotlib,
    pandas …), and every file of the corpora themselves."""
    diff_path = re.compile(r"^diff --git a/(\S+) b/", re.MULTILINE)
    paths: set[str] = set()
    for line in (CORPORA / "swebench-lite" / "lite_test.jsonl").read_text().splitlines():
        task = json.loads(line)
        for patch in (task["patch"], task["test_patch"]):
            paths.update(diff_path.findall(patch))
    for patch_file in (CORPORA / "bugsinpy").rglob("bug_patch.txt"):
        paths.update(diff_path.findall(patch_file.read_text(errors="replace")))
    paths.update(p.relative_to(CORPORA).as_posix() for p in CORPORA.rglob("*") if p.is_file())
    return sorted(paths)


def _git_decides(tmp_path: Path, patterns: tuple[str, ...], paths: list[str]) -> dict[str, str | None]:
    """For each path, the pattern git's .gitignore matching picks (negations included), or None."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, timeout=30)
    (tmp_path / ".gitignore").write_text("\n".join(patterns) + "\n")
    out = subprocess.run(
        ["git", "check-ignore", "--no-index", "-v", "-n", "--stdin", "-z"],
        cwd=tmp_path,
        input="\0".join(paths) + "\0",
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.split("\0")
    decided: dict[str, str | None] = {}
    # -z -v: source, line number, pattern, path; an empty source means no pattern matched.
    for source, number, pattern, path in zip(out[0::4], out[1::4], out[2::4], out[3::4], strict=False):
        decided[path] = patterns[int(number) - 1] if source else None
        assert source == "" or pattern == decided[path]
    return decided


def test_the_deciding_pattern_is_the_one_git_picks(tmp_path: Path) -> None:
    paths = SYNTHETIC + _corpus_paths()
    assert len(paths) > 3000
    git = _git_decides(tmp_path, PATTERNS, paths)
    assert set(git) == set(paths)
    protected = 0
    for path in paths:
        ours = matching_glob(path, PATTERNS)
        theirs = git[path]
        if theirs is not None and theirs.startswith("!"):
            theirs = None  # taken back out: not protected
        assert ours == theirs, path
        protected += ours is not None
    assert 100 < protected < len(paths) - 100  # the patterns cut both ways on these paths


def test_a_string_glob_is_one_glob_not_its_characters() -> None:
    config = parse_repo_config("protected: migrations/**\n")
    policy = EditPolicy(protected_globs=config.protected)
    with pytest.raises(Refused, match=r"protected by \.github/codellama\.yml \('migrations/\*\*'\)"):
        check_path("migrations/0002_auto.py", policy)
    check_path("app/models.py", policy)  # before: one of its "globs" was `*`, which refused every edit


def test_a_negated_pattern_takes_a_path_back_out() -> None:
    globs = ("vendor/", "!vendor/ours/")
    assert matching_glob("vendor/lib/x.c", globs) == "vendor/"
    assert matching_glob("vendor/ours/x.c", globs) is None


def test_ci_configuration_stays_protected_whatever_the_repository_negates() -> None:
    policy = EditPolicy(protected_globs=("!.github/workflows/ci.yml",))
    with pytest.raises(Refused, match="CI configuration"):
        check_path(".github/workflows/ci.yml", policy)


@pytest.mark.parametrize("glob", ["!", "\\"])
def test_patterns_git_would_refuse_are_refused(glob: str) -> None:
    with pytest.raises(BadGlob, match=r"not a valid \.gitignore-style pattern"):
        check_globs((glob,))
    with pytest.raises(BadGlob):
        matching_glob("x.py", ("ok/", glob))
