"""The one placing rule: which checkout files a spelled path (answer, log, issue) means."""

from __future__ import annotations

import pytest

from workers.checkout.paths import PathPlacer, Spelling, normalise

FILES = [
    "setup.py",
    "utils.py",
    "src/pkg/utils.py",
    "src/pkg/core.py",
    "lib/pkg/core.py",
    "pkg/models/query.py",
    "pkg/models/sql/query.py",
    "pkg/__init__.py",
    "a/README.md",
    "tests/test_core.py",
    "docs/conf.py",
]
PLACER = PathPlacer(FILES)

# (spelled, only_this_checkout, expected matches: one is a match, several are ambiguous, none is nothing)
CASES = [
    # Exact hits, however spelled.
    ("src/pkg/core.py", False, ("src/pkg/core.py",)),
    ("./src/pkg/core.py", False, ("src/pkg/core.py",)),
    ("src//pkg/./core.py", False, ("src/pkg/core.py",)),
    ("src\\pkg\\core.py", False, ("src/pkg/core.py",)),
    (".\\src\\pkg\\core.py", False, ("src/pkg/core.py",)),
    # A relative path at the top wins over deeper files ending the same way.
    ("utils.py", False, ("utils.py",)),
    # Suffix vs basename: a relative spelling must match in full.
    ("models/query.py", False, ("pkg/models/query.py",)),
    ("sql/query.py", False, ("pkg/models/sql/query.py",)),
    ("query.py", False, ("pkg/models/query.py", "pkg/models/sql/query.py")),  # tie: ambiguous, no guess
    ("pkg/core.py", False, ("lib/pkg/core.py", "src/pkg/core.py")),
    ("other/models/query.py", False, ()),  # a written directory that differs is another file
    ("other/__init__.py", False, ()),
    ("core.txt", False, ()),
    # Diff prefixes come off only when the path as written hits nothing exactly.
    ("a/src/pkg/core.py", False, ("src/pkg/core.py",)),
    ("b/tests/test_core.py", False, ("tests/test_core.py",)),
    ("a/models/query.py", False, ("pkg/models/query.py",)),
    ("a/README.md", False, ("a/README.md",)),  # the checkout's own a/ directory
    # Foreign absolute paths: the other machine's location says nothing; two components must match.
    ("/home/dev/proj/src/pkg/core.py", False, ("src/pkg/core.py",)),
    ("/usr/lib/python3/site-packages/pkg/models/query.py", False, ("pkg/models/query.py",)),
    ("/home/runner/work/x/x/pkg/core.py", False, ("lib/pkg/core.py", "src/pkg/core.py")),
    ("/srv/elsewhere/more/pkg/utils.py", False, ("src/pkg/utils.py",)),
    # Equal run: the file whose whole path the spelling ends with beats one differing one level up.
    ("/tmp/x/pkg/__init__.py", False, ("pkg/__init__.py",)),
    # One bare name of another tree is too weak, unless the writer can only mean this checkout.
    ("/srv/other/project/utils.py", False, ()),
    ("/srv/other/project/utils.py", True, ("utils.py",)),
    ("/home/dev/checkout/setup.py", True, ("setup.py",)),
    ("/home/dev/checkout/core.py", True, ()),  # a name alone never places a deeper file
    ("../../pkg/models/sql/query.py", False, ("pkg/models/sql/query.py",)),
    ("../conf.py", False, ()),
    # Placeholders people write for a location in issues: what follows is foreign.
    ("{sys.prefix}/lib/python3.7/site-packages/pkg/models/query.py", False, ("pkg/models/query.py",)),
    ("~/proj/src/pkg/core.py", False, ("src/pkg/core.py",)),
    ("$HOME/proj/pkg/models/sql/query.py", False, ("pkg/models/sql/query.py",)),
    (".../pkg/models/query.py", False, ("pkg/models/query.py",)),
    ("<venv>/utils.py", False, ()),
    # Windows and file:// spellings.
    ("C:\\Users\\dev\\proj\\src\\pkg\\core.py", False, ("src/pkg/core.py",)),
    ("D:/a/proj/proj/pkg/models/query.py", False, ("pkg/models/query.py",)),
    ("file:///home/dev/proj/docs/conf.py", False, ("docs/conf.py",)),
    ("file:///C:/proj/src/pkg/utils.py", False, ("src/pkg/utils.py",)),
    # Nothing to place.
    ("", False, ()),
    ("./", False, ()),
]


@pytest.mark.parametrize(("spelled", "only_this_checkout", "expected"), CASES)
def test_placing_rule(spelled: str, only_this_checkout: bool, expected: tuple[str, ...]) -> None:
    placement = PLACER.place(spelled, only_this_checkout=only_this_checkout)
    assert placement.matches == expected
    assert placement.path == (expected[0] if len(expected) == 1 else None)
    assert placement.ambiguous is (len(expected) > 1)


def test_spelled_is_what_a_new_file_would_be_called() -> None:
    assert PLACER.place("a/new/module.py").spelled == "new/module.py"
    assert PLACER.place(".\\new\\module.py").spelled == "new/module.py"


def test_normalise_marks_foreign_spellings() -> None:
    assert normalise("/x/y.py").foreign and normalise("C:\\x\\y.py").foreign and normalise("../y.py").foreign
    assert not normalise("x/y.py").foreign and not normalise("./x/../y.py").foreign
    assert normalise("{sys.prefix}/lib/x/y.py") == Spelling(("lib", "x", "y.py"), True)
    assert not normalise("sys.prefix/x.py").foreign and not normalise("a~b/x.py").foreign
