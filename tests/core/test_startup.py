"""Start-up checks of `serve` and `worker` (the private key, Redis), `codellama-bot ready`, and settings read
from a .env file by the program itself."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from core.errors import ConfigurationError
from core.settings import Settings, load_settings
from core.startup import check_private_key, redacted, redis_problem
from tests.conftest import REPO_ROOT, free_port, wait_until
from tests.processes import BotProcess, child_env
from tests.stand_ins.tgi_server import TGIStandIn

WAIT_S = 3


def _pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    return _pem(
        rsa.generate_private_key(public_exponent=65537, key_size=2048), serialization.PrivateFormat.PKCS8
    )


@pytest.fixture
def key_file(tmp_path: Path, rsa_pem: bytes) -> Path:
    path = tmp_path / "app.pem"
    path.write_bytes(rsa_pem)
    return path


def _cli(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
    )


def _base_env(key: Path, redis_url: str) -> dict[str, str]:
    return {
        "GITHUB_APP_ID": "1",
        "GITHUB_PRIVATE_KEY_PATH": str(key),
        "GITHUB_WEBHOOK_SECRET": "s3cret",
        "REDIS_URL": redis_url,
        "REDIS_WAIT_S": str(WAIT_S),
    }


BAD_KEYS = {
    "empty": b"",
    "not PEM": b"this is not a key\n",
    "a certificate-looking PEM": b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    "a truncated RSA key": b"-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\n",
}


@pytest.mark.parametrize("command", ["serve", "worker"])
@pytest.mark.parametrize("what", sorted(BAD_KEYS))
def test_a_key_file_that_holds_no_rsa_key_stops_start_up_in_one_line(
    command: str, what: str, tmp_path: Path, redis_url: str
) -> None:
    key = tmp_path / "app.pem"
    key.write_bytes(BAD_KEYS[what])
    done = _cli(command, env=_base_env(key, redis_url))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("codellama-bot: GITHUB_PRIVATE_KEY_PATH=") and str(key) in lines[0]


def test_an_ec_key_is_named_as_not_rsa(tmp_path: Path, redis_url: str) -> None:
    key = tmp_path / "ec.pem"
    key.write_bytes(_pem(ec.generate_private_key(ec.SECP256R1()), serialization.PrivateFormat.PKCS8))
    done = _cli("worker", env=_base_env(key, redis_url))
    assert done.returncode == 2
    assert "not an RSA private key" in done.stderr and "GITHUB_PRIVATE_KEY_PATH" in done.stderr


def test_key_text_in_the_environment_is_named_by_its_own_setting() -> None:
    settings = Settings(github_app_id=1, github_private_key="-----BEGIN RSA PRIVATE KEY-----\nxx\n")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"^GITHUB_PRIVATE_KEY is not a readable PEM private key"):
        check_private_key(settings)


def test_a_real_rsa_key_passes_in_either_pem_form(rsa_pem: bytes) -> None:
    key = serialization.load_pem_private_key(rsa_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        check_private_key(Settings(github_app_id=1, github_private_key=_pem(key, fmt).decode()))  # type: ignore[arg-type]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_without_redis_start_up_waits_redis_wait_s_then_names_redis_url(command: str, key_file: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    done = _cli(command, env=_base_env(key_file, url), timeout=WAIT_S + 30)
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"codellama-bot: Redis at REDIS_URL={url} does not answer"), done.stderr
    assert f"after waiting {WAIT_S} s (REDIS_WAIT_S)" in last
    assert "Traceback" not in done.stderr
    assert took >= WAIT_S  # it waited, and (the subprocess timeout) not without bound


def test_a_receiver_started_before_redis_serves_once_redis_answers(
    key_file: Path, tmp_path: Path, redis_server: str
) -> None:
    # Redis that comes up within REDIS_WAIT_S (compose and run.sh start both at once) is waited for.
    redis_port, http_port = free_port(), free_port()
    env = _base_env(key_file, f"redis://127.0.0.1:{redis_port}/0") | {"REDIS_WAIT_S": "60"}
    receiver = BotProcess(["serve", "--port", str(http_port)], env, tmp_path / "serve.log")
    redis_proc: subprocess.Popen[bytes] | None = None
    try:
        wait_until(lambda: "waiting up to 60 s" in receiver.log(), 30, "the receiver to wait for Redis")
        redis_proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(tmp_path),
            ],
            stdout=subprocess.DEVNULL,
        )

        def answers() -> bool:
            assert receiver.proc.poll() is None, receiver.log()
            try:
                return requests.get(f"http://127.0.0.1:{http_port}/healthz", timeout=1).ok
            except requests.RequestException:
                return False

        wait_until(answers, 60, "the receiver to serve after Redis came up")
    finally:
        receiver.stop()
        if redis_proc is not None:
            redis_proc.terminate()
            redis_proc.wait(timeout=10)


@pytest.fixture
def tgi() -> Iterator[TGIStandIn]:
    with TGIStandIn() as stand_in:
        yield stand_in


def test_ready_says_ready_when_redis_and_the_model_server_answer(redis_url: str, tgi: TGIStandIn) -> None:
    done = _cli("ready", "--worker", env={"REDIS_URL": redis_url, "TGI_URL": tgi.url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ready: Redis answers, the model server answers"


def test_ready_without_redis_exits_1_naming_redis_url(tgi: TGIStandIn) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    for args in (("ready",), ("ready", "--worker")):
        done = _cli(*args, env={"REDIS_URL": url, "TGI_URL": tgi.url})
        assert done.returncode == 1
        assert done.stderr.startswith(f"not ready: Redis at REDIS_URL={url} does not answer")
        assert "model server" not in done.stderr


def test_ready_for_a_worker_checks_the_model_server(redis_url: str, tgi: TGIStandIn) -> None:
    assert _cli("ready", env={"REDIS_URL": redis_url, "TGI_URL": "http://127.0.0.1:9"}).returncode == 0
    dead = f"http://127.0.0.1:{free_port()}"
    done = _cli("ready", "--worker", env={"REDIS_URL": redis_url, "TGI_URL": dead})
    assert done.returncode == 1 and f"no model server answers at {dead}" in done.stderr
    tgi.healthy = False
    done = _cli("ready", "--worker", env={"REDIS_URL": redis_url, "TGI_URL": tgi.url})
    assert done.returncode == 1 and "not healthy (GET /health answered 503" in done.stderr


def test_the_program_reads_dotenv_itself_empty_values_unset_environment_wins(
    tmp_path: Path, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "GITHUB_APP_ID=7\n"
        "GITHUB_PRIVATE_KEY=\n"
        f"GITHUB_PRIVATE_KEY_PATH={key_file}\n"
        "COMMAND_PREFIX=/llama\n"
        "TGI_URL=http://from-the-file:8080\n"
        "BOT_BRANCH_PREFIX=\n"
    )
    monkeypatch.setenv("CODELLAMA_ENV_FILE", str(dotenv))
    monkeypatch.setenv("TGI_URL", "http://from-the-environment:8080")
    settings = load_settings()
    assert settings.github_app_id == 7 and settings.github_private_key is None
    assert settings.command_prefix == "/llama"
    assert settings.tgi_url == "http://from-the-environment:8080"
    assert settings.bot_branch_prefix == "codellama/"  # empty: the default
    check_private_key(settings)


def test_dotenv_example_is_valid_and_only_a_named_file_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODELLAMA_ENV_FILE", str(REPO_ROOT / ".env.example"))
    settings = load_settings()
    assert settings.command_prefix == "/codellama" and settings.github_private_key is None
    assert settings.redis_wait_s == 30
    monkeypatch.setenv("CODELLAMA_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(ConfigurationError, match=r"CODELLAMA_ENV_FILE=.*missing\.env is not a file"):
        load_settings()
    (tmp_path / ".env").write_text("GITHUB_APP_ID=9\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CODELLAMA_ENV_FILE")
    assert load_settings().github_app_id == 9  # .env in the working directory by default
    monkeypatch.setenv("CODELLAMA_ENV_FILE", "/dev/null")
    assert load_settings().github_app_id is None


def test_key_text_with_escaped_newlines_gets_a_hint(rsa_pem: bytes) -> None:
    # A common slip in container environments: the PEM on one line with literal \n sequences.
    one_line = rsa_pem.decode().strip().replace("\n", "\\n")
    settings = Settings(github_app_id=1, github_private_key=one_line)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match=r"the two characters \\n where line breaks belong"):
        check_private_key(settings)


def test_a_password_in_redis_url_never_reaches_a_message() -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"
    problem = redis_problem(url, timeout_s=1)
    assert problem is not None and "hunter2" not in problem
    assert f"REDIS_URL=redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]}" in problem
    assert redacted("redis://user:pw@host:1/0") == "redis://user:***@host:1/0"
    assert redacted("redis://host:1/0") == "redis://host:1/0"
