"""Building and updating the index incrementally: only new and changed files are read again."""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..files import os_error_text
from ..settings import Settings
from .chunking import Chunk, chunk_document
from .embed import Embedder, EmbedderUnavailable, close_embedder, embedder_name, make_embedder
from .ingest import LoadError, discover, file_hash, load_document
from .lexical import LexicalIndex, tokenize_passages
from .manifest import (
    FileEntry,
    IndexUnusable,
    Manifest,
    check_index_dir,
    read_chunks,
    read_manifest,
    read_tokens,
    remove_stale_generations,
    write_chunks,
    write_manifest,
)
from .store import Metadata, StoreUnavailable, VectorStore

# Called as progress(stage, done, total) while indexing; stage is a short Chinese label.
Progress = Callable[[str, int, int], None]
EMBED_BATCH = 32
# Bump when chunking, the indexed text (context lines), tokenization or BM25 parameters change:
# an index made by another recipe is rebuilt (vectors of unchanged passages are still reused).
RECIPE = "4"
LOCK = ".lock"


class IndexBusy(RuntimeError):
    """Another process is updating the same index folder."""


@dataclass(frozen=True)
class IndexReport:
    """What an index run found and did."""

    files: int
    added: int
    updated: int
    unchanged: int
    removed: int
    chunks: int
    embedded: int
    skipped: tuple[tuple[str, str], ...]
    seconds: float
    notices: tuple[str, ...] = field(default=())


def doc_name(path: Path) -> str:
    """Return how the index names a file: relative to the working folder when inside it."""
    absolute = path.resolve()
    try:
        return absolute.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return absolute.as_posix()


def vector_store_name(settings: Settings) -> str:
    """Return where the settings keep vectors: the server URL or "local"."""
    return settings.chroma_url or "local"


def update_index(
    corpus_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
    embedder: Embedder | None = None,
) -> IndexReport:
    """Return the report of bringing the index in settings.index_dir up to date with corpus_dir."""
    started = time.perf_counter()
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"找不到语料文件夹：{corpus_dir}")
    index_dir = Path(settings.index_dir)
    check_index_dir(index_dir)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexUnusable(f"无法建立索引文件夹 {index_dir}：{os_error_text(exc)}") from None
    with _exclusive(index_dir):
        return _update(corpus_dir, index_dir, settings, progress, embedder, started)


@contextmanager
def _exclusive(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's lock for the block; raise IndexBusy when another process holds it.

    Two runs writing one folder would each switch the manifest to its own generation and delete
    the other's; the operating system drops the lock when a process dies, so none goes stale.
    """
    fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            _lock(fd)
        except OSError:
            raise IndexBusy(f"另一个建索引任务正在更新 {index_dir}，请等它结束后再运行。") from None
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _lock(fd: int) -> None:
    """Take a non-blocking exclusive lock on fd; raise OSError when it is held elsewhere."""
    if sys.platform == "win32":
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _update(
    corpus_dir: Path,
    index_dir: Path,
    settings: Settings,
    progress: Progress | None,
    embedder: Embedder | None,
    started: float,
) -> IndexReport:
    """Return the report of an update_index run, the lock held."""
    old = read_manifest(index_dir)
    if old is not None and (old.chunk_tokens, old.recipe) != (settings.chunk_tokens, RECIPE):
        old = None  # a new chunk size or recipe re-chunks everything
    if old is not None and not _readable(old.generation_dir(index_dir)):
        old = None  # a damaged index is rebuilt from the corpus
    outside: list[Path] = []
    paths = {doc_name(p): p for p in discover(corpus_dir, outside)}
    left_out = tuple((p.as_posix(), f"链接指向语料文件夹之外（{p.resolve()}），不读取") for p in outside)
    hashes = {name: _hash(p) for name, p in paths.items()}
    old_files = old.files if old else {}
    unchanged = {n for n in paths if hashes[n] and n in old_files and old_files[n].hash == hashes[n]}
    added = sum(n not in old_files for n in paths)
    counts = (added, len(paths) - len(unchanged) - added, len(unchanged), len(set(old_files) - set(paths)))
    wanted = embedder.name if embedder else embedder_name(settings)
    if old is not None and counts[:2] == (0, 0) and not counts[3] and (
        old.embedder == wanted and old.vector_store == vector_store_name(settings)
    ):
        return _report(old, counts, 0, (), started, left_out)
    files, chunks, tokens = _collect(
        index_dir, old, paths, hashes, unchanged, settings.chunk_tokens, progress
    )
    sync = _sync_vectors(settings, chunks, embedder, progress)
    try:
        manifest = _commit(index_dir, settings, files, chunks, tokens, sync.complete_for)
        notices = sync.notices + _delete_stale_vectors(sync.store, chunks)
    finally:
        if sync.store is not None:
            sync.store.close()
    return _report(manifest, counts, sync.embedded, notices, started, left_out)


def _readable(folder: Path) -> bool:
    """Return whether a generation's chunks, tokens and BM25 index can all be read back."""
    try:
        chunks = read_chunks(folder)
        tokens = sum(1 for _ in read_tokens(folder))
        LexicalIndex.load(folder / "bm25")
    except Exception:  # noqa: BLE001 - damaged files fail in json, numpy or bm25s
        return False
    return len(chunks) == tokens


def _commit(
    index_dir: Path,
    settings: Settings,
    files: dict[str, FileEntry],
    chunks: list[Chunk],
    tokens: list[list[str]],
    vectors_for: str | None,
) -> Manifest:
    """Write a new generation, then switch the manifest to it; return the new manifest."""
    manifest = Manifest(
        generation=uuid.uuid4().hex[:12],
        chunk_tokens=settings.chunk_tokens,
        recipe=RECIPE,
        embedder=vectors_for,
        vector_store=vector_store_name(settings),
        files=files,
    )
    folder = manifest.generation_dir(index_dir)
    write_chunks(folder, chunks, tokens)
    LexicalIndex.build(tokens).save(folder / "bm25")
    write_manifest(index_dir, manifest)  # the switch: from here on the new generation is live
    remove_stale_generations(index_dir, manifest.generation)
    return manifest


def _hash(path: Path) -> str:
    """Return the file's content hash, or "" when it cannot be read (it is then skipped)."""
    try:
        return file_hash(path)
    except OSError:
        return ""


def _report(
    manifest: Manifest,
    counts: tuple[int, int, int, int],
    embedded: int,
    notices: tuple[str, ...],
    started: float,
    left_out: tuple[tuple[str, str], ...] = (),
) -> IndexReport:
    skipped = tuple(
        (name, entry.skipped) for name, entry in sorted(manifest.files.items()) if entry.skipped
    ) + left_out
    return IndexReport(
        files=len(manifest.files),
        added=counts[0],
        updated=counts[1],
        unchanged=counts[2],
        removed=counts[3],
        chunks=sum(len(entry.chunks) for entry in manifest.files.values()),
        embedded=embedded,
        skipped=skipped,
        seconds=time.perf_counter() - started,
        notices=notices,
    )


def _collect(
    index_dir: Path,
    old: Manifest | None,
    paths: dict[str, Path],
    hashes: dict[str, str],
    unchanged: set[str],
    max_tokens: int,
    progress: Progress | None,
) -> tuple[dict[str, FileEntry], list[Chunk], list[list[str]]]:
    """Return file entries, chunks and tokens: reused for unchanged files, read for the rest."""
    reused: dict[str, list[tuple[Chunk, list[str]]]] = {}
    if old is not None and unchanged:
        folder = old.generation_dir(index_dir)
        for chunk, toks in zip(read_chunks(folder), read_tokens(folder), strict=True):
            if chunk.doc in unchanged:
                reused.setdefault(chunk.doc, []).append((chunk, toks))
    files: dict[str, FileEntry] = {}
    fresh: dict[str, list[Chunk]] = {}
    for done, name in enumerate(sorted(paths), start=1):
        if old is not None and name in unchanged:
            files[name] = old.files[name]
        elif not hashes[name]:
            files[name] = FileEntry("", skipped="无法读取文件（权限不足或文件已被移走）")
        else:
            try:
                fresh[name] = chunk_document(load_document(paths[name], name), max_tokens)
                files[name] = FileEntry(hashes[name], tuple(c.id for c in fresh[name]))
            except LoadError as exc:
                files[name] = FileEntry(hashes[name], skipped=str(exc))
        if progress:
            progress("读取文件", done, len(paths))
    new = [c for name in sorted(fresh) for c in fresh[name]]
    new_tokens = iter(tokenize_passages([(c.context(), c.text) for c in new]))
    chunks: list[Chunk] = []
    tokens: list[list[str]] = []
    for name in sorted(paths):
        for chunk, toks in reused.get(name, ()):
            chunks.append(chunk)
            tokens.append(toks)
        for chunk in fresh.get(name, ()):
            chunks.append(chunk)
            tokens.append(next(new_tokens))
    return files, chunks, tokens


@dataclass(frozen=True)
class _VectorSync:
    notices: tuple[str, ...] = ()
    store: VectorStore | None = None
    complete_for: str | None = None
    embedded: int = 0


def _sync_vectors(
    settings: Settings, chunks: Sequence[Chunk], embedder: Embedder | None, progress: Progress | None
) -> _VectorSync:
    """Embed and store the chunks whose vectors the store lacks; degrade to BM25 on failure."""
    done = 0
    store: VectorStore | None = None
    emb: Embedder | None = None
    try:
        emb = embedder or make_embedder(settings)
        store = VectorStore(settings, emb.name)
        have = store.ids()
        missing = [c for c in chunks if c.id not in have]
        for start in range(0, len(missing), EMBED_BATCH):
            batch = missing[start:start + EMBED_BATCH]
            vectors = emb.embed([c.indexed_text() for c in batch])
            store.add([c.id for c in batch], vectors, [vector_metadata(c) for c in batch])
            done += len(batch)
            if progress:
                progress("计算向量", done, len(missing))
    except (EmbedderUnavailable, StoreUnavailable) as exc:
        if store is not None:
            store.close()
        notice = f"{exc}；本次只建立关键词索引（BM25），检索将只用关键词。"
        return _VectorSync(notices=(notice,), embedded=done)
    except BaseException:
        if store is not None:
            store.close()
        raise
    finally:
        if embedder is None:
            close_embedder(emb)  # ours to close; a caller's embedder stays open
    return _VectorSync(store=store, complete_for=emb.name, embedded=done)


def _delete_stale_vectors(store: VectorStore | None, chunks: Sequence[Chunk]) -> tuple[str, ...]:
    """Remove vectors of chunks no longer in the index; return a notice if that failed."""
    if store is None:
        return ()
    try:
        stale = store.ids() - {c.id for c in chunks}
        store.delete(sorted(stale))
    except StoreUnavailable as exc:
        return (f"{exc}；旧向量未能清理，下次建索引时再清理。",)
    return ()


def vector_metadata(chunk: Chunk) -> Metadata:
    """Return the metadata stored with a chunk's vector: what search filters on."""
    meta: Metadata = {"doc": chunk.doc, "kind": chunk.kind, "type": chunk.type}
    for key in ("department", "year", "unit", "region", "outcome"):
        value = chunk.metadata.get(key)
        if value is not None and value != "":
            meta[key] = value
    return meta
