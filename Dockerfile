# The webhook receiver and the worker share one image; compose picks the command.
FROM python:3.11-slim-bookworm

# git for clones and pushes; bubblewrap and setpriv (util-linux) for the sandbox that repository code runs in;
# the toolchains of the languages repositories are set up and tested in by convention (Node.js and npm,
# Go, Rust's cargo, a JDK and Maven), under /usr where the sandbox sees them read-only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git bubblewrap util-linux ca-certificates \
       nodejs npm golang-go cargo default-jdk-headless maven \
    && rm -rf /var/lib/apt/lists/* \
    # Debian's nodejs leaves corepack out; npm installs it (yarn and pnpm then come through it).
    && (command -v corepack >/dev/null || npm install -g corepack --no-audit --no-fund) \
    # A uid of its own: RLIMIT_NPROC counts per host uid, across containers (Redis's image runs as 999).
    && useradd --system --user-group --uid 64999 --no-create-home --shell /usr/sbin/nologin codellama-sandbox

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY workers ./workers
COPY inference ./inference
COPY core ./core
RUN pip install --no-cache-dir ".[toolchains]" pytest

ENV BOT_WORKDIR=/var/lib/codellama/work
VOLUME ["/var/lib/codellama/work"]
EXPOSE 8000
ENTRYPOINT ["codellama-bot"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
