"""Each edit format's instructions with one worked example, and the feedback texts for edits that failed.

Prompts are data: workers/edits picks a template and fills its placeholders; it never writes prose itself.
The worked examples use QuixBugs' gcd bug (jkoppel/QuixBugs, MIT), so one real fix is shown three ways.
"""

from __future__ import annotations

from string import Template

SEARCH_REPLACE = """\
Give each change as a SEARCH/REPLACE block. On the line before the block, write the file's path relative to
the repository root. SEARCH must quote the current lines of the file exactly, with their indentation, and
enough of them to match one place only; REPLACE holds the lines that take their place. Use one block per
change; to create a new file, leave SEARCH empty. Never use "..." to skip lines.

Example:
python_programs/gcd.py
```python
<<<<<<< SEARCH
    else:
        return gcd(a % b, b)
=======
    else:
        return gcd(b, a % b)
>>>>>>> REPLACE
```"""

UNIFIED_DIFF = """\
Give the changes as a unified diff, as `git diff` prints it: a `--- a/PATH` and `+++ b/PATH` header per file
(paths relative to the repository root), then hunks starting with `@@`. Inside a hunk, lines starting with a
space are unchanged context, `-` lines are removed and `+` lines are added. Quote two or three unchanged
lines around each change, exactly as they are in the file. Line numbers in `@@` lines may be approximate.

Example:
```diff
--- a/python_programs/gcd.py
+++ b/python_programs/gcd.py
@@ -2,5 +2,5 @@ def gcd(a, b):
     if b == 0:
         return a
     else:
-        return gcd(a % b, b)
+        return gcd(b, a % b)
```"""

WHOLE_FILE = """\
Give the complete new content of every file you change, in a fenced code block, with the file's path
relative to the repository root on the line before the fence. Write out the whole file, including the
lines you did not change; never use "..." or "rest unchanged" to skip lines.

Example:
python_programs/gcd.py
```python
def gcd(a, b):
    if b == 0:
        return a
    else:
        return gcd(b, a % b)
```"""

# One refused edit, as it appears in the feedback, then the real lines it concerns (NEAREST_LINES).
REFUSED_EDIT = Template("""\
- Edit $number ($source, $path): $reason""")

NEAREST_LINES = Template("""\
  From $path, with line numbers:
```
$lines
```""")

ROLLED_BACK = Template("""\
- Edit $number ($source, $path) matched the file ($rung) but was not applied, because another edit in the
  same answer was refused and an answer is applied whole or not at all.""")

NO_EDITS = Template("""\
No edit could be read from your answer. $problems
Answer with edits in this format:

$instructions""")

UNNAMED_FENCE = """\
Your answer has code blocks but none says which file it belongs to: put the file's path, relative to the
repository root, on the line before each block."""

SYNTAX_ERROR = Template("""\
the edit leaves $path unparsable: $detail; the edited lines are shown below""")

# The per-edit items of a refused answer; the repair loop wraps them in prompts.EDITS_NOT_APPLIED.
FEEDBACK = Template("""\
$items
(An answer is applied whole or not at all, so none of its edits were applied; give every change again.)""")
