"""The index on disk: a manifest naming the current generation of chunks and BM25 files.

Layout of the index folder::

    manifest.json        which generation is current, and each file's hash and chunk ids
    gen-<id>/chunks.jsonl  the chunks in BM25 row order
    gen-<id>/tokens.jsonl  their BM25 tokens (so unchanged files are not tokenized again)
    gen-<id>/bm25/         the bm25s index
    chroma/              the local Chroma database (unless a server is used)

A run writes a new generation folder and only then replaces manifest.json (atomically), so an
interrupted run leaves the previous generation, and the index, usable.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from assistant.files import write_text_atomic

from .chunking import Chunk

FORMAT = 1
MANIFEST = "manifest.json"


class IndexMissing(FileNotFoundError):
    """No usable index in the folder; the message is in Chinese."""


class IndexCorrupt(IndexMissing):
    """The index's files are there but cannot be read; the message is in Chinese and says to rebuild."""


class IndexUnusable(ValueError):
    """The index path is not a folder the index can live in (a file, say); the message is in Chinese."""


def check_index_dir(index_dir: Path) -> None:
    """Return nothing when index_dir is a folder or does not exist yet; raise IndexUnusable otherwise."""
    if index_dir.exists() and not index_dir.is_dir():
        raise IndexUnusable(f"索引位置 {index_dir} 是一个文件，不是文件夹：请用 --index 指定一个文件夹")


@dataclass(frozen=True)
class FileEntry:
    """One corpus file as last indexed: its content hash, chunk ids, or why it was skipped."""

    hash: str
    chunks: tuple[str, ...] = ()
    skipped: str | None = None


@dataclass(frozen=True)
class Manifest:
    """The current state of an index folder."""

    generation: str
    chunk_tokens: int
    # How chunks, their context lines and BM25 tokens were made; another recipe re-reads all.
    recipe: str
    # Whose vectors are complete for every chunk, and where they live; None when only BM25 is.
    embedder: str | None
    vector_store: str
    files: dict[str, FileEntry] = field(default_factory=dict, hash=False)
    format: int = FORMAT

    def generation_dir(self, index_dir: Path) -> Path:
        """Return the folder of this manifest's generation."""
        return index_dir / f"gen-{self.generation}"


def read_manifest(index_dir: Path) -> Manifest | None:
    """Return the index folder's manifest, or None if there is none or it is of another format."""
    path = index_dir / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            return None
        files = {
            name: FileEntry(e["hash"], tuple(e.get("chunks", ())), e.get("skipped"))
            for name, e in data["files"].items()
        }
        return Manifest(
            generation=data["generation"],
            chunk_tokens=int(data["chunk_tokens"]),
            recipe=str(data.get("recipe", "")),
            embedder=data.get("embedder"),
            vector_store=data.get("vector_store", ""),
            files=files,
        )
    except (ValueError, KeyError, TypeError):
        return None


def write_manifest(index_dir: Path, manifest: Manifest) -> None:
    """Replace the index folder's manifest atomically."""
    text = json.dumps(asdict(manifest), ensure_ascii=False, allow_nan=False, indent=1)
    write_text_atomic(index_dir / MANIFEST, text, durable=True)


def write_chunks(folder: Path, chunks: Iterable[Chunk], tokens: Iterable[list[str]]) -> None:
    """Write chunks and their tokens, one JSON record a line, into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "chunks.jsonl").open("w", encoding="utf-8") as fh:
        for chunk in chunks:
            fh.write(json.dumps(asdict(chunk), ensure_ascii=False, allow_nan=False) + "\n")
    with (folder / "tokens.jsonl").open("w", encoding="utf-8") as fh:
        for toks in tokens:
            fh.write(json.dumps(toks, ensure_ascii=False, allow_nan=False) + "\n")


def read_chunks(folder: Path) -> list[Chunk]:
    """Return the chunks stored in a generation folder, in BM25 row order."""
    with (folder / "chunks.jsonl").open(encoding="utf-8") as fh:
        return [Chunk(**json.loads(line)) for line in fh if line.strip()]


def read_tokens(folder: Path) -> Iterator[list[str]]:
    """Return the stored BM25 tokens of a generation folder, aligned with its chunks."""
    with (folder / "tokens.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def remove_stale_generations(index_dir: Path, keep: str) -> None:
    """Delete generation folders other than keep (left by earlier or interrupted runs)."""
    for path in index_dir.glob("gen-*"):
        if path.is_dir() and path.name != f"gen-{keep}":
            shutil.rmtree(path, ignore_errors=True)
