"""The evaluation's cases: every figures file in eval/cases/, each with what a good report of it must
state (eval/cases/expected/NAME.yaml): the funds chain, every indicator's target, actual and verdict,
the score and grade, and the project problems 存在的问题 and 改进意见 must answer.

The expectations are committed data, proposed once from the figures by `eval/expectations.py` and
checked by hand; a change in the scoring code that moves a score therefore fails the evaluation
instead of moving the expectation with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.figures import Figures, FiguresError, error_message, read_figures

EXPECTED = "expected"  # the folder beside the cases that holds their expectations


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Stated(Frozen):
    """One figure a report must state: a number tied to a fact (value in unit), or a text."""

    label: str
    fact: str = ""  # the fact id the checker ties the number to; empty for a text
    value: float | None = None
    unit: str = ""
    text: str = ""  # a qualitative target or actual, stated in the indicator's sentence


class IndicatorExpectation(Frozen):
    name: str
    target: Stated
    actual: Stated | None = None  # none when the actual cannot be judged (待确认): it is not to be repeated
    verdict: str  # 已完成 | 超额完成 | 基本完成 | 部分完成 | 未完成 | 待确认


class ProblemExpectation(Frozen):
    """A project finding the report must answer: terms its 存在的问题 and its 改进意见 must each name.

    Each term is one or more alternatives joined by "|" (支出|执行|用款); every term must appear.
    """

    code: str
    about: str = ""  # the fact concerned, for the reader
    problems: tuple[str, ...] = Field(min_length=1)
    improvements: tuple[str, ...] = Field(min_length=1)


class Expectation(Frozen):
    """What a good report of one case states."""

    score: float
    grade: str
    funds: tuple[Stated, ...]
    indicators: tuple[IndicatorExpectation, ...] = ()
    problems: tuple[ProblemExpectation, ...] = ()

    @property
    def required(self) -> list[tuple[str, Stated | str]]:
        """Return every required item as (label, what): a Stated figure, or an indicator's verdict word."""
        out: list[tuple[str, Stated | str]] = [(s.label, s) for s in self.funds]
        out.append(("自评总分", Stated(label="自评总分", fact="score.total", value=self.score, unit="分")))
        for ind in self.indicators:
            out += [(s.label, s) for s in (ind.target, ind.actual) if s is not None]
            out.append((f"{ind.name}：{ind.verdict}", ind.verdict))
        return out


@dataclass(frozen=True)
class Case:
    """One case: its name (the figures file's stem), figures and expectation."""

    name: str
    path: Path
    figures: Figures
    expect: Expectation


class CaseError(ValueError):
    """A case or its expectations cannot be read; the message is in Chinese and names the file."""


def case_paths(folder: Path) -> list[Path]:
    """Return the figures files of a cases folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file())


def expectation_path(figures: Path) -> Path:
    """Return where the expectations of a figures file are kept."""
    return figures.parent / EXPECTED / f"{figures.stem}.yaml"


def load_expectation(path: Path) -> Expectation:
    """Return the expectations read from a YAML file; raise CaseError naming every problem."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
        return Expectation.model_validate(data)
    except OSError as exc:
        raise CaseError(f"{path}：无法读取预期结果（{exc.strerror or exc}）") from None
    except yaml.YAMLError as exc:
        raise CaseError(f"{path}：不是有效的 YAML（{exc}）") from None
    except ValidationError as exc:
        lines = [f"  - {'.'.join(map(str, e['loc']))}：{error_message(e)}" for e in exc.errors()]
        raise CaseError(f"{path}：预期结果有误：\n" + "\n".join(lines)) from None


def load_cases(folder: Path, names: list[str] | None = None) -> list[Case]:
    """Return the cases of a folder (only those named, when names are given); raise CaseError when a
    figures file or its expectations cannot be read, naming every file at fault."""
    paths = case_paths(folder)
    if names:
        unknown = sorted(set(names) - {p.stem for p in paths})
        if unknown:
            raise CaseError(f"{folder} 中没有这些案例：{'、'.join(unknown)}")
        paths = [p for p in paths if p.stem in names]
    cases, problems = [], []
    for path in paths:
        try:
            cases.append(Case(path.stem, path, read_figures(path), load_expectation(expectation_path(path))))
        except FiguresError as exc:
            problems.append(str(exc))
        except CaseError as exc:
            problems.append(str(exc))
    if problems:
        raise CaseError("评测案例无法读取，未做任何评测：\n" + "\n".join(problems))
    if not cases:
        raise CaseError(f"{folder} 中没有评测案例（.yaml、.yml 或 .json）")
    return cases
