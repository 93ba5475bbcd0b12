"""The command line: a thin adapter from flags to the stages."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli_common import SchemeOpt, fail, figure_files, output_folder, scheme_named, settings_from
from assistant.cli_errors import ChineseErrorsGroup
from assistant.cli_tables import register as register_tables
from assistant.retrieval.commands import register as register_retrieval

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="项目支出绩效自评报告起草与核对助手", cls=ChineseErrorsGroup)

BACKEND_HELP = "起草方式：template（离线模板，默认）或 openai（OpenAI 兼容的对话模型）"
RUN_DIR_HELP = "记录每个项目的事实、检索资料、提示、回复和核对结果的文件夹（不含 API 密钥）"


@app.command()
def draft(
    figures: Annotated[list[Path], typer.Argument(
        help="项目数据文件（YAML/JSON）、自评表工作簿（.xlsx）或其所在文件夹")],
    out: Annotated[Path, typer.Option("-o", "--out", help="输出文件夹")] = Path("out"),
    scheme: SchemeOpt = None,
    backend: Annotated[str | None, typer.Option(help=BACKEND_HELP)] = None,
    model: Annotated[str | None, typer.Option(help="对话模型名称（--backend openai）")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI 兼容服务地址")] = None,
    index: Annotated[Path | None, typer.Option("--index", help="检索索引文件夹")] = None,
    run_dir: Annotated[Path | None, typer.Option("--run-dir", help=RUN_DIR_HELP)] = None,
    concurrency: Annotated[int | None, typer.Option(help="每份报告同时起草的章节数")] = None,
    projects: Annotated[int | None, typer.Option(help="同时起草的项目数")] = None,
    force: Annotated[bool, typer.Option("--force", help="输出已存在时也重新起草")] = False,
) -> None:
    """起草完整的自评报告，写出 NAME.md、NAME.docx、NAME.json 和 NAME.check.json（工作簿另写汇总表）。"""
    import logging

    from rich.console import Console

    from assistant.batch import draft_files
    from assistant.chat import ChatNotConfigured
    from assistant.retrieval.manifest import IndexUnusable

    settings = settings_from(scheme=scheme, backend=backend, model=model, base_url=base_url, index_dir=index,
                         run_dir=run_dir, concurrency=concurrency, project_concurrency=projects)
    files = figure_files(figures)
    if not files:
        fail("没有找到项目数据文件（.yaml、.yml、.json 或 .xlsx）")
    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # retries and fallbacks, on stderr
    from assistant.writers import make_writer

    try:
        writer = make_writer(settings)
    except (ChatNotConfigured, IndexUnusable) as exc:
        fail(str(exc))
    output_folder(out)
    try:
        results = draft_files(files, out, scheme_named(settings.scheme), Console(stderr=True), settings=settings,
                              writer=writer, force=force)
    except KeyboardInterrupt:
        # Worker threads may be waiting on a model; exit now rather than wait for them. Nothing of an
        # unfinished project was moved in (draft_files removed their hidden folders).
        typer.echo("已中断：已完成的项目已写出，未完成的项目没有写出任何文件。", err=True)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(130)
    finally:
        writer.close()
    if any(r.error for r in results):
        raise typer.Exit(2)


@app.command()
def score(
    figures: Annotated[Path, typer.Argument(help="项目数据文件（YAML/JSON）或单个项目的自评表（.xlsx）")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（供程序读取）")] = False,
    scheme: SchemeOpt = None,
) -> None:
    """打印事实表、评分表和等级。"""
    from assistant.diagnose import diagnose
    from assistant.facts import build_facts
    from assistant.figures import FiguresError
    from assistant.sources import load_figures

    settings = settings_from(scheme=scheme)
    try:
        fig = load_figures(figures)
    except FiguresError as exc:
        fail(str(exc))
    table = build_facts(fig, scheme_named(settings.scheme))
    findings = diagnose(table)
    if as_json:
        from assistant.report import fact_data, score_sheet_data

        data = {"facts": [fact_data(f) for f in table], "score_sheet": score_sheet_data(table),
                "findings": [f.to_json() for f in findings]}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2) + "\n")
        return
    from assistant.show import show_score

    show_score(table, findings)


@app.command()
def check(
    report: Annotated[Path | None, typer.Argument(
        help="要核对的报告（.md、.txt、.docx、.pdf）；省略时只诊断项目数据")] = None,
    figures: Annotated[Path, typer.Option("--figures", "-f", help=(
        "项目数据文件（YAML/JSON/XLSX）；省略时从 .docx/.pdf 报告的自评表中读取，按报告自身的表格核对"))] = Path(),
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（FORMAT.md §3）")] = False,
    scheme: SchemeOpt = None,
) -> None:
    """核对报告中的每一个数字；退出码 0 无错误，1 有错误，2 输入无法读取。"""
    from assistant.check import CheckResult
    from assistant.diagnose import diagnose
    from assistant.facts import build_facts
    from assistant.figures import FiguresError
    from assistant.report_check import check_report
    from assistant.report_text import ReportReadError, read_report_text
    from assistant.sources import load_figures

    if figures == Path() and report is not None and report.suffix.lower() in (".docx", ".pdf"):
        _check_against_own_table(report, as_json, scheme)
    if figures == Path():
        fail("请用 --figures 指定项目数据文件（.docx、.pdf 报告可省略，按其中的自评表核对）")
    settings = settings_from(scheme=scheme)
    try:
        table = build_facts(load_figures(figures), scheme_named(settings.scheme))
        text = read_report_text(report) if report else ""
    except (FiguresError, ReportReadError) as exc:
        fail(str(exc))
    result = check_report(text, table) if report else CheckResult((), tuple(diagnose(table)))
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, allow_nan=False, indent=2) + "\n")
    else:
        from assistant.show import show_check

        show_check(text, result)
    raise typer.Exit(1 if result.errors else 0)


def _check_against_own_table(report: Path, as_json: bool, scheme: str | None) -> None:
    """Check a report against the 自评表 inside it; exit 0/1 like check, 2 when no figures can be read."""
    from rich.console import Console

    from assistant.extract import ExtractError, extract_report
    from assistant.extract_show import extraction_json, show_extraction, unusable_message
    from assistant.self_check import scheme_for, self_check
    from assistant.show import show_check

    settings = settings_from(scheme=scheme)
    try:
        extraction = extract_report(report)
    except ExtractError as exc:
        fail(str(exc))
    if extraction.figures is None:
        fail(unusable_message(extraction))
    checked = self_check(extraction, scheme_for(extraction, scheme_named(settings.scheme), scheme is not None))
    if as_json:
        data = {**checked.result.to_json(), "extraction": extraction_json(extraction)}
        sys.stdout.write(json.dumps(data, ensure_ascii=False, allow_nan=False, indent=2) + "\n")
    else:
        show_extraction(extraction, Console(stderr=True))
        show_check(extraction.text, checked.result)
    raise typer.Exit(1 if checked.result.errors else 0)


@app.command()
def extract(
    report: Annotated[Path, typer.Argument(help="报告（.docx 或 .pdf），其中含有自评表")],
    out: Annotated[Path | None, typer.Option(
        "-o", "--out", help="写出的项目数据文件（.yaml/.json）；省略时打印 YAML")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出读到的全部内容和位置（JSON，供程序读取）")] = False,
) -> None:
    """从报告的自评表（及正文所述资金）中读出项目数据，并列出每个值的位置和未能读取的内容。"""
    from rich.console import Console

    from assistant.extract import ExtractError, extract_report
    from assistant.extract_show import extraction_json, show_extraction, unusable_message, write_figures

    try:
        extraction = extract_report(report)
    except ExtractError as exc:
        fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(extraction_json(extraction), ensure_ascii=False, indent=2) + "\n")
    else:
        show_extraction(extraction, Console(stderr=True))
    if extraction.figures is None:
        fail(unusable_message(extraction))
    if out is not None:
        try:
            write_figures(extraction, out)
        except ValueError as exc:
            fail(str(exc))
        typer.echo(f"已写出：{out}", err=True)
    elif not as_json:
        from assistant.convert import figures_yaml

        sys.stdout.write(figures_yaml(extraction.figures))


@app.command()
def review(
    folders: Annotated[list[Path], typer.Argument(help="报告所在文件夹，或报告文件（.docx、.pdf、.xlsx）")],
    out: Annotated[list[Path] | None, typer.Option("-o", "--out", help=(
        "审阅汇总：.xlsx 或 .md（可写两次）；逐份批注的 Word 文件写在第一个输出旁的「名称-批注」文件夹"))] = None,
    scheme: SchemeOpt = None,
) -> None:
    """审阅一批报告：每份一行（单位、项目、自报与核算总分、等级、执行率、错误和警告数、主要问题），按严重程度排序；
    退出码 0 无错误，1 有错误，2 有报告无法读取。"""
    from rich.console import Console

    from assistant.bureau_pool import ReviewInputError, review_folder

    settings = settings_from(scheme=scheme)
    scheme_named(settings.scheme)
    try:
        status = review_folder(folders, list(out or []), settings.scheme, Console(stderr=True), scheme is not None)
    except ReviewInputError as exc:
        fail(str(exc))
    raise typer.Exit(status)


LOOPBACK_HELP = "监听地址（默认只允许本机访问；其他地址必须同时设置 --auth）"


@app.command()
def ui(
    host: Annotated[str, typer.Option(help=LOOPBACK_HELP)] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="端口")] = 7860,
    auth: Annotated[str | None, typer.Option(help="登录用户名和密码，格式 USER:PASS")] = None,
    data: Annotated[Path, typer.Option("--data", help="保存项目、编辑历史和上传文件的文件夹")] = Path("assistant-data"),
    scheme: SchemeOpt = None,
) -> None:
    """在浏览器中录入、起草、核对和导出报告。"""
    from assistant.ui import is_loopback, parse_auth

    credentials = parse_auth(auth) if auth else None
    if auth and credentials is None:
        fail("--auth 的格式应为 用户名:密码，两部分都不能为空")
    if not is_loopback(host) and credentials is None:
        fail(f"监听 {host} 会让其他计算机访问本应用，必须同时用 --auth 用户名:密码 设置登录；"
              "只在本机使用时请省略 --host（默认 127.0.0.1）")
    settings = settings_from(scheme=scheme)
    try:
        data.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"无法使用数据文件夹 {data}：{exc}")
    from assistant.ui.app import launch

    typer.echo(f"在浏览器中打开 http://{host if ':' not in host else f'[{host}]'}:{port}/ （Ctrl+C 退出）", err=True)
    launch(host, port, credentials, data, settings)


register_tables(app)  # convert, template: listed here, before eval


@app.command(name="eval")
def eval_(
    backend: Annotated[str | None, typer.Option(help=(
        "起草方式：template（默认）、openai 或 all（两者都评测）；只给 --runs 时不起草"))] = None,
    runs: Annotated[list[Path] | None, typer.Option("--runs", help=(
        "评测已有稿件的文件夹（.md/.docx 稿件、draft 的输出文件夹或 --run-dir 运行记录），"
        "按文件名对应案例；可重复"))] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="结果文件夹")] = Path("out/eval"),
    compare: Annotated[Path | None, typer.Option("--compare", help=(
        "基线结果文件（如 eval/baseline.json）：列出变化，有指标变差超出容差时退出码为 1"))] = None,
    cases: Annotated[Path | None, typer.Option("--cases", help="案例文件夹（默认 eval/cases）")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help=(
        "只评测这个案例（文件名，不含扩展名）；可重复"))] = None,
    benchmarks: Annotated[bool, typer.Option("--benchmarks/--no-benchmarks", help=(
        "同时运行核对器变异基准和检索基准（默认运行）"))] = True,
    scheme: SchemeOpt = None,
    model: Annotated[str | None, typer.Option(help="对话模型名称（--backend openai/all）")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI 兼容服务地址")] = None,
) -> None:
    """评测起草质量：每个案例的数字准确率、必备事实召回率、章节完整性、问题回应、得分等级和审阅清单。"""
    from rich.console import Console

    from assistant.chat import ChatNotConfigured
    from assistant.evaluation.command import BACKENDS, EvalRequest, EvalUnusable, run_eval
    from assistant.retrieval.manifest import IndexUnusable

    if backend is not None and backend not in BACKENDS:
        fail(f"未知的起草方式「{backend}」（可选：template、openai、all）")
    settings = settings_from(scheme=scheme, model=model, base_url=base_url)
    output_folder(out)
    request = EvalRequest(out, backend, tuple(runs or ()), compare, cases, tuple(case or ()), benchmarks)
    try:
        status = run_eval(request, settings, scheme_named(settings.scheme), Console(stderr=True))
    except (EvalUnusable, ChatNotConfigured, IndexUnusable) as exc:
        fail(str(exc))
    raise typer.Exit(status)


register_retrieval(app)


def main(argv: list[str] | None = None) -> None:
    """Run the command line. An error nobody foresaw ends with one plain-Chinese line and status 2,
    not a traceback; `--debug` anywhere on the line shows the traceback, for a bug report."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("ASSISTANT_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    try:
        status = app(args, prog_name="assistant", standalone_mode=False)  # typer.Exit(n) comes back as n
    except (Exception, RecursionError, MemoryError) as exc:  # noqa: BLE001 - the last line of defence
        # (usage errors and Ctrl-C are answered by ChineseErrorsGroup before they get here)
        if debug:
            raise
        from assistant.validation import terminal_safe

        reason = "内存不足" if isinstance(exc, MemoryError) else f"{type(exc).__name__}：{exc}"
        typer.echo(terminal_safe(f"无法完成：{reason[:300]}。输入可能有误；加 --debug 重新运行可查看详细信息，"
                                 "以便报告问题。"), err=True)
        sys.exit(2)
    sys.exit(status if isinstance(status, int) else 0)
