# Shared by the entry points in scripts/: find a Python that can run the pipeline, then hand
# the command to its front (scripts/core/front.py), which parses the options, checks and sets
# up what the chosen work needs, and runs the nox sessions. Source it; do not run it.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}

fail() { printf '\033[1;31m[%s] error:\033[0m %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# Runs `python -m core.front COMMAND ARGS...`; the front checks the Python version itself.
run_front() {
    command -v "$PYTHON" >/dev/null ||
        fail "no '$PYTHON' on PATH. Install Python 3 (Debian: apt-get install python3), or set PYTHON=/path/to/python3."
    PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}" exec "$PYTHON" -m core.front "$@"
}
