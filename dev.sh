#!/usr/bin/env bash
# Set up the project's own virtual environment (idempotent), then run one job:
#   ./dev.sh example   draft the bundled example into out/ (Markdown, DOCX, JSON, check report)
#   ./dev.sh test      run the test suite
#   ./dev.sh bench [draft|check|chat|retrieval]   print benchmark figures (default: draft, check, chat)
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
        assistant draft eval/cases/sample-2024.yaml -o out --force "$@"
        ;;
    test)
        python -m pytest "$@"
        ;;
    bench)
        for name in ${@:-draft check chat}; do
            case "$name" in
                draft) python eval/bench.py ;;
                check) python eval/mutations.py ;;
                chat) python eval/bench_chat.py ;;
                retrieval) python eval/bench_retrieval.py ;;
                *) echo "未知的基准：$name（可选 draft、check、chat、retrieval）" >&2; exit 2 ;;
            esac
        done
        ;;
    *)
        echo "用法：./dev.sh example|test|bench [draft|check|chat|retrieval]" >&2
        exit 2
        ;;
esac
