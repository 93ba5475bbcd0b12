"""Fault injection: generated hostile inputs through the real entry point (`assistant.cli.main`).

Each asserts the exit status (2 for input that cannot be used, 0/1 where the input is valid), the
plain-Chinese message, that no traceback is printed, and that nothing is written.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from assistant import reading
from assistant.cli import main
from assistant.retrieval.index import update_index
from assistant.settings import Settings
from tests.test_retrieval_index import BigramEmbedder, write_corpus

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "eval" / "cases" / "sample-2024.yaml"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the command line as the `assistant` script does; return the exit status and all it printed."""
    with pytest.raises(SystemExit) as stop:
        main(list(args))
    out = capsys.readouterr()
    return int(stop.value.code or 0), out.out + out.err


def refused(capsys: pytest.CaptureFixture[str], words: str, *args: str, status: int = 2) -> str:
    code, output = run(capsys, *args)
    assert code == status, output
    assert words in output, output
    assert "Traceback" not in output and "Error: " not in output
    return output


def _docx_bytes(document_xml: bytes | None = None, extra: tuple[str, bytes] | None = None) -> bytes:
    """Return a real Word file, its document.xml replaced or a member added when asked."""
    d = docx.Document()
    d.add_paragraph("项目全年实际支出180.5万元。")
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml" and document_xml is not None:
                data = document_xml
            zout.writestr(item.filename, data)
        if extra:
            zout.writestr(extra[0], extra[1])
    return out.getvalue()


ENTITIES = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa">'
            + b"".join(b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 9))
            + b']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
            b"<w:r><w:t>&a8;</w:t></w:r></w:p></w:body></w:document>")
WORD_FILES = {
    "truncated": (lambda: _docx_bytes()[:5000], "无法打开 Word 文件"),
    "not a zip": (lambda: "这不是 Word 文件".encode(), "无法打开 Word 文件"),
    "malformed XML": (lambda: _docx_bytes(b"<w:document><w:body><w:p>"), "XML 格式错误"),
    "entity expansion": (lambda: _docx_bytes(ENTITIES), "XML 格式错误"),
    "zip bomb": (lambda: _docx_bytes(extra=("word/media/big.bin", b" " * (3 << 20))), "疑似压缩炸弹"),
}


@pytest.mark.parametrize("kind", WORD_FILES)
def test_a_damaged_word_report_is_refused_with_a_message(tmp_path: Path, capsys, kind: str) -> None:  # type: ignore[no-untyped-def]
    make, words = WORD_FILES[kind]
    report = tmp_path / "r.docx"
    report.write_bytes(make())
    refused(capsys, words, "check", str(report), "--figures", str(SAMPLE))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]


def test_a_word_file_too_large_inflated_is_refused_from_its_directory(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "MAX_DOCX_INFLATED", 20_000)  # the sample document inflates to more
    report = tmp_path / "r.docx"
    report.write_bytes(_docx_bytes())
    refused(capsys, "解压后过大", "check", str(report), "--figures", str(SAMPLE))


def test_a_valid_word_report_still_checks(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    report = tmp_path / "r.docx"
    report.write_bytes(_docx_bytes())
    code, output = run(capsys, "check", str(report), "--figures", str(SAMPLE))
    assert code in (0, 1) and "180.5万元" in output and "Traceback" not in output


@pytest.mark.parametrize(("name", "text"), [
    ("deep.yaml", "a: " + "[" * 5000 + "]" * 5000),
    ("deep.json", "[" * 100_000 + "]" * 100_000),
])
@pytest.mark.parametrize("command", ["score", "draft"])
def test_deeply_nested_figures_are_refused(tmp_path: Path, capsys, name: str, text: str, command: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    args = [command, str(path)] + (["-o", str(tmp_path / "out")] if command == "draft" else [])
    refused(capsys, "嵌套层数过深", *args)
    assert not list((tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else True


def test_a_report_with_too_much_text_is_refused(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import assistant.report_text

    monkeypatch.setattr(assistant.report_text, "MAX_REPORT_CHARS", 1000)
    (tmp_path / "r.md").write_text("项目推进顺利。" * 200, encoding="utf-8")
    refused(capsys, "正文过长（1,400 字，上限 1,000 字）", "check", str(tmp_path / "r.md"), "--figures", str(SAMPLE))


def test_yaml_aliases_that_expand_to_millions_are_refused(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    (tmp_path / "lol.yaml").write_text("\n".join(lines) + "\nproject: *a8\n", encoding="utf-8")
    refused(capsys, "内容展开后超过 200,000 项", "score", str(tmp_path / "lol.yaml"))


def test_an_oversized_figures_file_is_refused_before_it_is_read(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "big.yaml"
    path.write_text(SAMPLE.read_text(encoding="utf-8") + "#" * (5 << 20), encoding="utf-8")
    refused(capsys, "文件过大", "score", str(path))


@pytest.mark.parametrize("command", [["score", str(SAMPLE)], ["check", "--figures", str(SAMPLE)],
                                     ["search", "执行率"], ["index", "corpus"]])
def test_a_malformed_settings_file_is_named_with_its_line(tmp_path: Path, capsys, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "corpus").mkdir()
    (tmp_path / "assistant.toml").write_text('backend = "openai\nmodel = ', encoding="utf-8")
    refused(capsys, "assistant.toml 格式错误：第 1 行", *command)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assistant.toml", "corpus"]


@pytest.mark.parametrize("command", [["search", "执行率"], ["index", "corpus"]])
def test_an_index_path_that_is_a_file_is_refused(tmp_path: Path, capsys, command: list[str]) -> None:  # type: ignore[no-untyped-def]
    write_corpus(tmp_path)
    (tmp_path / "idx").write_text("not a folder", encoding="utf-8")
    refused(capsys, "是一个文件，不是文件夹", *command, "--index", "idx")
    assert (tmp_path / "idx").read_text(encoding="utf-8") == "not a folder"


def test_draft_with_the_model_refuses_an_index_path_that_is_a_file(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "idx").write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_MODEL", "m")
    refused(capsys, "是一个文件，不是文件夹", "draft", str(SAMPLE), "-o", "out", "--backend", "openai",
            "--base-url", "http://127.0.0.1:9/v1", "--index", "idx")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


@pytest.mark.parametrize("damage", ["chunks.jsonl", "bm25/data.csc.index.npy", "bm25/vocab.index.json"])
def test_a_damaged_index_is_refused_then_rebuilt(tmp_path: Path, capsys, damage: str) -> None:  # type: ignore[no-untyped-def]
    corpus = write_corpus(tmp_path)
    settings = Settings(index_dir=tmp_path / "idx", embedder="openai")
    update_index(corpus, settings, embedder=BigramEmbedder())
    (generation,) = (tmp_path / "idx").glob("gen-*")
    (generation / damage).write_bytes(b"\x93NUMPY garbage {")
    refused(capsys, "检索索引已损坏", "search", "桥梁", "--index", "idx")
    report = update_index(corpus, settings, embedder=BigramEmbedder())
    assert report.chunks > 0
    code, output = run(capsys, "search", "桥梁", "--index", "idx")
    assert code == 0 and "检索索引已损坏" not in output


def test_markup_in_names_is_shown_literally(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    name = "评审[/oops][link=file:///etc/passwd]项目[bold]个数"
    text = SAMPLE.read_text(encoding="utf-8").replace("name: 评审项目个数", f'name: "{name}"', 1)
    assert name in text
    (tmp_path / "p.yaml").write_text(text, encoding="utf-8")
    code, output = run(capsys, "score", str(tmp_path / "p.yaml"))
    assert code == 0 and "评审[/oops][link=" in output and "Traceback" not in output


def test_an_unforeseen_error_is_one_line_and_debug_shows_the_traceback(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import assistant.facts

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(assistant.facts, "build_facts", broken)
    output = refused(capsys, "无法完成：ZeroDivisionError", "score", str(SAMPLE))
    assert "--debug" in output
    with pytest.raises(ZeroDivisionError):
        main(["score", str(SAMPLE), "--debug"])


def test_a_wrong_option_is_a_usage_message(capsys) -> None:  # type: ignore[no-untyped-def]
    refused(capsys, "没有选项 --bogus", "score", str(SAMPLE), "--bogus")
