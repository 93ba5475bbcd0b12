"""Hostile input, row by row: what the tool must refuse, and that a refusal leaves no file behind.

Each row is what a user might feed the command line (a figures file, a report, a path) with the
exit status and the words of the message they must get. Rows that are refused also assert that
the output folder holds nothing afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings

BASE = """\
project:
  name: 培训经费
  unit: 某局
  year: 2024
  overview: 用于年度培训。
funds:
  budget_initial: 100
  spent: 95
indicators:
  - level1: 产出指标
    level2: 数量指标
    name: 培训人数
    target: "≥100人"
    actual: 120
    weight: 50
    evidence: 按计划组织培训
facts:
  - {name: 新增学员, value: 30, unit: 人}
"""


def figures(*edits: tuple[str, str]) -> str:
    """Return the base figures with each (old, new) text replaced once; a missing old text is a test bug."""
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def cli(*args: str) -> tuple[int, str]:
    """Run the command line in-process; return the exit status and everything it printed."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output  # stdout and stderr, interleaved as a terminal shows them


def left_in(folder: Path) -> list[str]:
    """Return every file or folder name under folder (hidden temporaries included)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


REFUSED = [
    # Impossible values
    ("spent_inf", figures(("spent: 95", "spent: .inf")), "funds.spent", "有限的数字"),
    ("spent_nan", figures(("spent: 95", "spent: .nan")), "funds.spent", "有限的数字"),
    ("actual_nan", figures(("actual: 120", "actual: .nan")), "indicators[0].actual", "有限的数字"),
    ("weight_1e308", figures(("weight: 50", "weight: 1.0e+308")), "indicators[0].weight", "应不大于 100"),
    ("weight_1e308_text", figures(("weight: 50", "weight: 1e308")), "indicators[0].weight", "应不大于 100"),
    ("facts_nan", figures(("value: 30", "value: .nan")), "facts[0].value", "有限的数字"),
    ("facts_inf", figures(("value: 30", "value: -.inf")), "facts[0].value", "有限的数字"),
    ("spent_true", figures(("spent: 95", "spent: true")), "funds.spent", "是/否值"),
    ("actual_yes", figures(("actual: 120", "actual: yes")), "indicators[0].actual", "是/否值"),
    ("money_1e308", figures(("budget_initial: 100", "budget_initial: 1.0e+308")), "funds.budget_initial", "数值过大"),
    ("money_1e13_yuan", figures(("budget_initial: 100", "budget_initial: 2000000000")), "funds.budget_initial",
     "超出合理范围"),
    # Ambiguous input
    ("duplicate_key", figures(("spent: 95", "spent: 95\n  spent: 96")), "funds.spent", "写了两次"),
    ("zero_width_name", figures(("name: 培训经费", 'name: "\\u200b\\u200b"')), "project.name", "不可见字符"),
    ("rtl_name", figures(("name: 培训经费", 'name: "\\u200f\\u202e"')), "project.name", "从右到左标记"),
    ("filler_name", figures(("name: 培训经费", 'name: "\\u3164"')), "project.name", "只含空白或不可见字符"),
    ("target_no_number", figures(('target: "≥100人"', 'target: "≥abc"')), "indicators[0].target", "没有数值"),
    ("target_rtl", figures(('target: "≥100人"', 'target: "\\u200f≥100人"')), "indicators[0].target", "U+200F"),
    # Control characters, which Word would refuse after the Markdown was written
    ("control_in_name", figures(("name: 培训经费", 'name: "培训\\x01经费"')), "project.name", "控制字符 U+0001"),
    ("mark_in_id", figures(("  - level1: 产出指标", "  - id: a⟧b\n    level1: 产出指标")), "indicators[0].id",
     "不能用于编号"),
    ("escape_in_evidence", figures(("evidence: 按计划组织培训", 'evidence: "按计划\\e[31m组织"')),
     "indicators[0].evidence", "控制字符 U+001B"),
]


@pytest.mark.parametrize(("text", "where", "words"), [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED])
def test_impossible_or_ambiguous_figures_are_refused_on_their_field(tmp_path: Path, text: str, where: str,
                                                                    words: str) -> None:
    (tmp_path / "p.yaml").write_text(text, "utf-8")
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert code == 2, output
    line = next((line for line in output.splitlines() if f"- {where}：" in line), "")
    assert words in line, output
    assert "\x1b" not in output and "\x01" not in output  # what the user typed is quoted, never sent raw
    assert left_in(tmp_path / "out") == []


def test_duplicate_keys_in_json_are_refused(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"project": {"name": "a", "unit": "b", "year": 2024, "year": 2025}, '
                                     '"funds": {"budget_initial": 1, "spent": 1}}', "utf-8")
    code, output = cli("draft", str(tmp_path / "p.json"), "-o", str(tmp_path / "out"))
    assert code == 2 and "project.year：键「year」出现了不止一次" in output
    assert left_in(tmp_path / "out") == []


def test_nan_is_not_called_negative(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(figures(("spent: 95", "spent: .nan")), "utf-8")
    code, output = cli("score", str(tmp_path / "p.yaml"))
    assert code == 2 and "不能为负数" not in output


def _strict(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def test_check_json_of_a_5000_digit_number_is_strict_json(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    (tmp_path / "r.md").write_text(f"全年实际支出{'9' * 5000}万元。", "utf-8")
    code, output = cli("check", str(tmp_path / "r.md"), "--figures", str(tmp_path / "p.yaml"), "--json")
    data = _strict(output)
    assert code == 1
    assert data["numbers"][0]["value"] is None and data["numbers"][0]["status"] == "contradicted"


def test_every_json_a_draft_writes_is_strict(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert code == 0, output
    written = sorted((tmp_path / "out").glob("*.json"))
    assert [p.name for p in written] == ["p.check.json", "p.json"]
    for path in written:
        _strict(path.read_text("utf-8"))


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_line_endings_do_not_change_the_check(tmp_path: Path, ending: str) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, _ = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert code == 0
    lf = (tmp_path / "out/p.md").read_text("utf-8")
    (tmp_path / "other.md").write_bytes(lf.replace("\n", ending).encode("utf-8"))
    runs = [cli("check", str(tmp_path / name), "--figures", str(tmp_path / "p.yaml"), "--json")
            for name in ("out/p.md", "other.md")]
    (code_lf, out_lf), (code_other, out_other) = runs
    assert code_lf == code_other
    assert json.loads(out_lf)["summary"] == json.loads(out_other)["summary"]
    assert json.loads(out_other)["summary"]["contradicted"] == 0


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "folder"])
@pytest.mark.parametrize("role", ["figures", "report"])
def test_only_regular_files_are_read(tmp_path: Path, kind: str, role: str) -> None:
    path = tmp_path / ("in.yaml" if role == "figures" else "in.md")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev_zero":
        path.symlink_to("/dev/zero")
    else:
        path.mkdir()
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    if role == "figures":
        code, output = cli("check", "--figures", str(path))
    else:
        code, output = cli("check", str(path), "--figures", str(tmp_path / "p.yaml"))
    assert code == 2
    assert ("不是普通文件" if kind != "folder" else "文件夹") in output


HOSTILE = """\
project:
  name: "<script>alert(1)</script>培训[bold]经费[/bold]"
  unit: "某局<img src=x onerror=alert(2)>"
  year: 2024
  overview: "用于⟦funds.spent⟧年度培训⟦no.such⟧，[red]全部[/red]开展。"
funds:
  budget_initial: 100
  spent: 95
  deviation_reason: "<b>结余</b>⟦funds.budget_initial⟧"
indicators:
  - level1: 产出指标
    level2: 数量指标
    name: "[bold]培训人数[/bold]"
    target: "≥100人"
    actual: 120
    weight: 50
    evidence: "按计划⟦funds.spent⟧组织<i>培训</i>"
"""
LITERAL = ["&lt;script&gt;alert(1)&lt;/script&gt;培训[bold]经费[/bold]", "&lt;img src=x onerror=alert(2)&gt;",
           "用于⟦funds.spent⟧年度培训⟦no.such⟧，[red]全部[/red]开展", "[bold]培训人数[/bold]",
           "按计划⟦funds.spent⟧组织&lt;i&gt;培训&lt;/i&gt;"]


def test_user_text_is_shown_literally_and_never_interpreted(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    name = "p[x]\x1b[31m"
    (tmp_path / f"{name}.yaml").write_text(HOSTILE, "utf-8")
    code, output = cli("draft", str(tmp_path / f"{name}.yaml"), "-o", str(tmp_path / "out"))
    assert code == 0, output
    markdown = (tmp_path / f"out/{name}.md").read_text("utf-8")
    for literal in LITERAL:
        assert literal in markdown, literal
    html = MarkdownIt().render(markdown)
    assert "<script" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;" in html and "⟦no.such⟧" in html and "[bold]" in html
    # A mark typed into free text is not a figure: the overview does not state the spending.
    report = json.loads((tmp_path / f"out/{name}.json").read_text("utf-8"))
    overview = report["sections"][1]["paragraphs"][0]
    typed = next(s for s in overview if "⟦funds.spent⟧" in s["text"])
    assert typed["facts"] == [] and "95" not in typed["text"]
    # The terminal sees the escape as a sign, and rich markup in the file name as text.
    assert "\x1b" not in output and "p[x]␛[31m" in output


def test_the_word_file_holds_user_text_literally(tmp_path: Path) -> None:
    import docx

    (tmp_path / "p.yaml").write_text(HOSTILE, "utf-8")
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert code == 0, output
    document = docx.Document(str(tmp_path / "out/p.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "用于⟦funds.spent⟧年度培训⟦no.such⟧，[red]全部[/red]开展" in text
    assert "按计划⟦funds.spent⟧组织<i>培训</i>" in text


def test_the_checker_reads_escaped_markdown_as_its_reader_does(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(HOSTILE, "utf-8")
    cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    code, output = cli("check", str(tmp_path / "out/p.md"), "--figures", str(tmp_path / "p.yaml"), "--json")
    drafted = json.loads((tmp_path / "out/p.check.json").read_text("utf-8"))
    assert json.loads(output)["summary"] == drafted["summary"]


def test_escapes_in_a_report_are_shown_not_obeyed(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    (tmp_path / "r.txt").write_text("全年实际支出\x1b[2J95万元。\x1b]0;title\x07", "utf-8")
    code, output = cli("check", str(tmp_path / "r.txt"), "--figures", str(tmp_path / "p.yaml"))
    assert "\x1b" not in output and "\x07" not in output and "␛[2J" in output


# ---------------------------------------------------------------- a project is all or nothing


def test_a_long_file_name_that_fits_is_drafted_whole(tmp_path: Path) -> None:
    stem = "长" * 75 + "a" * 2  # 227 bytes: NAME.check.json is 238, under the 255-byte limit
    (tmp_path / f"{stem}.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", str(tmp_path / f"{stem}.yaml"), "-o", str(tmp_path / "out"))
    assert code == 0, output
    suffixes = (".check.json", ".docx", ".json", ".md", ".review.md")
    assert left_in(tmp_path / "out") == sorted(f"{stem}{s}" for s in suffixes)


def test_a_file_name_too_long_for_its_outputs_is_refused_before_any_work(tmp_path: Path) -> None:
    stem = "长" * 80 + "a" * 5  # 245 bytes: the figures file fits, NAME.check.json (256) does not
    (tmp_path / f"{stem}.yaml").write_text(BASE, "utf-8")
    (tmp_path / "ok.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", str(tmp_path / f"{stem}.yaml"), str(tmp_path / "ok.yaml"), "-o", str(tmp_path / "out"))
    assert code == 2 and "文件名过长" in output and "256 字节" in output
    assert left_in(tmp_path / "out") == ["ok.check.json", "ok.docx", "ok.json", "ok.md", "ok.review.md"]


def test_inputs_whose_outputs_would_clash_are_all_refused(tmp_path: Path) -> None:
    for suffix in (".yaml", ".yml"):
        (tmp_path / f"proj{suffix}").write_text(BASE, "utf-8")
    (tmp_path / "proj.json").write_text(json.dumps({"project": {"name": "a", "unit": "b", "year": 2024},
                                                    "funds": {"budget_initial": 1, "spent": 1}}), "utf-8")
    code, output = cli("draft", str(tmp_path), "-o", str(tmp_path / "out"))
    assert code == 2 and output.count("的输出同名") == 3 and "跳过" not in output
    assert left_in(tmp_path / "out") == []


def test_other_settings_are_not_up_to_date(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    runs = [cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"), *extra)
            for extra in ((), (), ("--scheme", "sichuan"))]
    assert [code for code, _ in runs] == [0, 0, 0]
    assert "跳过" not in runs[0][1] and "跳过" in runs[1][1] and "跳过" not in runs[2][1]
    data = json.loads((tmp_path / "out/p.json").read_text("utf-8"))
    assert data["scheme"] == "sichuan" and data["drafted_from"]["scheme"] == "sichuan"
    assert data["drafted_from"]["writer"] == "template" and len(data["drafted_from"]["figures_sha256"]) == 64


def test_output_folder_that_is_a_file_is_named_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    (tmp_path / "out").write_text("x", "utf-8")
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "out"))
    assert code == 2 and "是一个文件，不是文件夹" in output and "Errno" not in output


def test_an_output_folder_that_cannot_be_created_is_named_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "p.yaml" / "out"))
    assert code == 2 and "路径中有一部分是文件" in output and "Errno" not in output


def test_an_unwritable_output_folder_is_named_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o500)
    target = folder if os.geteuid() != 0 else Path("/sys/assistant-test-out")  # root may write anywhere but sysfs
    code, output = cli("draft", str(tmp_path / "p.yaml"), "-o", str(target))
    assert code == 2 and "没有权限" in output and "Errno" not in output


def test_ctrl_c_stops_without_waiting_for_the_model_and_leaves_no_partial_project(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    from tests.fake_openai import FakeOpenAI

    server = FakeOpenAI(delay=60.0).start()  # a model far slower than the wait below
    try:
        for n in range(3):
            (tmp_path / f"p{n}.yaml").write_text(BASE, "utf-8")
        args = [sys.executable, "-m", "assistant", "draft", *(f"p{n}.yaml" for n in range(3)), "-o", "out",
                "--backend", "openai", "--model", "slow", "--base-url", server.url, "--index", "no-index"]
        proc = subprocess.Popen(args, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "COLUMNS": "200"})
        for _ in range(600):  # until the first request reaches the model
            if server.requests or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert server.requests, proc.communicate()
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)  # the model would answer only after 60 s
        except subprocess.TimeoutExpired:
            # Seen once in a full run on a loaded machine: the first signal was not acted on. A user presses
            # Ctrl-C again; the project must still be left whole or not at all.
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=10)
    finally:
        server.stop()
        if proc.poll() is None:  # never leave the child running (its pipes would leak into later tests)
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130 and "已中断" in err and "Traceback" not in err
    assert left_in(tmp_path / "out") == []


# ---------------------------------------------------------------- messages a user can cause


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("search", "培训", "-k", "0"), "选项 -k/--top 的取值无效：应不小于 1，收到「0」"),
        (("search", "培训", "--year", "abc"), "选项 --year 的取值无效：应为整数，收到「abc」"),
        (("draft",), "缺少参数 FIGURES"),
        (("draft", "p.yaml", "--colour", "red"), "没有选项 --colour"),
        (("check", "--figures"), "选项 --figures 的用法不对"),
        (("frob",), "没有命令「frob」"),
    ],
)
def test_usage_errors_are_plain_chinese(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    code, output = cli(*args)
    assert code == 2 and words in output, output
    assert "Invalid value" not in output and "Error" not in output and "Usage" not in output


@pytest.mark.parametrize(
    ("env", "toml", "words"),
    [
        ({"ASSISTANT_TIMEOUT": "abc"}, "", "timeout（环境变量 ASSISTANT_TIMEOUT 或 assistant.toml 中的 timeout）："),
        ({"ASSISTANT_BACKEND": "gpt"}, "", "取值「gpt」不在可选范围内"),
        ({}, "colour = 'red'\n", "colour（环境变量 ASSISTANT_COLOUR 或 assistant.toml 中的 colour）：未知字段"),
        ({}, "concurrency = 0\n", "concurrency（--concurrency、环境变量 ASSISTANT_CONCURRENCY"),
    ],
)
def test_settings_errors_are_plain_chinese(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                           toml: str, words: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    if toml:
        (tmp_path / "assistant.toml").write_text(toml, "utf-8")
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", "p.yaml", "-o", "out")
    assert code == 2 and "设置有误" in output and words in output, output
    assert "Input should" not in output and left_in(tmp_path / "out") == []


def test_an_unrelated_assistant_variable_stops_no_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_FOO", "1")
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", "p.yaml", "-o", "out")
    assert code == 0 and "设置有误" not in output, output
    assert left_in(tmp_path / "out") != []
    (tmp_path / "assistant.toml").write_text("model = 'toml'\nconcurrency = 3\n", "utf-8")
    environ = {"ASSISTANT_FOO": "1", "ASSISTANT_MODEL": "env", "OPENAI_API_KEY": "k", "ASSISTANT_TIMEOUT": ""}
    settings = Settings.load({"concurrency": 5}, environ=environ)
    assert (settings.model, settings.concurrency, settings.timeout) == ("env", 5, 60.0)
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "k"


def test_project_concurrency_flag_is_named_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(BASE, "utf-8")
    code, output = cli("draft", "p.yaml", "-o", "out", "--projects", "0")
    assert code == 2 and "project_concurrency（--projects、" in output and "应不小于 1，收到「0」" in output


# ---------------------------------------------------------------- leaks


def test_credentials_in_a_base_url_never_reach_a_file_or_the_terminal(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.fake_openai import FakeOpenAI

    server = FakeOpenAI().start()
    try:
        url = server.url.replace("http://", "http://someone:SECRET-pass-42@")
        (tmp_path / "p.yaml").write_text(BASE, "utf-8")
        done = subprocess.run([sys.executable, "-m", "assistant", "draft", "p.yaml", "-o", "out", "--backend", "openai",
                               "--model", "m", "--base-url", url, "--run-dir", "run", "--index", "no-index"],
                              cwd=tmp_path, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "COLUMNS": "200", "OPENAI_API_KEY": "sk-test-key-0123456789"})
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    record = json.loads((tmp_path / "run/p/run.json").read_text("utf-8"))
    assert record["settings"]["base_url"] == server.url.replace("http://", "http://***@")
    assert record["settings"]["api_key"] == "***"
    written = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    written += [p for p in (tmp_path / "out").rglob("*") if p.is_file() and p.suffix != ".docx"]
    assert len(written) > 10
    for path in written:
        text = path.read_text("utf-8")
        assert "SECRET-pass-42" not in text and "someone" not in text and "sk-test-key" not in text, path
    assert "SECRET-pass-42" not in done.stdout + done.stderr


def test_public_settings_mask_every_kind_of_credential() -> None:
    from pydantic import BaseModel, SecretStr

    from assistant.secrets import public_settings, redact_text

    class WithHeaders(BaseModel):
        base_url: str = "https://u:p4ss@host/v1?api_key=qk123&x=1"
        api_key: SecretStr = SecretStr("sk-abcdef123456")
        default_headers: dict[str, str] = {"Authorization": "Bearer hdr-secret-9"}
        chroma_url: str = "http://tok3n@chroma:8000"
        context_tokens: int = 8000

    settings = WithHeaders()
    data = public_settings(settings)
    assert data["api_key"] == "***" and data["default_headers"] == {"Authorization": "***"}
    assert data["base_url"] == "https://***@host/v1?api_key=***&x=1" and data["chroma_url"] == "http://***@chroma:8000"
    assert data["context_tokens"] == 8000
    line = redact_text("连接 https://u:p4ss@host/v1 失败，Bearer hdr-secret-9，qk123，sk-abcdef123456", settings)
    assert all(s not in line for s in ("p4ss", "hdr-secret-9", "qk123", "sk-abcdef123456")), line


def test_index_never_leaves_its_folder_and_reads_only_regular_files(tmp_path: Path) -> None:
    from assistant.retrieval.index import update_index
    from assistant.retrieval.manifest import read_manifest
    from assistant.settings import Settings
    from tests.test_retrieval_index import BigramEmbedder

    corpus, private = tmp_path / "corpus", tmp_path / "private"
    corpus.mkdir()
    private.mkdir()
    (corpus / "report.md").write_text("---\ntype: report\n---\n# 某项目自评报告\n\n预算执行率为98%。\n", "utf-8")
    (private / "secret.md").write_text("# 内部文件\n\n不应被检索的内容。\n", "utf-8")
    (corpus / "linked.md").symlink_to(private / "secret.md")
    (corpus / "folder").symlink_to(private, target_is_directory=True)
    (corpus / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(corpus / "pipe.md")
    settings = Settings(index_dir=tmp_path / "idx")
    report = update_index(corpus, settings, embedder=BigramEmbedder())
    manifest = read_manifest(tmp_path / "idx")
    assert manifest is not None
    indexed = [name for name, entry in manifest.files.items() if not entry.skipped]
    assert len(indexed) == 1 and indexed[0].endswith("corpus/report.md")
    named = dict(report.skipped)
    assert "链接指向语料文件夹之外" in named[(corpus / "linked.md").as_posix()]
    assert not any("secret" in name for name in indexed)
