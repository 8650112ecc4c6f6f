"""docs/BENCHMARKS.md from the figures `python -m bench` collects: a header (machine, date,
commit), a summary of the issue's figures and one section per benchmark.

`render` is pure: a dict of figures in, Markdown out. A section's figures may instead be
{"skipped": reason} or {"error": message}, or be missing; the section then says so.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeGuard

ROOT = Path(__file__).resolve().parents[1]

# Issue 13's quality targets per labelled set: the figure that must reach its bound (the
# synthetic set's accuracy, BBC's macro-F1), and the calibration bound for both.
EVAL_TARGETS = {"synthetic": ("accuracy", 0.90), "bbc": ("macro_f1", 0.85)}
MAX_ECE = 0.10

# Section keys in the order the report shows them, with their headings.
SECTIONS = {
    "extract": "Extraction against single libraries",
    "pipeline": "Offline engine overhead",
    "throughput": "Documents per second with an instant model",
    "mapreduce": "Map-reduce latency against the critical path",
    "tokens": "Billed input tokens per document token",
    "cost": "Dollars per 1,000 pages on AWS",
    "burst": "Burst through the intake",
    "hostile": "Hostile files",
    "eval": "Classifier quality (docpipe eval)",
    "eval_bbc": "Classifier quality on BBC News (docpipe eval)",
    "cold_start": "Cold-start import time of each handler",
}


# -- the header's facts ----------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, Python and OS of this machine."""
    cpu = platform.processor() or platform.machine()
    memory_gib = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / 2**20
                break
    except OSError:
        pass  # not Linux: the platform module's answers stand
    system = f"{platform.system()} {platform.release()}"
    try:
        release = dict(
            line.split("=", 1)
            for line in Path("/etc/os-release").read_text().splitlines()
            if "=" in line
        )
        system = f"{release['PRETTY_NAME'].strip(chr(34))}, {system}"
    except (OSError, KeyError):
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "memory_gib": memory_gib,
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "os": system,
    }


def commit() -> dict[str, Any]:
    """The checkout's short commit and whether its work tree differs from it."""

    def git(*args: str) -> str:
        # --no-optional-locks: reading the status must not rewrite the index.
        return subprocess.run(
            ["git", "--no-optional-locks", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout

    try:
        changed = [line for line in git("status", "--porcelain").splitlines() if line]
        return {"commit": git("rev-parse", "--short", "HEAD").strip(), "changed": len(changed)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "changed": None}


def now_utc() -> str:
    """The date and time in UTC, to the minute."""
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


# -- formatting ------------------------------------------------------------------------------


def _n(value: Any, digits: int = 2) -> str:
    """A number for a table: fixed digits, thousands separated; "-" for nothing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def _usd(value: Any) -> str:
    """Dollars with four significant digits ($0.1219, $0.001594)."""
    if value is None:
        return "-"
    if value == 0:
        return "$0"
    decimals = max(2, 3 - math.floor(math.log10(abs(value))))
    return f"${value:,.{decimals}f}"


def _x(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}x"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


def _run_time(header: dict[str, Any]) -> str:
    parts = ", ".join(f"{k} {_duration(v)}" for k, v in header.get("sections_s", {}).items())
    total = _duration(header.get("duration_s"))
    return f"{total} ({parts})" if parts else total


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _met(value: float | None, target: float, *, at_most: bool = True) -> str:
    if value is None:
        return "-"
    return "met" if (value <= target if at_most else value >= target) else "**not met**"


def _state(section: Any) -> str | None:
    """A note for a section that has no figures, or None when it has them."""
    if section is None:
        return "_Not run in this report._"
    if "skipped" in section:
        return f"_Not run: {section['skipped']}_"
    if "error" in section:
        return f"_Failed: {section['error']}_"
    return None


def has_figures(section: Any) -> TypeGuard[dict[str, Any]]:
    """Whether a section holds figures (not missing, skipped or failed)."""
    return _state(section) is None


# -- the header and the summary --------------------------------------------------------------


def _header(header: dict[str, Any]) -> str:
    m = header.get("machine", {})
    c = header.get("commit", {})
    if c.get("commit") is None:
        revision = "unknown (not a git checkout)"
    elif c.get("changed"):
        revision = f"`{c['commit']}`, work tree dirty ({c['changed']} files differ from it)"
    else:
        revision = f"`{c['commit']}`, work tree clean"
    cores = _n(m.get("cores"))
    if m.get("usable_cores") not in (None, m.get("cores")):
        cores += f" ({m['usable_cores']} usable)"
    load = header.get("load_average") or {}
    rows = [
        ["Date", header.get("date", "-")],
        ["Commit", revision],
        ["CPU", str(m.get("cpu", "-"))],
        ["Cores", cores],
        ["Memory", f"{_n(m.get('memory_gib'), 1)} GiB"],
        ["Python", str(m.get("python", "-"))],
        ["OS", str(m.get("os", "-"))],
        ["Settings", header.get("settings", "-")],
        ["Run time", _run_time(header)],
        [
            "Load average (1 min) at start, end",
            f"{_n(load.get('start'))}, {_n(load.get('end'))} (at the start: what else was running)",
        ],
    ]
    return "\n\n".join(
        [
            "# Benchmarks",
            "Written by `make bench` (`.venv/bin/python -m bench`); run it again rather than "
            "edit this file. Each figure is a ratio of two things measured in the same run, "
            "or measured side by side in one run, so that a busy machine moves both sides "
            "alike; every table says what its figures are ratios of. Dollar figures are not "
            "timed: they are counted tokens and state transitions at dated prices.",
            _table(["fact", "value"], rows),
        ]
    )


def _summary(figures: dict[str, Any]) -> str:
    rows: list[list[str]] = []

    def add(figure: str, value: str, of: str, target: str = "", met: str = "") -> None:
        rows.append([figure, value, of, target, met])

    extract = figures.get("extract")
    if has_figures(extract):
        t = extract["target"]
        add(
            "Extraction time",
            _x(t["time_ratio"]),
            "docpipe ÷ bare pypdfium2, on the PDFs both read",
            f"≤ {t['time_target']:.2f}x",
            "met" if t["met"] else "**not met**",
        )
    pipeline = figures.get("pipeline")
    if has_figures(pipeline):
        for name, d in pipeline["documents"].items():
            ten = name.startswith("10-page")
            add(
                f"Engine overhead, {name}",
                _x(d["overhead"]),
                "upload → execution end ÷ time inside the handlers",
                "≤ 1.15x" if ten else "",
                _met(d["overhead"], 1.15) if ten else "",
            )
    throughput = figures.get("throughput")
    if has_figures(throughput):
        add(
            "Documents per second, instant model",
            _n(throughput["at_once"]["documents_per_s"]),
            f"{throughput['at_once']['documents']} documents ÷ seconds to drain them "
            f"(cap {throughput['cap']}); ÷ the same one at a time: {_x(throughput['speed_up'])}",
        )
    mapreduce = figures.get("mapreduce")
    if has_figures(mapreduce):
        wide = mapreduce.get("wide")
        measured = wide if has_figures(wide) else mapreduce
        add(
            "Map-reduce latency",
            _x(measured["ratio"]),
            f"Map → Classify ÷ critical path ({measured['critical_path_calls']} calls of "
            f"{_n(measured['latency_per_call_s'], 0)} s), {measured['chunks']} chunks, "
            f"{measured['max_concurrency']} calls per document"
            + (
                f" (at the default {mapreduce['max_concurrency']}: {_x(mapreduce['ratio'])}, "
                f"{_x(mapreduce['ratio_to_allowed'])} of the path it allows)"
                if measured is not mapreduce
                else ""
            ),
            f"≤ {measured['target']:.1f}x",
            _met(measured["ratio"], measured["target"]),
        )
    tokens = figures.get("tokens")
    if has_figures(tokens) and tokens["rows"]:
        largest = max(tokens["rows"], key=lambda r: r["pages"])
        add(
            "Billed input tokens",
            f"{_x(largest['billed_per_document_token'])} (net {_x(largest['net'])})",
            f"billed input ÷ document tokens, {largest['pages']}-page report (net: without "
            "the fixed prompt per call)",
            "net ≤ 1.10x",
            _met(largest["net"], 1.10),
        )
    cost = figures.get("cost")
    if has_figures(cost) and cost["rows"]:
        largest = max(cost["rows"], key=lambda r: r["pages"])
        add(
            "Bedrock $ per 1,000 pages",
            f"{_usd(largest['bedrock_on_demand'])} on demand, "
            f"{_usd(largest['bedrock_batch'])} batch",
            f"{largest['pages']}-page report, {largest['model']}",
        )
        add(
            "Step Functions $ per 1,000 pages",
            f"{_usd(largest['sfn_standard'])} Standard, "
            f"{_usd(largest['sfn_express_inner'])} with Express inner fan-out",
            f"{largest['pages']}-page report, {largest['transitions']} transitions each",
        )
    burst = figures.get("burst")
    if has_figures(burst):
        add(
            "Burst drain",
            _x(burst["drain_ratio"]),
            f"drain time ÷ ideal (N x model s per document ÷ cap), {burst['documents']} "
            f"documents, {burst['terminal_records']} terminal, {burst['duplicates']} "
            "duplicates",
        )
    hostile = figures.get("hostile")
    if has_figures(hostile):
        expected = sum(r["expected"] for r in hostile["rows"])
        add(
            "Hostile files as expected",
            f"{expected} of {len(hostile['rows'])}",
            "kinds ending in an outcome the suite expects",
        )
    for key, title in (
        ("eval", "Eval accuracy, macro-F1, ECE"),
        ("eval_bbc", "Eval on BBC News: accuracy, macro-F1, ECE"),
    ):
        evaluation = figures.get(key)
        if not has_figures(evaluation):
            add(title, "**not run**", _state(evaluation) or "")
            continue
        figure, bound = EVAL_TARGETS[evaluation["set"]]
        met = (evaluation[figure] or 0) >= bound and (evaluation["ece"] or 1) <= MAX_ECE
        what = "articles" if evaluation["set"] == "bbc" else "documents"
        add(
            title,
            f"{_n(evaluation['accuracy'], 3)}, {_n(evaluation['macro_f1'], 3)}, "
            f"{_n(evaluation['ece'], 3)}",
            ("" if evaluation["set"] == "bbc" else f"{evaluation['set']} set, ")
            + f"{evaluation['split']} split, {evaluation['documents']} {what}",
            ", ".join(
                f"≥ {bound:.2f}" if name == figure else "-" for name in ("accuracy", "macro_f1")
            )
            + f", ≤ {MAX_ECE:.2f}",
            "met" if met else "**not met**",
        )
    return "## Summary\n\n" + _table(
        ["figure", "value", "ratio of / measured as", "target", ""], rows
    )


# -- one section per benchmark ---------------------------------------------------------------


def _extract(s: dict[str, Any]) -> str:
    rows = [
        [
            name,
            _n(e["seconds"], 3),
            _n(e["pages_per_s"], 0),
            _n(e["coverage"]),
            _n(e["ocr_pages"]),
            f"{e['opened']} / {e['failed']}",
            _x(e["time_ratio"]),
            _x(e["coverage_ratio"]),
        ]
        for name, e in s["extractors"].items()
    ]
    t = s["target"]
    notes = "\n".join(f"- {note}" for note in s["notes"])
    return "\n\n".join(
        [
            f"`bench.extract` over the {s['files']} PDFs of `{s['directory']}`, every extractor "
            f"in turn on each file, best of {s['repeat']} runs per file. Time and coverage "
            "(non-space characters after the same normalisation) are ratios to bare "
            "pypdfium2 over the same files in the same run.",
            _table(
                [
                    "extractor",
                    "s",
                    "pages/s",
                    "coverage",
                    "OCR pages",
                    "opened / failed",
                    "time ÷ pypdfium2",
                    "coverage ÷ pypdfium2",
                ],
                rows,
            ),
            f"On the {t['files']} PDFs both read: docpipe {_n(t['docpipe_s'], 3)} s against "
            f"{_n(t['base_s'], 3)} s = {_x(t['time_ratio'])} (target ≤ "
            f"{t['time_target']:.2f}x), coverage {_x(t['coverage_ratio'])} (target ≥ 1): "
            f"{'met' if t['met'] else '**not met**'}.",
            notes,
        ]
    )


def _pipeline(s: dict[str, Any]) -> str:
    rows = []
    for name, d in s["documents"].items():
        rows.append(
            [
                name,
                d["branch"],
                _n(d["wall_s"], 3),
                _n(d["handler_s"], 3),
                _x(d["overhead"]),
                _x(d["execution_overhead"]),
                _n(d["intake_s"], 3),
                _n(d["between_s"], 3),
                _n(d["after_last_s"], 3),
                f"{_n(d['median_s'], 3)} (+{_n(d['wait_late_s'], 3)})",
                _x(d["wait_wall_ratio"]),
            ]
        )
    handlers = sorted({k for d in s["documents"].values() for k in d if k.startswith("handler:")})
    per_handler = [
        [name.removeprefix("handler:docpipe-")]
        + [_n(d.get(name), 3) for d in s["documents"].values()]
        for name in handlers
    ]
    return "\n\n".join(
        [
            f"`bench.pipeline`: each document runs alone, {s['runs']} times after a warm-up "
            f"({s['provider']} provider), medians shown. The overhead is the wall time from "
            "the upload to the execution's end (Step Functions' stop date) ÷ the time during "
            "which a Lambda handler ran (each handler timed inside the engine's dispatch). "
            "The rest of the wall time is split into the intake (upload → execution start, "
            "less the starter's own time), the time between handlers inside the execution "
            "(moto's interpreter and the service integrations) and the time after the last "
            "handler (Publish Completion, Release Lease). Those runs wait for the end without "
            "disturbing it; in turns with them, the same number of runs wait with "
            "`LocalEngine.wait` (as `docpipe run` waits): how long after the end it returns, "
            "and the wall time under it ÷ the quiet runs' (last two columns).",
            _table(
                [
                    "document",
                    "branch",
                    "wall s",
                    "handler s",
                    "wall ÷ handler",
                    "execution ÷ handler",
                    "intake s",
                    "between s",
                    "after last s",
                    "seen by `wait` s (late)",
                    "wall polled ÷ quiet",
                ],
                rows,
            ),
            "Time inside each handler (median s):",
            _table(["handler", *s["documents"]], per_handler),
        ]
    )


def _throughput(s: dict[str, Any]) -> str:
    rows = [
        [
            label,
            _n(p["documents"]),
            _n(p["drain_s"], 2),
            _n(p["documents_per_s"], 2),
            _n(p["handler_s_per_document"], 3),
            _n(p["handler_busy_share"], 2),
            _n(p["mean_handlers_running"], 2),
            _n(p.get("mean_executions_running"), 2),
        ]
        for label, p in (("one at a time", s["one_at_a_time"]), ("all at once", s["at_once"]))
    ]
    return "\n\n".join(
        [
            f"`bench.throughput`: distinct {s['document']}s through the whole twin with the "
            f"bedrock provider ({s['model']}) against the Converse fake answering at once "
            f"(in a process of its own), first one at a time, then all uploaded at once with "
            f"the cap at {s['cap']}, in the same engine. Documents per second = documents ÷ "
            "their seconds (one at a time: each one's upload → execution end, added up; all "
            "at once: first upload → last execution end); busy share = time during which a "
            "handler ran ÷ those seconds; mean handlers = handler seconds ÷ those seconds; mean "
            "executions = execution seconds (start → stop dates) ÷ those seconds. With an "
            "instant model a document is done in well under the starter's 1 s hand-back when "
            "the house is full, so all at once also measures the intake's pacing.",
            _table(
                [
                    "phase",
                    "documents",
                    "seconds",
                    "documents/s",
                    "handler s/document",
                    "busy share",
                    "mean handlers",
                    "mean executions",
                ],
                rows,
            ),
            f"All at once ÷ one at a time: {_x(s['speed_up'])} the documents per second.",
        ]
    )


def _mapreduce(s: dict[str, Any]) -> str:
    runs = [s, s["wide"]] if has_figures(s.get("wide")) else [s]
    rows = []
    for run in runs:
        calls = run["max_concurrency"]
        rows.append(
            [
                f"{calls}" + (" (default)" if run is s else ""),
                f"{_n(run['map_reduce_s'], 2)} s",
                f"{run['max_calls_in_flight']}",
                f"{run['map_rounds']} x {_n(run['map_s'] / run['map_rounds'], 3)} s",
                f"{_x(run['ratio'])} of {_n(run['critical_path_s'], 1)} s",
                f"{_x(run['ratio_to_allowed'])} of {_n(run['allowed_path_s'], 1)} s",
                f"≤ {run['target']:.1f}x: {_met(run['ratio'], run['target'])}"
                if run is not s or len(runs) == 1
                else "",
            ]
        )
    return "\n\n".join(
        [
            f"`bench.mapreduce`: one paged text report of {s['pages']} pages making exactly "
            f"{s['chunks']} chunks at the bedrock chunk size, the Converse fake answering "
            f"each call after {_n(s['latency_per_call_s'], 1)} s ({s['model_calls']} model "
            f"calls: {s['summarize_calls']} summarize, {s['combine_calls']} combine, "
            f"{s['classify_calls']} classify), run at the default model calls per document "
            "(`DOCPIPE_MODEL_CALLS_PER_DOCUMENT` / `modelCallsPerDocument`, the Map's "
            "concurrency) and with that setting at the chunk count. Map-reduce latency = "
            "entering the Map → leaving Classify Document. Critical path = 1 chunk level "
            f"(all chunks at once) + {s['combine_levels']} combine level(s) + "
            f"{s['classify_calls']} classify = {s['critical_path_calls']} calls; allowed "
            "path = the chunk level in rounds of the setting's calls instead of one.",
            _table(
                [
                    "calls per document",
                    "map-reduce latency",
                    "most in flight",
                    "Map rounds x s per round",
                    "÷ critical path",
                    "÷ allowed path",
                    "target",
                ],
                rows,
            ),
            "The default keeps one document's calls within its share of the model quota "
            '(README, "Sizing the cap"), so the chunk level takes '
            f"{s['map_rounds']} rounds; what the engine adds is the latency ÷ the allowed "
            "path. On AWS an inline Map runs at most 40 iterations at once (the stack "
            "refuses a larger `modelCallsPerDocument`), so a document of more than 40 "
            "chunks takes at least 2 rounds there.",
        ]
    )


def _tokens(s: dict[str, Any]) -> str:
    rows = [
        [
            _n(r["pages"]),
            _n(r["document_tokens"]),
            _n(r["chunks"]),
            _n(r["calls"]),
            _n(r["billed_input_tokens"]),
            _x(r["billed_per_document_token"]),
            _x(r["first_read"]),
            _x(r["re_read"]),
            _x(r["net"]),
            _n(r["fixed_per_call"], 0),
        ]
        for r in s["rows"]
    ]
    model = s["rows"][0]["model"] if s["rows"] else "-"
    return "\n\n".join(
        [
            f"`bench.tokens`: generated reports through the bedrock provider ({model}) "
            "against the Converse fake, which counts tokens at about four characters each, "
            "the same way for the document and every request. All ratios are ÷ the "
            "document's tokens: billed = all input billed (full rate, cache reads and "
            "writes); first read = document text in the summarize calls; re-read = partial "
            "summaries in the combine calls; net = first read + re-read. Fixed per call = "
            "(billed - first read - re-read) ÷ calls: instructions, tool schema, framing and "
            "the classify call's bounded input.",
            _table(
                [
                    "pages",
                    "document tokens",
                    "chunks",
                    "calls",
                    "billed input",
                    "billed ÷ doc",
                    "first read",
                    "re-read",
                    "net",
                    "fixed tokens per call",
                ],
                rows,
            ),
            "Target (issue 4): billed input ≤ 1.10 x document tokens + a fixed prompt per "
            "call, i.e. net ≤ 1.10x.",
        ]
    )


def _cost(s: dict[str, Any]) -> str:
    rows = [
        [
            _n(r["pages"]),
            _n(r["chunks"]),
            f"{r['transitions']} ({r['inner_transitions']})",
            _usd(r["bedrock_on_demand"]),
            _usd(r["bedrock_batch"]),
            _usd(r["sfn_standard"]),
            _usd(r["sfn_express_inner"]),
            _usd(r["inner_standard"]),
            _usd(r["inner_express"]),
            "-" if r["break_even_s_per_round"] is None else f"{r['break_even_s_per_round']:,.0f}",
        ]
        for r in s["rows"]
    ]
    first = s["rows"][0] if s["rows"] else {"model": "-", "prices_as_of": "-"}
    return "\n\n".join(
        [
            f"`bench.cost`, from the executions of `bench.tokens`: {first['model']} at the "
            f"prices of tasks/shared/prices.json (as of {first['prices_as_of']}). Bedrock on "
            "demand = the tokens the pipeline recorded x those prices; batch = what the same "
            "document recorded through the batch lane (incoming/batch/, its calls answered by "
            "the batch emulator's jobs: the batch price, no prompt-cache reads). Step "
            "Functions Standard = the "
            "execution's state transitions, counted from its history on the twin (states "
            "entered, and task retries) x $0.025 per 1,000. Express inner fan-out = the "
            "transitions outside the Map's items at the Standard price + one Express "
            "execution per document running the Map ($1.00 per million requests + "
            "$0.00001667 per GB-second at 64 MB, billed in 100 ms steps), lasting "
            f"⌈chunks ÷ MaxConcurrency⌉ rounds x {_n(s['seconds_per_round'], 3)} s "
            f"({s['seconds_per_round_source']}). Lambda, S3 and DynamoDB are not counted. "
            "All in dollars per 1,000 pages.",
            _table(
                [
                    "pages",
                    "chunks",
                    "transitions (in Map)",
                    "Bedrock on demand",
                    "Bedrock batch",
                    "SFN Standard",
                    "SFN with Express inner",
                    "inner fan-out Standard",
                    "inner fan-out Express",
                    "break-even s per round",
                ],
                rows,
            ),
            "Break-even: the model seconds per round of calls at which the Express fan-out "
            "would cost what its Standard transitions cost. A one-chunk document has no Map, "
            "so both Step Functions figures are the same; for short documents Step Functions "
            "transitions, not tokens, are most of the bill.",
        ]
    )


def _burst(s: dict[str, Any]) -> str:
    rows = [
        ["terminal records", f"{s['terminal_records']} of {s['documents']}", "documents"],
        ["duplicate executions", _n(s["duplicates"]), "beyond one per object version"],
        [
            "dead letters",
            ", ".join(f"{error} {count}" for error, count in s["dead_letters"].items()) or "0",
            "pipeline DLQ, by error",
        ],
        ["intake dead letters", _n(s["intake_dead_letters"]), "intake DLQ"],
        ["most running at once", f"{s['max_running']} (cap {s['cap']})", "Step Functions dates"],
        ["mean running", _n(s["mean_running"]), "execution seconds ÷ drain seconds"],
        ["most leases held", f"{s['max_leases']} (cap {s['cap']})", "sampled every 50 ms"],
        ["most model calls in flight", _n(s["max_model_calls_in_flight"]), "the fake's count"],
        [
            "model calls",
            f"{s['model_calls']} ({s['model_throttled']} throttled)",
            f"throttle rate {s['throttle_rate']}",
        ],
        [
            "drain ÷ ideal",
            f"{_n(s['drain_s'], 1)} s ÷ {_n(s['ideal_drain_s'], 1)} s = {_x(s['drain_ratio'])}",
            "ideal = N x model s per document ÷ cap",
        ],
        ["CPU", f"{_n(s['cpu_s'], 1)} s", "of the engine's process, fake excluded"],
    ]
    return "\n\n".join(
        [
            f"`bench.burst`: {s['documents']} small distinct documents uploaded at once "
            "through the whole twin (S3 → EventBridge → intake queue → starter with the "
            f"lease cap {s['cap']} → the real ASL), the bedrock provider against the Converse "
            f"fake in a process of its own answering after {_n(s['latency_s'], 1)} s and "
            f"throttling {round(s['throttle_rate'] * 100)} % of the calls (retries on the "
            f"engine's clock, time scale {s['time_scale']}).",
            _table(["figure", "value", "measured as"], rows),
        ]
    )


def _hostile(s: dict[str, Any]) -> str:
    rows = s["rows"]
    slowest = max(rows, key=lambda r: r["seconds"])
    heaviest = max(rows, key=lambda r: r["peak_mb"])
    unexpected = [r for r in rows if not r["expected"]]
    table = _table(
        ["family", "kind", "bytes", "outcome", "expected", "s", "s ÷ deadline", "peak MB"],
        [
            [
                r["family"],
                r["kind"],
                _n(r["bytes"]),
                r["outcome"],
                "yes" if r["expected"] else "**no**",
                _n(r["seconds"], 2),
                _n(r["seconds"] / s["seconds"], 3),
                _n(r["peak_mb"]),
            ]
            for r in rows
        ],
    )
    return "\n\n".join(
        [
            f"`bench.hostile`: the suite's {len(rows)} hostile kinds through the extraction "
            f"sandbox (deadline {_n(s['seconds'], 0)} s, memory allowance {s['memory_mb']} MB)."
            f" {len(rows) - len(unexpected)} of {len(rows)} end as the suite expects"
            + (f" (not: {', '.join(r['kind'] for r in unexpected)})" if unexpected else "")
            + f". Slowest: {slowest['kind']}, {_n(slowest['seconds'], 2)} s = "
            f"{_n(slowest['seconds'] / s['seconds'], 3)} of the deadline; largest peak: "
            f"{heaviest['kind']}, {heaviest['peak_mb']} MB = "
            f"{_n(heaviest['peak_mb'] / s['memory_mb'], 2)} of the allowance (resident "
            "memory, the fork server's shared pages included).",
            f"<details><summary>Every kind</summary>\n\n{table}\n\n</details>",
        ]
    )


def _eval(s: dict[str, Any]) -> str:
    figure, bound = EVAL_TARGETS[s["set"]]
    target = {figure: f"≥ {bound:.2f}"}
    rows = [
        ["accuracy", _n(s["accuracy"], 3), "correct ÷ documents", target.get("accuracy", "")],
        ["macro-F1", _n(s["macro_f1"], 3), "mean over labels of F1", target.get("macro_f1", "")],
        [
            "ECE",
            _n(s["ece"], 3),
            "expected calibration error of the confidence",
            f"≤ {MAX_ECE:.2f}",
        ],
        ["other", _n(s["other_share"], 3), "share sent to the fallback label", ""],
        ["review", _n(s["review_share"], 3), "share flagged for review", ""],
        [
            "supported points",
            _n(s["supported_share"], 3),
            "supported summary points ÷ all points",
            "",
        ],
        ["failed", _n(s["failed"]), "documents", ""],
    ]
    size = f", {s['per_label']} per label" if s.get("per_label") else ""
    labels = (
        "bench/datasets/bbc_labels.json (5 labels)"
        if s["set"] == "bbc"
        else "tasks/shared/labels.json"
    )
    return "\n\n".join(
        [
            f"`docpipe eval` ({s['provider']} provider) on the {s['set']} set's {s['split']} "
            f"split ({s['documents']} documents{size}), generated by `python -m "
            f"bench.datasets` into a temporary folder, classified against {labels}.",
            _table(["figure", "value", "ratio of", "target"], rows),
        ]
    )


def _cold_start(s: dict[str, Any]) -> str:
    rows = [
        [
            f"`{r['function']}`",
            _n(r["import_s"], 3),
            _x(r["ratio"]),
            ", ".join(r["packages"]) or "-",
        ]
        for r in s["rows"]
    ]
    return "\n\n".join(
        [
            f"`bench.cold_start`: each handler module imported in a fresh interpreter, "
            f"{s['runs']} times, in turns with an import of {s['baseline']} alone "
            f"({_n(s['baseline_s'], 3)} s, median), which every function makes and the Lambda "
            "runtime ships. Median import time, its ratio to the baseline's, and the "
            "third-party packages the import loaded (its bundle carries these and what they "
            "need, from its lock file: `make bundles`).",
            _table(["function", "import s", f"÷ {s['baseline']}", "packages loaded"], rows),
        ]
    )


RENDERERS: dict[str, Callable[[dict[str, Any]], str]] = {
    "extract": _extract,
    "pipeline": _pipeline,
    "throughput": _throughput,
    "mapreduce": _mapreduce,
    "tokens": _tokens,
    "cost": _cost,
    "burst": _burst,
    "hostile": _hostile,
    "eval": _eval,
    "eval_bbc": _eval,
    "cold_start": _cold_start,
}


def render(figures: dict[str, Any]) -> str:
    """The whole report: header, summary, then every section in SECTIONS order."""
    parts = [_header(figures.get("header", {})), _summary(figures)]
    for key, heading in SECTIONS.items():
        section = figures.get(key)
        body = RENDERERS[key](section) if has_figures(section) else str(_state(section))
        parts.append(f"## {heading}\n\n{body}")
    return "\n\n".join(parts).rstrip() + "\n"


def write(figures: dict[str, Any], path: Path) -> Path:
    """Render the figures into `path` (its folder made if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(figures), encoding="utf-8")
    return path
