"""How a `codellama-bot` command ends: its documented exit codes, and one line instead of a traceback.

| code | meaning                                                                          |
| ---- | -------------------------------------------------------------------------------- |
| 0    | done: fixed, applied, listed, served                                             |
| 1    | ran, but failed or gave up (no fix found, an answer refused)                     |
| 2    | an argument, a path, a checkout or a setting is wrong; the line says what to do  |
| 70   | a bug in codellama-bot (EX_SOFTWARE); `--debug` shows the traceback              |
| 130  | interrupted (Ctrl-C, SIGINT)                                                     |
| 141  | standard output was closed early (piped into `head`); nothing is printed         |
| 143  | terminated (SIGTERM)                                                             |
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType
from typing import NoReturn

from pydantic import ValidationError

from core.errors import BotError, ModelUnavailable

OK, FAILED, USAGE, INTERNAL = 0, 1, 2, 70
INTERRUPTED, BROKEN_PIPE, TERMINATED = 130, 141, 143
PROG = "codellama-bot"
_MAX_LINE = 2000


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises KeyboardInterrupt, so `finally` blocks clean up.

    A BaseException, like KeyboardInterrupt, so that no `except Exception` on the way swallows it."""


def one_line(text: str) -> str:
    """Whitespace (newlines included) collapsed, and bounded: git and pydantic write paragraphs."""
    line = " ".join(text.split())
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."


def say(what: str) -> None:
    """The one line a failed command prints, on stderr."""
    print(f"{PROG}: {one_line(what)}", file=sys.stderr, flush=True)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a wrong argument is one line naming the `--help` to read (argparse prints the usage
    block first, which buries the reason)."""

    def error(self, message: str) -> NoReturn:
        say(f"{message}; see `{self.prog} --help`")
        self.exit(USAGE)


def settings_problem(exc: ValidationError) -> str:
    """Which settings are wrong and why, by the names people set, never echoing a value (it may be secret)."""
    if exc.title != "Settings":
        wrong = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'input'}: {e['msg']}" for e in exc.errors())
        return f"invalid input: {wrong}"
    wrong = "; ".join(
        f"{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors(include_input=False)
    )
    return f"invalid setting(s): {wrong}; correct them in the environment or in .env"


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _stopped(code: int, what: str) -> int:
    # A second Ctrl-C while we say goodbye must not turn into a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    say(what)
    if threading.active_count() > 1:
        # Threads still busy (a model request that takes minutes, a candidate's test run) would hold the
        # interpreter's exit until they finish; `finally` blocks have already cleaned up on the way here,
        # and sandboxed commands die with their thread (bubblewrap's --die-with-parent).
        sys.stdout.flush()
        os._exit(code)
    return code


def raise_on_sigterm() -> None:
    """For one-shot commands: SIGTERM unwinds like Ctrl-C (the services install their own handlers)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)


def run_guarded(command: Callable[[], int], *, debug: bool) -> int:
    """Run a command; turn every way it can end into an exit code, and every error into one line."""
    try:
        code = command()
        sys.stdout.flush()  # here, so that a closed pipe is an exception we catch, not one at exit
        return code
    except KeyboardInterrupt:
        return _stopped(INTERRUPTED, "interrupted (Ctrl-C); stopped. Run the command again to start over")
    except Terminated:
        return _stopped(TERMINATED, "terminated (SIGTERM); stopped. Run the command again to start over")
    except BrokenPipeError:
        # Whoever read our output went away (`| head`): stay quiet, and keep Python's own flush at exit
        # from raising again on the closed pipe.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return BROKEN_PIPE
    except SystemExit as exc:  # argparse (--help, a wrong argument), Celery's worker at its end
        if isinstance(exc.code, str):  # `raise SystemExit("message")`: a message, not a status
            say(exc.code)
            return USAGE
        return OK if exc.code is None else exc.code
    except ValidationError as exc:
        _debug_traceback(debug)
        say(settings_problem(exc))
        return USAGE
    except ModelUnavailable as exc:
        _debug_traceback(debug)
        say(f"no model server: {exc}; start it, or point TGI_URL at one")
        return USAGE
    except BotError as exc:
        _debug_traceback(debug)
        say(str(exc) or type(exc).__name__)
        return USAGE
    except Exception as exc:
        if debug:
            traceback.print_exc()
            say(f"internal error: {type(exc).__name__}: {exc}; the traceback is above; please report it")
        else:
            say(
                f"internal error: {type(exc).__name__}: {exc}; this is a bug in codellama-bot: rerun with "
                "--debug to see the traceback, and report it"
            )
        return INTERNAL


def _debug_traceback(debug: bool) -> None:
    if debug:
        traceback.print_exc()
