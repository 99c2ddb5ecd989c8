"""`.github/codellama.yml` and the default test plan for Python repositories."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from core.errors import JobFailed
from workers.checkout.repo_config import RepoConfig, RepoConfigError, load_repo_config, parse_repo_config
from workers.checkout.test_plan import plan_for


def _write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_declared_commands_win(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yml", "setup: make deps\ntest: make test\nprotected: ['docs/**']\n")
    config = load_repo_config(tmp_path)
    assert config == RepoConfig(setup=("make deps",), test="make test", protected=("docs/**",))
    plan = plan_for(tmp_path, config, tmp_path / "venv")
    assert plan.setup == ("make deps",) and plan.test == "make test"


def test_unknown_keys_and_bad_yaml_are_clear_errors(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yml", "tests: pytest\n")
    with pytest.raises(JobFailed, match="unknown key `tests`"):
        load_repo_config(tmp_path)
    _write(tmp_path, ".github/codellama.yml", "test: [unclosed\n")
    with pytest.raises(JobFailed, match="not valid YAML"):
        load_repo_config(tmp_path)


def test_python_repository_without_dependencies_runs_pytest_directly(tmp_path: Path) -> None:
    _write(tmp_path, "bitcount.py", "def bitcount(n):\n    return bin(n).count('1')\n")
    plan = plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
    assert plan.setup == ()
    assert plan.test.startswith(f"{sys.executable} -m pytest")


def test_declared_dependencies_are_installed_into_a_job_venv(tmp_path: Path) -> None:
    _write(tmp_path, "requirements.txt", "six\n")
    _write(tmp_path, "pyproject.toml", "[project]\nname = 'x'\nversion = '0'\n")
    plan = plan_for(tmp_path, RepoConfig(), tmp_path / "venv")
    assert plan.setup[0].endswith(f"-m venv --system-site-packages {tmp_path / 'venv'}")
    assert any("-r requirements.txt" in s for s in plan.setup)
    assert any("-e ." in s for s in plan.setup)
    assert plan.test.startswith(str(tmp_path / "venv" / "bin" / "python"))


def test_a_repository_that_is_not_python_must_declare_its_tests(tmp_path: Path) -> None:
    _write(tmp_path, "main.go", "package main\n")
    with pytest.raises(JobFailed, match="declare `test:`"):
        plan_for(tmp_path, RepoConfig(), tmp_path / "venv")


# --- the typed model: what each key accepts, and the one-line error for anything else ---

AUTO = "line 1: `auto_fix_ci` must be true, false, or a branch pattern or a list of them, "
COUNT = "`{}` must be a whole number from 1 to 100, not "
TEXT = "`instructions` must be text of at most 4,000 characters, not "


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("protected: migrations/**\n", RepoConfig(protected=("migrations/**",))),
        ("protected: [migrations/**, '*.lock']\n", RepoConfig(protected=("migrations/**", "*.lock"))),
        ("setup: [make deps, make build]\n", RepoConfig(setup=("make deps", "make build"))),
        ("test: [make lint, make test]\n", RepoConfig(test="( make lint ) && ( make test )")),
        ("test: |\n  cd sub\n  make test\n", RepoConfig(test="cd sub\nmake test\n")),
        ("setup:\nprotected: []\ntest: ''\n", RepoConfig()),
        ("", RepoConfig()),
        ("# only a comment\n", RepoConfig()),
        ("auto_fix_ci: false\n", RepoConfig(auto_fix_ci=False)),
        ("daily_jobs: 5\ndaily_tokens: 100000\n", RepoConfig(daily_jobs=5, daily_tokens=100_000)),
        ("auto_fix_ci: [main, 'release/*']\n", RepoConfig(auto_fix_ci=("main", "release/*"))),
        ("auto_fix_ci: main\n", RepoConfig(auto_fix_ci=("main",))),
        ("auto_fix_ci: []\n", RepoConfig(auto_fix_ci=False)),
        (
            "allow_test_edits: true\nmax_rounds: 2\ncandidates: 1\n",
            RepoConfig(allow_test_edits=True, max_rounds=2, candidates=1),
        ),
        ("max_rounds:\ncandidates:\ninstructions:\n", RepoConfig()),
        (
            "instructions: |\n  Keep Python 3.8 support.\n",
            RepoConfig(instructions="Keep Python 3.8 support."),
        ),
    ],
)
def test_each_key_takes_a_string_or_a_list_of_strings(text: str, expected: RepoConfig) -> None:
    assert parse_repo_config(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("setup: 5\n", "line 1: `setup` must be a command or a list of commands, not a number"),
        ("setup: {a: 1}\n", "line 1: `setup` must be a command or a list of commands, not a mapping"),
        ("test: true\n", "line 1: `test` must be a command or a list of commands, not true/false"),
        ("test: make\nsetup:\n  - ok\n  - [x]\n", "line 4: `setup` item 2 must be a non-empty string, not a"),
        ("protected:\n  - docs/\n  - 7\n", "line 3: `protected` item 2 must be a non-empty string, not a"),
        ("protected: ['!']\n", "line 1: `protected`: '!' is not a valid .gitignore-style pattern"),
        ("test: x\n\ntests: pytest\n", "line 3: unknown key `tests`; the keys are setup, test, protected"),
        ("- make test\n", "line 1: must be a mapping with the keys setup, test, protected, auto_fix_ci, "),
        (
            "auto_fix_ci: yes please\n",
            "line 1: `auto_fix_ci`: 'yes please' cannot match a branch",
        ),
        (
            "auto_fix_ci: 1\n",
            AUTO + "not a",
        ),
        (
            "auto_fix_ci:\n",
            AUTO + "not null",
        ),
        ("auto_fix_ci: [main, 3]\n", "line 1: `auto_fix_ci` item 2 must be a non-empty string, not a number"),
        ("allow_test_edits: 'true'\n", "line 1: `allow_test_edits` must be true or false, not str"),
        ("daily_jobs: 0\n", "line 1: `daily_jobs` must be a whole number of at least 1, not 0"),
        ("daily_tokens: 1e6\n", "line 1: `daily_tokens` must be a whole number of at least 1, not "),
        ("allow_test_edits: 1\n", "line 1: `allow_test_edits` must be true or false, not a number"),
        ("allow_test_edits:\n", "line 1: `allow_test_edits` must be true or false, not null"),
        ("max_rounds: '3'\n", "line 1: " + COUNT.format("max_rounds") + "str"),
        ("max_rounds: 0\n", "line 1: " + COUNT.format("max_rounds") + "0"),
        ("test: x\ncandidates: -4\n", "line 2: " + COUNT.format("candidates") + "-4"),
        (
            "candidates: 1000000000000\n",
            COUNT.format("candidates") + "1000000000000",
        ),
        ("candidates: 2.5\n", COUNT.format("candidates") + "a number"),
        ("candidates: true\n", COUNT.format("candidates") + "true/false"),
        (
            "instructions: [a]\n",
            "line 1: " + TEXT + "a list",
        ),
        (
            "instructions: '" + "x" * 4001 + "'\n",
            TEXT + "4,001",
        ),
        ("just text\n", "not str"),
        ("test: x\ntest: y\n", "line 2: `test` appears twice (first on line 1)"),
        ("test: [unclosed\n", "line 2: not valid YAML"),
        ("test: a\n---\ntest: b\n", "line 2: not valid YAML: expected a single document"),
        ("test: !!python/object/apply:os.system [id]\n", "line 1: not valid YAML: could not determine a"),
    ],
)
def test_anything_else_is_one_line_naming_the_key_and_line(text: str, message: str) -> None:
    with pytest.raises(RepoConfigError) as raised:
        parse_repo_config(text)
    error = str(raised.value)
    assert error.startswith(".github/codellama.yml, ") and message in error, error
    assert "\n" not in error and len(error) < 300


HOSTILE = [
    # A billion laughs: every level doubles; refused at the first anchor, before anything is expanded.
    ("a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n", "anchors (&a) are not allowed"),
    ("test: *undefined\n", "aliases (*undefined) are not allowed"),
    ("test: " + "[" * 5000 + "]" * 5000 + "\n", "nested deeper than 16 levels"),
    ("test: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n", "nested deeper than 16 levels"),
    ("protected: [" + ",".join(["a"] * 10_001) + "]\n", "more than 10000 values"),
    ("test: '" + "x" * 70_000 + "'\n", "larger than 64 KiB"),
    ('"a\\nb": 1\n', "unknown key `a\\nb`"),
    ("? " + "k" * 5000 + "\n: 1\n", "unknown key `kkkkk"),
    ("test: x\n\x00\n", "not valid YAML"),
    ("<<: {test: x}\n", "line 1: merge keys (<<) are not allowed"),
    ("test: x\n\x00\n", "line 2: not valid YAML: character #x0000 is not allowed"),
    ("test: '\ud800'\n", "not valid YAML"),
]


@pytest.mark.parametrize(("text", "message"), HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_files_end_in_one_clear_line(text: str, message: str) -> None:
    with pytest.raises(RepoConfigError) as raised:
        parse_repo_config(text)
    error = str(raised.value)
    assert message in error and "\n" not in error and len(error) < 300, error[:500]


def test_the_file_must_be_a_plain_file_inside_the_repository(tmp_path: Path) -> None:
    secret = tmp_path / "worker-key.pem"
    secret.write_text("-----BEGIN RSA PRIVATE KEY-----\nsecret\n")
    repo = tmp_path / "repo"
    (repo / ".github").mkdir(parents=True)
    (repo / ".github/codellama.yml").symlink_to(secret)
    with pytest.raises(RepoConfigError, match="must be a plain file") as raised:
        load_repo_config(repo)
    assert "BEGIN" not in str(raised.value)
    (repo / ".github/codellama.yml").unlink()
    os.mkfifo(repo / ".github/codellama.yml")  # reading a fifo would wait for ever
    with pytest.raises(RepoConfigError, match="must be a plain file"):
        load_repo_config(repo)
    (repo / ".github/codellama.yml").unlink()
    (repo / ".github").rmdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/codellama.yml").write_text("test: cat /etc/shadow\n")
    (repo / ".github").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(RepoConfigError, match="not a symbolic link"):
        load_repo_config(repo)


def test_the_yaml_spelling_is_read_and_two_files_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yaml", "test: make check\n")
    assert load_repo_config(tmp_path).test == "make check"
    _write(tmp_path, ".github/codellama.yml", "test: make test\n")
    with pytest.raises(RepoConfigError, match="keep one"):
        load_repo_config(tmp_path)


def test_a_file_that_is_not_utf8_or_too_big_is_refused_before_parsing(tmp_path: Path) -> None:
    _write(tmp_path, ".github/codellama.yml", "")
    (tmp_path / ".github/codellama.yml").write_bytes(b"test: \xff\xfe\n")
    with pytest.raises(RepoConfigError, match="not UTF-8 text"):
        load_repo_config(tmp_path)
    (tmp_path / ".github/codellama.yml").write_bytes(b"#" * (1 << 20))
    with pytest.raises(RepoConfigError, match="larger than 64 KiB"):
        load_repo_config(tmp_path)
