"""A prior against files a fix almost never touches, whatever words they share with the issue.

Measured on SWE-bench Lite (300 tasks, 12 projects): no gold patch edits documentation sources, examples,
benchmarks, packaging scripts (setup.py, versioneer.py) or a pytest conftest, and one edits a numbered
migration, whose name the issue writes out (issue_code.file_stem_signals finds it). Yet these files share an
issue's vocabulary (an example plots what the issue plots, a migration declares the fields an issue's model
declares): before this prior they held 24 of the top-5 places of 132 tasks (Django, astropy, matplotlib),
none of them a gold file. A factor, not an exclusion: an issue about the docs build or a migration still
reaches them through the paths and names it quotes.
"""

from __future__ import annotations

import re

# Directory names, anywhere in the path, whose files are not the project's shipped code.
_NOT_SHIPPED = re.compile(r"(?:^|/)(?:docs?|examples?|galleries|tutorials?|benchmarks?|asv_bench)/")
# Django-style numbered migrations: generated once, edited by a fix only when the issue names them.
_MIGRATION = re.compile(r"(?:^|/)migrations/\d{4}_\w+\.py$")
_TOOLING = re.compile(r"(?:^|/)(?:setup|conftest|noxfile|tasks|versioneer)\.py$")
NOT_SHIPPED = 0.5
MIGRATION = 0.5
TOOLING = 0.5


def fix_prior(path: str) -> float:
    """1.0 for code a fix may touch; less for documentation, examples, benchmarks, migrations, tooling."""
    factor = 1.0
    if _NOT_SHIPPED.search(path):
        factor *= NOT_SHIPPED
    if _MIGRATION.search(path):
        factor *= MIGRATION
    if _TOOLING.search(path):
        factor *= TOOLING
    return factor
