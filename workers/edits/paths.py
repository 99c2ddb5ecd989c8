"""Turn the path a model wrote into a path inside the repository, or refuse.

Models write `a/src/x.py` (diff habit), `./src/x.py`, `/home/user/project/src/x.py`, or just `x.py`. Which
file that means is the checkout's one placing rule (workers/checkout/paths.py); this module keeps what is
particular to writing: an ambiguous path is refused naming the candidates, a path that fits no file is a new
file, and whatever the spelling, the result must stay inside the repository, outside `.git/`, and must not
pass through a symlink that leads out.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from workers.checkout.files import checkout_files
from workers.checkout.paths import PathPlacer, normalise
from workers.edits.records import Refused


def _clean(raw: str) -> str:
    text = raw.strip().strip("`'\"*").strip()
    text = text.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text


def resolve_path(root: Path, raw: str, files: list[str] | None = None) -> str:
    """The repository-relative POSIX path `raw` means; Refused if it is outside or ambiguous."""
    text = _clean(raw)
    if not text:
        raise Refused("the edit names no file; put the file's path on the line before the edit")
    root_real = Path(os.path.realpath(root))
    listing = files if files is not None else checkout_files(root)
    candidate = _candidate(root_real, text, listing)
    _check_inside(root_real, candidate)
    return candidate


def _candidate(root_real: Path, text: str, listing: list[str]) -> str:
    if text.startswith("/"):
        absolute = Path(os.path.normpath(text))
        for base in (root_real, Path(os.path.abspath(root_real))):
            if absolute.is_relative_to(base):
                return absolute.relative_to(base).as_posix()
    elif ".." in PurePosixPath(text).parts:
        raise Refused(f"{text} leaves the repository (it contains ..); give a path inside it")
    # The model was asked to edit this repository: whatever it writes means a file here.
    placement = PathPlacer(listing).place(text, only_this_checkout=True)
    if placement.ambiguous:
        shown = ", ".join(placement.matches[:5])
        raise Refused(
            f"{placement.spelled} matches several files ({shown}); give the full path from the repository "
            "root"
        )
    if placement.path is not None:
        return placement.path
    if normalise(text).foreign:
        # An absolute path from the model's imagination whose tail names no repository file.
        raise Refused(f"{text} is outside the repository; give the path relative to the repository root")
    # A path that exists nowhere is a new file, created where it says (without a diff prefix).
    return placement.spelled


def _check_inside(root_real: Path, rel: str) -> None:
    parts = PurePosixPath(rel).parts
    if not parts or rel in (".", ""):
        raise Refused("the edit names the repository itself, not a file")
    if ".git" in parts:
        raise Refused(f"{rel} is inside .git/; the repository's own metadata is never edited")
    target = root_real / rel
    # realpath follows every symlink on the way, including the last component: a link that points out of
    # the repository (or anywhere into .git) is refused even though its own name looks harmless.
    real = Path(os.path.realpath(target))
    if not real.is_relative_to(root_real):
        raise Refused(f"{rel} leads outside the repository through a symbolic link; it cannot be edited")
    if ".git" in real.relative_to(root_real).parts:
        raise Refused(f"{rel} leads into .git/ through a symbolic link; it cannot be edited")
    if target.is_symlink():
        raise Refused(f"{rel} is a symbolic link; edit the file it points to instead")
    if real.is_dir():
        raise Refused(f"{rel} is a directory, not a file")


# Files larger than this are not searched when guessing which file an unnamed edit means.
_INFER_MAX_BYTES = 2_000_000


def infer_path(root: Path, search: tuple[str, ...], files: list[str]) -> str:
    """The one file containing `search` verbatim, for an edit whose path the model forgot to write.

    Only an exact, unique match counts; anything else is refused and the model is asked for the path.
    """
    quote = "\n".join(search)
    if not quote.strip():
        raise Refused("the edit names no file; put the file's path on the line before the edit")
    found = []
    for rel in files:
        target = root / rel
        try:
            if target.is_symlink() or target.stat().st_size > _INFER_MAX_BYTES:
                continue
            text = target.read_bytes().decode("utf-8").replace("\r\n", "\n")
        except (OSError, UnicodeDecodeError):
            continue
        if quote in text:
            found.append(rel)
            if len(found) > 1:
                break
    if len(found) == 1:
        return found[0]
    if found:
        raise Refused(
            f"the edit names no file and its lines occur in several files ({', '.join(found)}); put the "
            "file's path on the line before the edit"
        )
    raise Refused("the edit names no file; put the file's path on the line before the edit")
