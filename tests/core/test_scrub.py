"""The scrubber: the settings' secrets, tokens learned at run time, secret shapes; in text, prompts sent to a
model server (the TGI stand-in over HTTP) and the log records of a real process."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.scrub import MASK, Scrubber, learn_token, scrubber_for, secret_pieces
from core.settings import Settings
from inference.protocol import GenerationParams
from inference.tgi_client import TGIModel
from tests.conftest import REPO_ROOT
from tests.stand_ins.github_auth import key_pair
from tests.stand_ins.tgi_server import TGIStandIn
from workers.queue.log_scrubbing import ScrubbedModel

WEBHOOK_SECRET = "webhook-secret-never-shown"


@pytest.fixture(scope="module")
def pem() -> str:
    return key_pair()[0]


def _key_lines(pem: str) -> list[str]:
    return [ln for ln in pem.splitlines() if len(ln) >= 16 and "PRIVATE KEY" not in ln]


def test_the_whole_key_is_one_mask_and_every_line_of_it_is_masked_anywhere(pem: str) -> None:
    scrub = Scrubber([pem, WEBHOOK_SECRET])
    assert scrub(f"before\n{pem}after") == f"before\n{MASK}after"
    lines = _key_lines(pem)
    assert len(lines) > 20
    # Quoted line by line (a test's output), inside JSON (newlines escaped), or one line on its own.
    for text in (
        "\n".join(f"> {ln}" for ln in lines),
        json.dumps({"key": pem}),
        f"token={lines[7]};",
    ):
        out = scrub(text)
        assert not any(ln in out for ln in lines), out
        assert MASK in out
    assert scrub(f"secret is {WEBHOOK_SECRET}.") == f"secret is {MASK}."


def test_secret_shapes_and_url_credentials_are_masked_without_being_known() -> None:
    scrub = Scrubber()
    text = (
        "git clone https://x-access-token:abc123@github.com/o/r.git\n"
        "GH_TOKEN=ghs_0123456789abcdefghijABCDEFGHIJ012345 and ghp_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz\n"
    )
    out = scrub(text)
    assert "abc123" not in out and "ghs_0123" not in out and "ghp_AAAA" not in out
    assert "github_pat_11" not in out
    assert "https://***@github.com/o/r.git" in out
    # What merely resembles a token is left alone.
    assert scrub("ghs_short and https://github.com/o/r") == "ghs_short and https://github.com/o/r"


def test_a_token_learned_after_the_scrubber_was_made_is_masked_by_it() -> None:
    scrub = Scrubber(["unrelated-secret"])
    token = "v1.4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b"  # an old-style token: no ghs_ shape to catch
    assert scrub(f"push with {token}") == f"push with {token}"
    learn_token(token)
    assert scrub(f"push with {token}") == f"push with {MASK}"
    assert Scrubber()(f"[{token}]") == f"[{MASK}]"


def test_settings_secrets_include_the_key_file(tmp_path: Path, pem: str) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(pem)
    settings = Settings(github_private_key_path=key_file, github_webhook_secret=WEBHOOK_SECRET)
    assert pem in settings.secret_values() and WEBHOOK_SECRET in settings.secret_values()
    scrub = scrubber_for(settings)
    assert scrubber_for(settings) is scrub
    assert scrub(f"{_key_lines(pem)[3]} {WEBHOOK_SECRET}") == f"{MASK} {MASK}"
    # A key file that cannot be read is no secret to scrub, and no crash.
    missing = Settings(github_private_key_path=tmp_path / "gone.pem")
    assert missing.secret_values() == []


def test_short_secrets_and_short_key_lines_do_not_garble_text(caplog: pytest.LogCaptureFixture) -> None:
    assert secret_pieces(["abc"]) == []
    scrubber_for(Settings(github_webhook_secret="xyz"))
    assert "shorter than 4 characters is not masked" in caplog.text
    pieces = secret_pieces(["-----BEGIN X-----\nAAAAAAAAAAAAAAAAAAAAAAAA\nAb==\n-----END X-----\n"])
    assert "Ab==" not in pieces and "AAAAAAAAAAAAAAAAAAAAAAAA" in pieces
    assert Scrubber(["abc"])("abc abc") == "abc abc"


def test_prompts_reach_the_model_server_scrubbed(pem: str) -> None:
    scrub = Scrubber([pem, WEBHOOK_SECRET])
    leaked_line = _key_lines(pem)[5]
    prompt = f"[INST] The test printed:\n{leaked_line}\nand {WEBHOOK_SECRET} [/INST]"
    with TGIStandIn(["an answer", "another"]) as tgi:
        with TGIModel(tgi.url, timeout_s=10, retries=1, backoff_base_s=0.05) as model:
            scrubbed = ScrubbedModel(model, scrub)
            params = GenerationParams(max_new_tokens=16)
            assert scrubbed.generate(prompt, params).text == "an answer"
            scrubbed.generate_many(prompt, [params])
        sent = tgi.prompts()
    assert len(sent) == 2
    for text in sent:
        assert leaked_line not in text and WEBHOOK_SECRET not in text
        assert f"The test printed:\n{MASK}\nand {MASK}" in text


LOGGING_SCRIPT = textwrap.dedent(
    """
    import logging, sys
    from core.scrub import learn_token
    from core.settings import Settings
    from workers.queue.log_scrubbing import scrub_worker_logs

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(name)s %(message)s")
    scrub_worker_logs(Settings(github_webhook_secret=sys.argv[1]))
    learn_token(sys.argv[2])
    log = logging.getLogger("codellama.job")
    log.info("args: %s and %r", sys.argv[1], {"token": sys.argv[2]})
    log.warning(sys.argv[1] + " as the message itself")
    try:
        raise RuntimeError("push failed for " + sys.argv[2])
    except RuntimeError:
        log.exception("job crashed")
    logging.getLogger("celery.worker").error("stack", stack_info=True, extra={"x": sys.argv[1]})
    """
)


def test_every_log_record_of_a_process_is_scrubbed(tmp_path: Path) -> None:
    token = "v1.9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b"
    result = subprocess.run(
        [sys.executable, "-c", LOGGING_SCRIPT, WEBHOOK_SECRET, token],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    err = result.stderr
    assert WEBHOOK_SECRET not in err and token not in err, err
    assert f"args: {MASK} and {{'token': '{MASK}'}}" in err
    assert f"{MASK} as the message itself" in err
    assert f"RuntimeError: push failed for {MASK}" in err and "Traceback" in err
