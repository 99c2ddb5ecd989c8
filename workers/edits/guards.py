"""Checks on what an edit does, enforced in code rather than asked of the model: protected files, and
edits that would make failing tests pass by weakening them."""

from __future__ import annotations

import re

from workers.checkout.files import may_be_test_path
from workers.checkout.path_globs import matching_glob
from workers.edits.records import EditPolicy, Refused

# CI configuration is always protected: a change there could run anything with the repository's secrets.
# The bot's own configuration is protected too, so an edit cannot widen what the bot may do.
ALWAYS_PROTECTED = (
    ".github/workflows/**",
    ".github/actions/**",
    ".github/codellama.yml",
    ".github/codellama.yaml",
    ".gitlab-ci.yml",
    ".gitlab-ci.yaml",
    ".gitlab/**",
    ".circleci/**",
    ".travis.yml",
    "azure-pipelines.yml",
    ".azure-pipelines/**",
    "Jenkinsfile",
    ".buildkite/**",
    "appveyor.yml",
    ".appveyor.yml",
    ".drone.yml",
    "bitbucket-pipelines.yml",
    ".woodpecker.yml",
    ".woodpecker/**",
    ".ci/**",
)

# Ways to declare a test, per language; fewer of them after an edit means tests were deleted.
_TEST_DEFS = re.compile(
    r"^\s*(?:async\s+)?def\s+test\w*\s*\(|^\s*class\s+Test\w*|^\s*func\s+Test\w*\s*\(|#\[test\]|@Test\b"
    r"|^\s*(?:it|test)\s*\(\s*['\"`]",
    re.MULTILINE,
)
# Markers that make a test not run, or not count when it fails.
_SKIPS = re.compile(
    r"pytest\.mark\.(?:skip|skipif|xfail)|pytest\.(?:skip|xfail)\s*\(|unittest\.skip|@skip\w*\b"
    r"|\bt\.Skip(?:f|Now)?\s*\(|\b(?:it|test|describe)\.skip\b|\bx(?:it|describe)\s*\(|@Disabled\b"
    r"|@Ignore\b|#\[ignore\]|\bGTEST_SKIP\b|\bDISABLED_\w+"
)
_ASSERTS = re.compile(
    r"\bassert\w*\b|\bexpect\s*\(|\bt\.(?:Error|Errorf|Fatal|Fatalf|Fail|FailNow)\b|\bEXPECT_\w+|\bASSERT_\w+"
    r"|\.should\b"
)


def protected_by(path: str, globs: tuple[str, ...]) -> str | None:
    """The glob that protects `path` (gitignore rules, see workers/checkout/path_globs.py), or None."""
    return matching_glob(path, globs)


def check_path(path: str, policy: EditPolicy) -> None:
    """Refuse CI configuration and the repository's protected files."""
    if protected_by(path, ALWAYS_PROTECTED):
        raise Refused(f"{path} is CI configuration, which the bot never edits; fix the code instead")
    glob = protected_by(path, policy.protected_globs)
    if glob:
        raise Refused(f"{path} is protected by .github/codellama.yml ({glob!r}); fix the problem elsewhere")


def check_change(path: str, before: str | None, after: str | None, policy: EditPolicy) -> None:
    """Refuse an edit that deletes or skips tests, or removes assertions, unless tests are the request."""
    if policy.allow_test_edits:
        return
    is_test = may_be_test_path(path)
    if after is None:
        if is_test:
            raise Refused(f"deleting the test file {path} is not allowed; fix the code the tests exercise")
        return
    old = before or ""
    if len(_SKIPS.findall(after)) > len(_SKIPS.findall(old)):
        raise Refused(
            f"the edit adds a skip or xfail marker in {path}; make the test pass by fixing the code"
        )
    if not is_test:
        return
    if len(_TEST_DEFS.findall(after)) < len(_TEST_DEFS.findall(old)):
        raise Refused(f"the edit deletes a test from {path}; fix the code the test exercises instead")
    if len(_ASSERTS.findall(after)) < len(_ASSERTS.findall(old)):
        raise Refused(f"the edit removes an assertion from {path}; tests are not weakened to make them pass")
