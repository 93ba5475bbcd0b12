#!/usr/bin/env bash
# Set up the project's own virtual environment (idempotent), then run one job:
#   ./dev.sh example   draft the bundled example into out/ (Markdown, DOCX, JSON, check report)
#   ./dev.sh test      run the test suite
#   ./dev.sh bench     print the benchmarks
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv
stamp=$VENV/.installed
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
# Reinstall only when the dependency list changed since the last install.
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[dev]"
    touch "$stamp"
fi
export PATH="$PWD/$VENV/bin:$PATH"
job=${1:-example}
shift || true
case "$job" in
    example)
        assistant draft eval/cases/sample-2024.yaml -o out "$@"
        ;;
    test)
        python -m pytest "$@"
        ;;
    bench)
        python eval/bench.py "$@"
        ;;
    *)
        echo "用法：./dev.sh example|test|bench" >&2
        exit 2
        ;;
esac
