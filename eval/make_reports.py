"""Build the acceptance corpus of submitted reports in eval/reports/: Word and PDF reports with the 自评表
inside, in three layouts, some clean and some with faults planted between the text and the table, each
with NAME.expect.yaml saying what extraction must read and which findings a review must raise.

    python eval/make_reports.py            # rewrite eval/reports/ (PDFs through LibreOffice, when installed)
    python eval/make_reports.py --no-pdf   # the Word files and expectations only

Layouts:
- a-*: the project's own Word export of an eval/cases/ figures file (the 自评表 as two Word tables, 万元,
  the rate's basis in a note beside it), edited afterwards where a fault is planted;
- b-*: a table built here: amounts in 元, a two-row funds header with merged cells, 一级指标 merged down,
  三级指标 first and 实际完成值 before 年度指标值, 指标性质 and 度量单位 columns, actuals in words;
- c-*: a table without 年初预算数 or 到位 columns and with 指标名称/目标值/完成值/权重 headers; the
  cover lines name the unit and year, and the narrative states the budget and the allocation.
All text is our own. The expectations come from the data each report is built from, never from reading it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import yaml
from docx.document import Document as DocxDocument
from docx.shared import Pt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.draft import draft_report  # noqa: E402
from assistant.facts import build_facts  # noqa: E402
from assistant.figures import read_figures  # noqa: E402
from assistant.vocabulary import breakdown_id  # noqa: E402
from assistant.word import write_docx  # noqa: E402

OUT = ROOT / "eval" / "reports"
CASES = ROOT / "eval" / "cases"


@dataclass
class Report:
    """One report of the corpus: its files, what must be read from them, and the faults planted in it."""

    name: str
    layout: str
    read: dict[str, Any]
    planted: list[dict[str, str]] = field(default_factory=list)  # {code, what}: findings review must raise
    where: dict[str, str] = field(default_factory=dict)  # path → place in the Word file
    pdf: bool = False

    def expectation(self) -> dict[str, Any]:
        files = [f"{self.name}.docx"] + ([f"{self.name}.pdf"] if self.pdf else [])
        return {"files": files, "layout": self.layout, "clean": not self.planted, "planted": self.planted,
                "read": self.read, "where_docx": self.where}


# ---------------------------------------------------------------- layout a: our own Word export


def export_read(case: str) -> dict[str, Any]:
    """Return what our export's 自评表 shows of a case: the figures' amounts, the score sheet's weights,
    scores and grade, the targets and actuals as the table writes them."""
    fig = read_figures(CASES / f"{case}.yaml")
    t = build_facts(fig)
    money = {f: float(t[f"funds.{f}"].number) for f in ("budget_initial", "budget_adjusted", "spent")}
    read: dict[str, Any] = {"project.name": fig.project.name, "project.unit": fig.project.unit,
                            "project.year": fig.project.year, "funds.unit": "万元",  # the table is in 万元
                            "funds.budget_initial": money["budget_initial"],
                            "funds.budget_adjusted": money["budget_adjusted"], "funds.spent": money["spent"],
                            "funds.rate_basis": fig.funds.rate_basis,
                            "evaluation.score": t.sheet.total, "evaluation.grade": t.sheet.grade,
                            "evaluation.execution_rate": round(t.sheet.execution_rate, 2)}
    if fig.funds.allocated is not None:
        read["funds.allocated"] = float(t["funds.allocated"].number)
    for n, row in enumerate(fig.funds.breakdown):
        read |= {f"funds.breakdown[{n}].name": row.name,
                 f"funds.breakdown[{n}].budget": float(t[breakdown_id(n, "budget")].number),
                 f"funds.breakdown[{n}].spent": float(t[breakdown_id(n, "spent")].number)}
    for n, r in enumerate(t.sheet.indicators):
        key = f"ind.{r.indicator.id}"
        read |= {f"indicators[{n}].name": r.indicator.name, f"indicators[{n}].level1": r.indicator.level1,
                 f"indicators[{n}].target": r.target.text, f"indicators[{n}].actual": t[f"{key}.actual"].display,
                 f"indicators[{n}].weight": float(t[f"{key}.weight"].value)}
    return {k: _plain(v) for k, v in read.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value) if "." in value else int(value)
    return value


def export(case: str, path: Path) -> None:
    write_docx(draft_report(read_figures(CASES / f"{case}.yaml")), path)


def edit(path: Path, old: str, new: str, *, in_table: bool, nth: int = 0) -> None:
    """Change the nth text run holding `old` (in the tables, or in the body paragraphs) of a Word file."""
    doc = docx.Document(str(path))
    paragraphs = ([p for t in doc.tables for row in t.rows for c in _unique(row.cells) for p in c.paragraphs]
                  if in_table else doc.paragraphs)
    runs = [r for p in paragraphs for r in p.runs if old in r.text]
    runs[nth].text = runs[nth].text.replace(old, new, 1)
    doc.save(str(path))


def _unique(cells: Any) -> list[Any]:
    out: list[Any] = []
    for c in cells:
        if not out or c._tc is not out[-1]._tc:
            out.append(c)
    return out


def layout_a() -> list[Report]:
    layout = "本项目导出的 Word：自评表分为两张表（项目与资金、指标），万元，执行率旁注明口径"
    out = []
    for name, case, pdf in (("a-sample-2024", "sample-2024", True), ("a-roads-2024", "roads-adjusted-2024", False),
                            ("a-culture-2024", "culture-qualitative-2024", False),
                            ("a-water-2023", "water-missed-2023", True)):
        export(case, OUT / f"{name}.docx")
        out.append(Report(name, layout, export_read(case), pdf=pdf))
    out[0].where = {"funds.spent": "表1 第4行第6列", "funds.allocated": "表1 第4行第5列",
                    "indicators[0].actual": "表2 第2行第6列", "evaluation.grade": "表2 第5行第9列"}

    read = export_read("roads-adjusted-2024")
    export("roads-adjusted-2024", OUT / "a-roads-2024-textrate.docx")
    edit(OUT / "a-roads-2024-textrate.docx", "97.36%", "98.36%", in_table=False)
    out.append(Report("a-roads-2024-textrate", layout, read, [
        {"code": "contradicted_number", "what": "正文写预算执行率 98.36%，表中 350.5 ÷ 360 = 97.36%"}], pdf=True))

    read = export_read("sample-2024") | {"evaluation.grade": "良"}
    export("sample-2024", OUT / "a-sample-2024-grade.docx")
    edit(OUT / "a-sample-2024-grade.docx", "等级：优", "等级：良", in_table=True)
    out.append(Report("a-sample-2024-grade", layout, read, [
        {"code": "grade_mismatch", "what": "表中等级“良”，总分 99.98 分应为“优”"}]))

    # 参与群众满意度 (95% against ≥90%, weight 10) scored 8 in the table; the total left as computed
    culture = export_read("culture-qualitative-2024")
    export("culture-qualitative-2024", OUT / "a-culture-2024-rowscore.docx")
    doc = docx.Document(str(OUT / "a-culture-2024-rowscore.docx"))
    row = next(r for r in doc.tables[1].rows if r.cells[2].text == "参与群众满意度")
    row.cells[7].paragraphs[0].runs[0].text = "8"
    doc.save(str(OUT / "a-culture-2024-rowscore.docx"))
    out.append(Report("a-culture-2024-rowscore", layout, culture, [
        {"code": "line_score_mismatch", "what": "指标「参与群众满意度」得分 8 分，95% 达到 ≥90% 应得满分 10 分"},
        {"code": "total_not_sum", "what": "总分不等于各行得分之和（少 2 分）"}], pdf=True))

    read = export_read("roads-adjusted-2024") | {"funds.breakdown[1].spent": 48}
    export("roads-adjusted-2024", OUT / "a-roads-2024-breakdown.docx")
    edit(OUT / "a-roads-2024-breakdown.docx", "38", "48", in_table=True)
    out.append(Report("a-roads-2024-breakdown", layout, read, [
        {"code": "breakdown_sum_mismatch", "what": "上年结转资金执行数改为 48 万元，分项之和 360.5 ≠ 350.5"}]))
    return out


# ---------------------------------------------------------------- building tables of other layouts


def add_table(doc: DocxDocument, rows: list[list[str]], merges: list[tuple[int, int, int, int]]) -> None:
    """Add a bordered table: rows of texts, then each merge (first row, first column, last row, last column)
    with the top-left text kept."""
    table = doc.add_table(rows=len(rows), cols=max(len(r) for r in rows))
    table.style = "Table Grid"
    for r1, c1, r2, c2 in merges:
        table.cell(r1, c1).merge(table.cell(r2, c2))
    done: set[Any] = set()  # the cell elements written: a merged cell is written once, from its top left
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            if cell._tc in done or not value:
                continue
            done.add(cell._tc)
            cell.text = value
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(9)


def new_document() -> DocxDocument:
    doc = docx.Document()
    doc.styles["Normal"].font.size = Pt(11)
    return doc


def paragraphs(doc: DocxDocument, text: str) -> None:
    for line in text.strip().splitlines():
        if line.strip():
            doc.add_paragraph(line.strip())


# ---------------------------------------------------------------- layout b: 元, merged headers, other order

ELDERLY = {
    "name": "社区居家养老服务补助", "unit": "东湖区民政局", "department": "东湖区民政局", "year": 2023,
    "budget_initial": 1300000, "budget_adjusted": 1200000, "spent": 1107600,
    "rows": [("当年财政拨款", 1100000, 1000000, 920000), ("上年结转资金", 200000, 200000, 187600)],
    # 三级指标, 一级, 二级, 性质, 年度指标值, 单位, 实际完成值, 分值
    "indicators": [
        ("上门服务老年人人次", "产出指标", "数量指标", "≥", "5000", "人次", "5260", 20),
        ("新建社区助餐点", "产出指标", "数量指标", "≥", "6", "个", "6", 15),
        ("服务回访合格率", "产出指标", "质量指标", "≥", "95", "%", "96.5", 15),
        ("补助资金发放及时性", "产出指标", "时效指标", "定性", "按季度发放", "", "各季度均按时发放完毕", 10),
        ("独居老人探访覆盖率", "效益指标", "社会效益指标", "≥", "90", "%", "93", 20),
        ("服务对象满意度", "满意度指标", "服务对象满意度指标", "≥", "90", "%", "94", 10),
    ],
}


def elderly_doc(path: Path, *, rate: str = "92.3%", exec_score: str = "9.23", total: str = "99.23",
                grade: str = "优", text_rate: str = "92.3", text_total: str = "99.23", text_grade: str = "优") -> None:
    e = ELDERLY
    doc = new_document()
    doc.add_paragraph(f"{e['year']}年度{e['name']}项目绩效自评报告")
    paragraphs(doc, f"""
一、项目基本情况
{e['unit']}实施的{e['name']}项目，为辖区内高龄、独居和失能老年人提供上门探访、助餐和日间照料服务，由街道养老服务中心具体组织。
二、资金使用情况
本项目年初预算130万元，年中根据服务需求调减后全年预算为120万元。全年实际支出110.76万元，预算执行率{text_rate}%。资金来源为当年财政拨款和上年结转资金。
三、绩效目标完成情况
全年为老年人提供上门服务5260人次，超过年度目标；新建社区助餐点6个，达到年度目标。服务回访合格率96.5%，独居老人探访覆盖率93%，服务对象满意度94%，均达到年度指标值。补助资金按季度发放，各季度均按时发放完毕。
四、自评结论
经自评，本项目总分{text_total}分，等级为“{text_grade}”。
五、存在的问题
部分助餐点建设款按合同在次年初结算，年末仍有结余资金。
六、改进措施
加强项目进度与资金支付的衔接，合同约定的结算节点尽量安排在年度内。
""")
    doc.add_paragraph("项目支出绩效自评表")
    rows = [["项目名称", e["name"], "", "主管部门", e["department"], "", "", ""],
            ["实施单位", e["unit"], "", "评价年度", f"{e['year']}年", "", "", ""],
            ["项目资金（元）", "预算数", "", "全年执行数", "执行率", "分值", "得分", ""],
            ["", "年初预算数", "全年预算数", "", "", "", "", ""],
            ["年度资金总额", f"{e['budget_initial']:,}", f"{e['budget_adjusted']:,}", f"{e['spent']:,}", rate, "10",
             exec_score, ""]]
    for n, (name, initial, adjusted, spent) in enumerate(e["rows"]):
        label = ("其中：" if n == 0 else "") + name
        rows.append([label, f"{initial:,}", f"{adjusted:,}", f"{spent:,}", "", "", "", ""])
    merges = [(0, 1, 0, 2), (0, 4, 0, 7), (1, 1, 1, 2), (1, 4, 1, 7), (2, 0, 3, 0), (2, 1, 2, 2), (2, 3, 3, 3),
              (2, 4, 3, 4), (2, 5, 3, 5), (2, 6, 3, 6), (2, 7, 3, 7)]
    add_table(doc, rows, merges)
    doc.add_paragraph("")
    head = ["三级指标", "一级指标", "二级指标", "指标性质", "年度指标值", "度量单位", "实际完成值", "分值", "得分"]
    rows = [head]
    for name, l1, l2, op, target, unit, actual, weight in e["indicators"]:
        rows.append([name, l1, l2, op, target, unit, actual, str(weight), str(weight)])
    rows.append(["总分", "", "", "", "", "", "", "100", total])
    rows.append(["自评等级", grade, "", "", "", "", "", "", ""])
    merges = [(1, 1, 4, 1), (1, 2, 2, 2), (7, 0, 7, 6), (8, 1, 8, 8)]
    add_table(doc, rows, merges)
    doc.save(str(path))


def elderly_read() -> dict[str, Any]:
    e = ELDERLY
    read: dict[str, Any] = {"project.name": e["name"], "project.unit": e["unit"], "project.year": e["year"],
                            "funds.unit": "元", "funds.budget_initial": e["budget_initial"],
                            "funds.budget_adjusted": e["budget_adjusted"], "funds.spent": e["spent"],
                            "evaluation.execution_rate": 92.3, "evaluation.score": 99.23, "evaluation.grade": "优"}
    for n, (name, initial, adjusted, spent) in enumerate(e["rows"]):
        read |= {f"funds.breakdown[{n}].name": name, f"funds.breakdown[{n}].budget": adjusted,
                 f"funds.breakdown[{n}].budget_initial": initial, f"funds.breakdown[{n}].spent": spent}
    for n, (name, l1, _, op, target, unit, actual, weight) in enumerate(e["indicators"]):
        read |= {f"indicators[{n}].name": name, f"indicators[{n}].level1": l1, f"indicators[{n}].weight": weight,
                 f"indicators[{n}].target": target if op == "定性" else _plain(f"{op}{target}"),
                 f"indicators[{n}].actual": _plain(actual)}
        if unit:
            read[f"indicators[{n}].unit"] = unit
    return read


def layout_b() -> list[Report]:
    layout = ("自建表格：元，资金表头两行合并，一级指标合并单元格，三级指标在前、实际完成值在年度指标值前，"
              "含指标性质和度量单位，文字写的实际完成值")
    elderly_doc(OUT / "b-elderly-2023.docx")
    out = [Report("b-elderly-2023", layout, elderly_read(), pdf=True,
                  where={"funds.spent": "表1 第5行第4列", "funds.budget_initial": "表1 第5行第2列",
                         "indicators[3].level1": "表2 第2行第2列", "indicators[3].actual": "表2 第5行第7列"})]
    elderly_doc(OUT / "b-elderly-2023-rate95.docx", rate="95%", exec_score="9.5", total="99.5", text_rate="95",
                text_total="99.5")
    out.append(Report("b-elderly-2023-rate95", layout, elderly_read() | {
        "evaluation.execution_rate": 95, "evaluation.score": 99.5}, [
        {"code": "rate_mismatch", "what": "表中执行率 95%，1,107,600 ÷ 1,200,000 = 92.3%"},
        {"code": "miscomputed", "what": "正文照抄表中的执行率 95%，表中金额算出 92.3%"},
        {"code": "line_score_mismatch", "what": "预算执行率得分 9.5 分，应为 10 × 92.3% = 9.23 分"},
        {"code": "score_mismatch", "what": "总分 99.5 分，按评分方案为 99.23 分"}], pdf=True))
    elderly_doc(OUT / "b-elderly-2023-grade.docx", grade="良", text_grade="良")
    out.append(Report("b-elderly-2023-grade", layout, elderly_read() | {"evaluation.grade": "良"}, [
        {"code": "grade_mismatch", "what": "总分 99.23 分，等级写“良”"}], pdf=True))
    return out


# ---------------------------------------------------------------- layout c: funds partly in the narrative

TRAINING = {
    "name": "职业技能培训补贴", "unit": "临川县人力资源和社会保障局", "year": 2024,
    "budget_initial": 80, "budget_adjusted": 86, "allocated": 86, "spent": 79.12,
    # 一级, 二级, 指标名称, 目标值, 完成值, 权重, 得分, 偏差原因
    "indicators": [
        ("产出指标", "数量指标", "开展培训班期数", "≥12期", "12期", 20, "20", ""),
        ("产出指标", "数量指标", "培训人数", "≥600人", "645人", 20, "20", ""),
        ("产出指标", "质量指标", "培训合格率", "≥85%", "88%", 10, "10", ""),
        ("效益指标", "社会效益指标", "培训后就业率", "≥60%", "57%", 30, "28.5", "部分学员培训后选择继续升学或自主创业"),
        ("满意度指标", "服务对象满意度指标", "学员满意度", "≥90%", "95%", 10, "10", ""),
    ],
}


def training_doc(path: Path, *, total: str = "97.7", text_total: str = "97.7", trained: str = "645") -> None:
    t = TRAINING
    doc = new_document()
    paragraphs(doc, f"""
{t['name']}项目绩效自评报告
项目名称：{t['name']}
实施单位：{t['unit']}
评价年度：{t['year']}年度
一、基本情况
为提升城乡劳动者职业技能，本局组织开展电工、育婴、中式烹调等职业技能培训，对培训合格人员给予补贴。
二、资金管理情况
年初预算80万元，年中追加后全年预算86万元，资金已全部到位，实际到位86万元。全年实际支出79.12万元，执行率92%。
三、绩效目标完成情况
全年开班12期，培训人数{trained}人，培训合格率88%，均达到目标。培训后就业率为57%，未达到目标，主要原因是部分学员培训后选择继续升学或自主创业。学员满意度95%。
四、自评得分
本项目自评总分{text_total}分，等级为优。
五、存在的问题
培训后就业率未达到目标，培训内容与本地企业用工需求衔接不够紧密。
六、改进措施
下一年度按企业用工需求设置培训工种，并与用工企业签订定向培训协议。
""")
    rows = [["项目名称", t["name"], "", "", "", ""],
            ["资金情况（万元）", "全年预算", "实际支出", "执行率", "分值", "得分"],
            ["资金总额", str(t["budget_adjusted"]), str(t["spent"]), "92%", "10", "9.2"]]
    add_table(doc, rows, [(0, 1, 0, 5)])
    doc.add_paragraph("")
    rows = [["一级指标", "二级指标", "指标名称", "目标值", "完成值", "权重", "得分", "偏差原因"]]
    for l1, l2, name, target, actual, weight, score, reason in t["indicators"]:
        rows.append([l1, l2, name, target, actual, str(weight), score, reason])
    rows.append(["总分", "", "", "", "", "100", total, ""])
    rows.append(["等级", "优", "", "", "", "", "", ""])
    add_table(doc, rows, [(1, 0, 3, 0), (6, 0, 6, 4), (7, 1, 7, 7)])
    doc.save(str(path))


def training_read() -> dict[str, Any]:
    t = TRAINING
    read: dict[str, Any] = {"project.name": t["name"], "project.unit": t["unit"], "project.year": t["year"],
                            "funds.unit": "万元", "funds.budget_initial": t["budget_initial"],
                            "funds.budget_adjusted": t["budget_adjusted"], "funds.allocated": t["allocated"],
                            "funds.spent": t["spent"], "evaluation.execution_rate": 92, "evaluation.score": 97.7,
                            "evaluation.grade": "优"}
    for n, (l1, _, name, target, actual, weight, _, reason) in enumerate(t["indicators"]):
        read |= {f"indicators[{n}].name": name, f"indicators[{n}].level1": l1, f"indicators[{n}].target": target,
                 f"indicators[{n}].actual": actual, f"indicators[{n}].weight": weight}
        if reason:
            read[f"indicators[{n}].deviation_reason"] = reason
    return read


def layout_c() -> list[Report]:
    layout = "自建表格：无年初预算数和到位列（由正文读出），指标名称/目标值/完成值/权重表头，实施单位和年度在封面行"
    training_doc(OUT / "c-training-2024.docx")
    out = [Report("c-training-2024", layout, training_read(), pdf=True,
                  where={"funds.budget_initial": "第8段", "funds.allocated": "第8段", "project.unit": "第3段",
                         "funds.spent": "表1 第3行第3列", "indicators[3].actual": "表2 第5行第5列"})]
    training_doc(OUT / "c-training-2024-sum.docx", total="98.7", text_total="98.7")
    out.append(Report("c-training-2024-sum", layout, training_read() | {"evaluation.score": 98.7}, [
        {"code": "total_not_sum", "what": "总分 98.7 分，各行得分之和 9.2 + 20 + 20 + 10 + 28.5 + 10 = 97.7 分"},
        {"code": "score_mismatch", "what": "自报总分与按评分方案计算的 97.7 分不一致"}], pdf=True))
    training_doc(OUT / "c-training-2024-text.docx", trained="650")
    out.append(Report("c-training-2024-text", layout, training_read(), [
        {"code": "contradicted_number", "what": "正文写培训人数 650 人，表中 645 人"}]))
    return out


# ---------------------------------------------------------------- PDFs and expectations


def to_pdf(names: list[str]) -> None:
    """Convert the named Word files to PDF with LibreOffice, in a profile of its own."""
    soffice = shutil.which("soffice")
    if soffice is None:
        print("未找到 LibreOffice（soffice），未生成 PDF", file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as profile, tempfile.TemporaryDirectory() as outdir:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                        "--outdir", outdir, *(str(OUT / f"{n}.docx") for n in names)],
                       check=True, capture_output=True, timeout=600)
        for n in names:
            shutil.move(str(Path(outdir) / f"{n}.pdf"), OUT / f"{n}.pdf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-pdf", action="store_true", help="only the Word files and the expectations")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        if old.suffix in (".docx", ".pdf", ".yaml"):
            old.unlink()
    reports = layout_a() + layout_b() + layout_c()
    if not args.no_pdf:
        to_pdf([r.name for r in reports if r.pdf])
    for r in reports:
        text = yaml.safe_dump(r.expectation(), allow_unicode=True, sort_keys=False, width=1000)
        (OUT / f"{r.name}.expect.yaml").write_text(text, encoding="utf-8")
    files = sum(len(r.expectation()["files"]) for r in reports)
    print(f"{len(reports)} 份报告，{files} 个文件（{sum(not r.planted for r in reports)} 份无错，"
          f"{sum(len(r.planted) for r in reports)} 处预置问题）→ {OUT}")


if __name__ == "__main__":
    main()
