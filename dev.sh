#!/usr/bin/env bash
# Set up the project's own virtual environment (idempotent), then run one job:
#   ./dev.sh example   draft the bundled example into out/ (Markdown, DOCX, JSON, check report)
#   ./dev.sh test      run the test suite
#   ./dev.sh bench [draft|check|chat|retrieval|hostile|slot|ui|xlsx|review]   print benchmark figures (default: draft, check, chat)
#   ./dev.sh eval [OPTIONS]   the evaluation harness over eval/cases/ into out/eval/, judged against eval/baseline.json
#   ./dev.sh shots [FOLDER]   screenshots of every tab of the app at 1366×768 (default docs/screenshots)
#   ./dev.sh render [FIGURES...]   draft eval/cases/ (or the files named) into out/render/, then each DOCX
#                                  as out/render/pages/NAME.pdf and NAME-N.png through LibreOffice, to look at
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

# Debian packages some tests and commands need (browser, fonts, LibreOffice, poppler): installed only when
# missing, and only where apt-get can run as root (CI does); elsewhere the tests that need them say so.
need_apt() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "安装系统软件包：${missing[*]}" >&2
        apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "缺少系统软件包（需要 root 安装）：${missing[*]}" >&2
    fi
}
TEST_APT=(chromium fonts-noto-cjk fonts-wqy-microhei libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils)
job=${1:-example}
shift || true
case "$job" in
    example)
        assistant draft eval/cases/sample-2024.yaml -o out --force "$@"
        ;;
    test)
        need_apt "${TEST_APT[@]}"
        python -m pytest "$@"
        ;;
    render)
        need_apt libreoffice-writer-nogui poppler-utils fonts-noto-cjk
        dir=out/render
        rm -rf "$dir" && mkdir -p "$dir/pages"
        assistant draft "${@:-eval/cases}" -o "$dir" --force || [ $? -eq 1 ]
        # A profile of its own, so that a LibreOffice already running (or a parallel render) does
        # not swallow the conversion.
        profile=$(mktemp -d)
        soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf --outdir "$dir/pages" \
            "$dir"/*.docx >/dev/null 2>&1 || true
        rm -rf "$profile"
        for docx in "$dir"/*.docx; do
            name=$(basename "$docx" .docx)
            pdf="$dir/pages/$name.pdf"
            [ -s "$pdf" ] || { echo "$name：LibreOffice 未能转换为 PDF" >&2; exit 1; }
            pdftoppm -png -r 80 "$pdf" "$dir/pages/$name"
            echo "$name：$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}') 页 → $dir/pages/$name-*.png"
        done
        ;;
    bench)
        for name in ${@:-draft check chat}; do
            case "$name" in
                draft) python eval/bench.py ;;
                check) python eval/mutations.py ;;
                chat) python eval/bench_chat.py ;;
                retrieval) python eval/bench_retrieval.py ;;
                hostile) python eval/bench_hostile.py ;;
                slot) python eval/bench_slot.py ;;
                ui) need_apt chromium fonts-noto-cjk; python eval/bench_ui.py ;;
                xlsx) python eval/bench_xlsx.py ;;
                eval-chat) python eval/bench_eval_chat.py ;;
                review) need_apt libreoffice-writer-nogui; python eval/bench_review.py ;;
                *) echo "未知的基准：$name（可选 draft、check、chat、retrieval、hostile、slot、ui、xlsx、review）" >&2; exit 2 ;;
            esac
        done
        ;;
    eval)
        assistant eval --compare eval/baseline.json "$@"
        ;;
    shots)
        need_apt chromium fonts-noto-cjk fonts-wqy-microhei
        python eval/ui_screenshots.py "$@"
        ;;
    *)
        echo "用法：./dev.sh example|test|eval [OPTIONS]|render [FIGURES...]|bench [draft|check|chat|retrieval|hostile|slot|ui|xlsx|review]|shots [FOLDER]" >&2
        exit 2
        ;;
esac
