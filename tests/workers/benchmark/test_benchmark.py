"""`codellama-bot bench` on a few tasks: the simulated model through the TGI stand-in, and an endpoint."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPORA
from tests.language_repos import DEBIAN_MAVEN_ARTIFACTS
from tests.processes import child_env
from tests.stand_ins.tgi_server import TGIStandIn
from workers.benchmark.corpus import LANGUAGES, load_tasks
from workers.benchmark.projects import DEBIAN_MAVEN_REPO
from workers.benchmark.report import ideal_share
from workers.benchmark.simulated import SimulatedModel, right_answer
from workers.edits import EditPolicy, apply_answer


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = child_env({"BOT_WORKDIR": str(tmp_path / "work"), "TEST_TIMEOUT_S": "60"})
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "bench", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
@pytest.mark.parametrize("api", ["tgi", "openai"])
def test_bench_against_an_endpoint_repairs_every_task_a_right_model_answers(tmp_path: Path, api: str) -> None:
    names = ["quixbugs-gcd", "quixbugs-is_valid_parenthesization"]
    tasks = [t for t in load_tasks(CORPORA, "quixbugs") if t.name in names]
    model = SimulatedModel(tasks, q=1.0)
    with TGIStandIn(model) as tgi:
        done = _bench(
            tmp_path,
            "--dataset",
            "quixbugs",
            "--endpoint",
            tgi.url,
            "--api",
            api,
            "--task",
            names[0],
            "--task",
            names[1],
            "--k",
            "2",
            "--rounds",
            "1",
        )
        asked = len(tgi.requests)
        paths = {r.path for r in tgi.requests}
    assert done.returncode == 0, done.stderr
    assert "repaired: 2/2 = 100.0%   (fixed 2)" in done.stdout
    assert "quixbugs-gcd: fixed in 1 round(s), 2 candidate(s)" in done.stderr
    assert asked == 4 and sum(model.right_draws.values()) == 4
    assert ("/v1/completions" in paths) == (api == "openai") and len(paths) == 1
    assert "loop overhead / (failing tests once + suite once)" in done.stdout


@pytest.mark.slow
def test_bench_with_a_model_that_is_never_right_repairs_nothing_and_uses_every_round(tmp_path: Path) -> None:
    done = _bench(
        tmp_path, "--dataset", "humanevalfix", "--simulate", "0", "--limit", "2", "--k", "2", "--rounds", "2"
    )
    assert done.returncode == 0, done.stderr
    assert "repaired: 0/2 = 0.0%   (gave_up 2)" in done.stdout
    assert "rounds used: mean 2.00" in done.stdout and "generated mean 4.00" in done.stdout
    assert "tasks where the model drew at least one right sample: 0" in done.stdout
    # Each task is a job of its own, with its own record under BOT_DATA_DIR (BOT_WORKDIR/data when unset).
    kept = sorted((tmp_path / "work" / "data" / "trajectories").glob("bench_*/*.json"))
    records = [json.loads(path.read_text()) for path in kept]
    assert len(records) == 2 and all(r["kind"] == "bench" for r in records)
    assert all(r["outcome"]["status"] == "gave_up" and len(r["rounds"]) == 2 for r in records)
    assert all(len(r["rounds"][1]["answers"]) == 2 for r in records)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "task", "tools"),
    [
        ("js", "humanevalfix-javascript-3", ("node",)),
        ("go", "humanevalfix-go-3", ("go",)),
        ("rust", "humanevalfix-rust-3", ("cargo", "rustc")),
        ("java", "humanevalfix-java-3", ("javac", "mvn")),
        ("cpp", "humanevalfix-cpp-3", ("g++", "make")),
    ],
)
def test_bench_runs_each_language_the_corpus_holds_where_its_toolchain_exists(
    tmp_path: Path, language: str, task: str, tools: tuple[str, ...]
) -> None:
    missing = [t for t in tools if shutil.which(t, path="/usr/local/bin:/usr/bin:/bin") is None]
    if language == "java":
        # Maven runs offline against Debian's repository: JUnit and the plugins must be in it.
        repo = Path(DEBIAN_MAVEN_REPO)
        missing += [str(repo / a) for a in DEBIAN_MAVEN_ARTIFACTS if not (repo / a).is_dir()]
    if missing:
        pytest.skip(f"HumanEvalFix {language} needs {', '.join(missing)}; scripts/install-test-tools.sh")
    args = ("--language", language, "--task", task, "--simulate", "1", "--k", "1", "--rounds", "1")
    done = _bench(tmp_path, "--dataset", "humanevalfix", *args)
    assert done.returncode == 0, done.stderr
    assert "repaired: 1/1 = 100.0%" in done.stdout and "conversion efficiency = 100.0%" in done.stdout


@pytest.mark.parametrize("language", ["go", "rust"])
def test_go_and_rust_tasks_are_projects_with_a_manifest_and_no_downloads(language: str) -> None:
    tasks = load_tasks(CORPORA, "humanevalfix", language)
    assert len(tasks) == 164
    manifest = {"go": "go.mod", "rust": "Cargo.toml"}[language]
    for task in tasks:
        assert manifest in task.files and all(task.files[p] != text for p, text in task.fixed.items())
        joined = "".join(task.files.values())
        assert '"github.com/stretchr' not in joined and "use rand::" not in joined


def test_bench_takes_every_language_the_corpus_holds() -> None:
    held = {path.name for path in (CORPORA / "humanevalfix" / "data").iterdir() if path.is_dir()}
    assert held == set(LANGUAGES)


@pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("g++", "make")), reason="C++ tasks need g++ and make"
)
def test_cpp_tasks_fail_as_given_and_pass_with_the_canonical_solution(tmp_path: Path) -> None:
    tasks = load_tasks(CORPORA, "humanevalfix", "cpp")
    assert len(tasks) == 164 and all(t.test_command == "make test" for t in tasks)
    # CPP/38's declaration runs on into its body in the dataset: the project cuts it at the signature.
    for task in [*tasks[:3], tasks[38]]:
        for state, files in (("buggy", task.files), ("fixed", {**task.files, **task.fixed})):
            root = tmp_path / task.name / state
            for rel, text in files.items():
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                (root / rel).write_text(text)
            done = subprocess.run(
                task.test_command.split(), cwd=root, capture_output=True, text=True, timeout=120
            )
            assert (done.returncode == 0) == (state == "fixed"), f"{task.name} {state}: {done.stderr[-500:]}"


def test_the_simulated_model_draws_from_the_seed_and_greedy_from_the_greedy_requests_before() -> None:
    tasks = load_tasks(CORPORA, "humanevalfix")[:1]
    model = SimulatedModel(tasks, q=0.5, salt=7)
    prompt = f"Repository: bench/{tasks[0].name}\n..."
    sampled = {"do_sample": True, "seed": 1001}
    assert model(prompt, sampled) == model(prompt, sampled)
    # The same round whatever the test output quoted in its prompt: a rerun draws the same answers.
    again = SimulatedModel(tasks, q=0.5, salt=7)
    assert model(prompt, {"do_sample": False}) == again(
        prompt + "{'C': inf} != {'C': 3}", {"do_sample": False}
    )
    assert model(prompt, {"do_sample": False, "seed": None}) == again(prompt, {"do_sample": False})
    draws = [model(prompt, {"do_sample": False}) for _ in range(200)]
    right = sum(model.right_draws.values())
    assert 70 < right < 135 and len(set(draws)) > 50  # about half right, and written many ways


def test_right_answers_apply_to_give_the_fixed_file_whatever_the_noise(tmp_path: Path) -> None:
    task = load_tasks(CORPORA, "quixbugs")[0]
    for seed in range(12):
        root = tmp_path / str(seed)
        for rel, text in task.files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        report = apply_answer(root, right_answer(task, random.Random(seed)), EditPolicy())
        path, fixed = next(iter(task.fixed.items()))
        assert report.ok and (root / path).read_text().strip() == fixed.strip(), report.feedback


def test_the_ideal_share_is_one_minus_the_chance_that_every_sample_is_wrong() -> None:
    assert ideal_share(0.2, 4, 3) == pytest.approx(1 - 0.8**12)
    assert ideal_share(0.0, 4, 3) == 0 and ideal_share(1.0, 1, 1) == 1
