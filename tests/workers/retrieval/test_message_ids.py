"""Message identifiers an issue quotes (`models.E028`, `W0611`, `unused-import`), found where emitted."""

from __future__ import annotations

from pathlib import Path

from workers.retrieval.index import RepoIndex
from workers.retrieval.messages import MAX_FILES, message_id_signals

FILES = {
    "app/checks.py": (
        "def check_db_table(models):\n"
        "    for model in models:\n"
        "        yield Error('db_table is used by multiple models', id='models.E028')\n"
    ),
    "app/lint.py": "MSGS = {\n    'W0611': ('Unused %s', 'unused-import', 'Used when unused.'),\n}\n",
    "app/words.py": "def describe():\n    return 'models.E028 is in prose here, not the literal'\n",
}


def _index(tmp_path: Path, extra: dict[str, str] | None = None) -> RepoIndex:
    for name, text in {**FILES, **(extra or {})}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return RepoIndex.build(tmp_path)


def test_a_check_id_points_at_the_check_that_emits_it(tmp_path: Path) -> None:
    issue = "table_name: (models.E028) db_table 'table_name' is used by multiple models: base.A, app2.A."
    signals = message_id_signals(_index(tmp_path), issue)
    assert [(s.path, s.symbol, s.weight) for s in signals] == [("app/checks.py", "check_db_table", 1.0)]


def test_pylint_ids_and_symbolic_names_are_found_as_whole_literals(tmp_path: Path) -> None:
    signals = message_id_signals(_index(tmp_path), "pylint reports W0611 (unused-import) for a used import")
    assert {(s.path, s.reason.split()[2]) for s in signals} == {
        ("app/lint.py", "W0611"),
        ("app/lint.py", "unused-import"),
    }


def test_a_literal_in_too_many_files_says_nothing(tmp_path: Path) -> None:
    many = {f"app/m{i}.py": "KIND = 'read-only'\n" for i in range(MAX_FILES + 1)}
    assert message_id_signals(_index(tmp_path, many), "the field is read-only in the admin") == []


def test_no_identifier_no_signal(tmp_path: Path) -> None:
    assert message_id_signals(_index(tmp_path), "the check fails for two apps with one table name") == []
