"""Whether a failure is the environment's rather than the code's: what a reproduce-first loop must report,
not "fix". Pure logic over run output and CI logs."""

from __future__ import annotations

import re

# Each cause with the messages that give it away, as the usual tools and GitHub's runners print them.
# Ordered: the first match names the cause.
_CAUSES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "the CI runner stopped the job (timeout or cancellation)",
        re.compile(
            r"has exceeded the maximum execution time|The operation was canceled\.|"
            r"The runner has received a shutdown signal|lost communication with the server|"
            r"The job was not acquired by Runner"
        ),
    ),
    (
        "the runner ran out of memory",
        re.compile(
            r"Process completed with exit code 137|OOMKilled|Out of memory: Killed process|"
            r"JavaScript heap out of memory|java\.lang\.OutOfMemoryError|\bMemoryError\b|"
            r"Cannot allocate memory|std::bad_alloc"
        ),
    ),
    (
        "installing the dependencies failed",
        re.compile(
            r"Could not find a version that satisfies the requirement|No matching distribution found|"
            r"Failed building wheel for|ResolutionImpossible|npm ERR! (?:code E404|code ERESOLVE|network)|"
            r"error: failed to (?:download|get) |Could not resolve dependencies for project|"
            r"go: .*: (?:reading|verifying) .*: (?:404|410)"
        ),
    ),
    (
        "the tests needed network access",
        re.compile(
            r"Temporary failure in name resolution|Name or service not known|Network is unreachable|"
            r"Could not resolve host|NewConnectionError|Max retries exceeded with url|"
            r"getaddrinfo (?:ENOTFOUND|failed)|"
            r"\bENOTFOUND\b|\bEAI_AGAIN\b|nodename nor servname provided"
        ),
    ),
    (
        "a secret or credential the tests need is missing",
        re.compile(
            r"(?:KeyError: |environment variable |env var |secret )['\"`]?[A-Z0-9_]*"
            r"(?:TOKEN|SECRET|API_KEY|APIKEY|PASSWORD|CREDENTIALS?|ACCESS_KEY)[A-Z0-9_]*['\"`]?"
            r"|Input required and not supplied: \w*(?:token|key|secret)",
            re.IGNORECASE,
        ),
    ),
)

_MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([A-Za-z0-9_]+)")


def environment_cause(text: str, local_modules: frozenset[str] = frozenset()) -> str | None:
    """The non-code cause this output shows, as a phrase for a report, or None.

    A missing module counts as a dependency problem only when the repository does not define it
    (`local_modules`): a typo in an import of the repository's own code is the code's fault.
    """
    for cause, pattern in _CAUSES:
        if pattern.search(text):
            return cause
    for match in _MISSING_MODULE.finditer(text):
        if match.group(1) not in local_modules:
            return f"a dependency is not installed (no module named '{match.group(1)}')"
    return None
