"""Resource limits for repository code, and how they become `prlimit` arguments."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import ConfigurationError
from core.settings import Settings

# Processes get more CPU seconds than wall seconds: a test run may use several cores at once, and the
# wall clock still ends it. The CPU limit exists to stop a single spinning process early.
CPU_PER_WALL = 2.0
# Beyond the output we keep, we read on (and throw away) up to this many times as much before killing the
# run: a chatty suite still finishes and reports, while a process printing gigabytes is cut off.
OUTPUT_KILL_FACTOR = 16
# What a JVM reserves for class metadata and compiled code, enough for Maven, Gradle and their test forks.
JVM_CLASS_SPACE_MB = 128
JVM_CODE_CACHE_MB = 64


@dataclass(frozen=True)
class SandboxLimits:
    """Per-run limits. CPU, memory and file size apply per process; processes count per sandbox user."""

    cpu_s: int
    memory_mb: int
    max_procs: int
    max_file_mb: int
    wall_s: float
    output_bytes: int

    def __post_init__(self) -> None:
        for name in ("cpu_s", "memory_mb", "max_procs", "max_file_mb", "wall_s", "output_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"sandbox limit {name} must be positive, got {getattr(self, name)}")

    @property
    def output_kill_bytes(self) -> int:
        """Total output after which the run is killed rather than read and discarded."""
        return self.output_bytes * OUTPUT_KILL_FACTOR

    def prlimit_args(self) -> list[str]:
        """util-linux `prlimit` options that set these limits; hard limits too, so code cannot raise them."""
        mib = 1024 * 1024
        return [
            # A second between soft and hard limit: SIGXCPU first (Python and shells report it), then KILL.
            f"--cpu={self.cpu_s}:{self.cpu_s + 1}",
            # Address space is the only per-process memory limit rlimits offer; it over-counts mappings
            # that are never touched, so the value should leave room for runtimes that reserve a lot.
            f"--as={self.memory_mb * mib}",
            f"--nproc={self.max_procs}",
            f"--fsize={self.max_file_mb * mib}",
            "--core=0",
            "--nofile=4096",
        ]

    def jvm_options(self) -> str:
        """JAVA_TOOL_OPTIONS that let a JVM work under the address-space limit. Left alone, it sizes its heap
        from the machine's RAM and reserves 1 GiB for class metadata and 240 MiB for compiled code; under
        `--as` a Maven build with its Surefire fork then dies with "insufficient memory for the Java
        Runtime Environment". Sized from the limit instead, heap takes a quarter of it."""
        return (
            f"-XX:MaxRAM={self.memory_mb}m -XX:CompressedClassSpaceSize={JVM_CLASS_SPACE_MB}m"
            f" -XX:ReservedCodeCacheSize={JVM_CODE_CACHE_MB}m"
        )


def limits_from_settings(settings: Settings) -> SandboxLimits:
    """The limits a worker applies to setup and tests, from the one settings object."""
    wall_s = max(settings.test_timeout_s, settings.setup_timeout_s)
    return SandboxLimits(
        cpu_s=int(wall_s * CPU_PER_WALL),
        memory_mb=settings.test_memory_limit_mb,
        max_procs=settings.test_max_procs,
        max_file_mb=settings.test_max_file_mb,
        wall_s=wall_s,
        output_bytes=settings.test_output_limit_bytes,
    )
