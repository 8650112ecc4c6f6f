"""`docpipe graph`: the state machine drawn from the ASL file itself, as Mermaid, DOT or SVG.

Every state is a node (Choice as a diamond, Succeed and Fail rounded, a Map a box around
the states it runs), every Next, Choice, Default and Catch an edge (Catch dashed). Given an
execution's trace, each state is coloured by what it did there: succeeded, failed, caught,
stopped, or not run. The layout is deterministic: states are ranked by their distance from
StartAt along Next/Choice/Default edges, and kept in ASL order within a rank.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

COLOURS = {
    "succeeded": "#c8e6c9",
    "caught": "#ffe0b2",
    "failed": "#ffcdd2",
    "stopped": "#e0e0e0",
    "running": "#bbdefb",
    "not run": "#ffffff",
}
LEGEND = ("succeeded", "caught", "failed", "stopped", "not run")


@dataclass(frozen=True)
class Node:
    name: str
    type: str
    map: str | None  # the Map state this one runs inside


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # next, choice, default, catch


def model(asl: Mapping[str, Any]) -> tuple[list[Node], list[Edge], str]:
    """The nodes and edges of the ASL, Map processors included; and StartAt."""
    nodes: list[Node] = []
    edges: list[Edge] = []

    def walk(states: Mapping[str, Any], parent: str | None) -> None:
        for name, state in states.items():
            nodes.append(Node(name, state["Type"], parent))
            if "Next" in state:
                edges.append(Edge(name, state["Next"], "next"))
            for choice in state.get("Choices", []):
                edges.append(Edge(name, choice["Next"], "choice"))
            if "Default" in state:
                edges.append(Edge(name, state["Default"], "default"))
            for catch in state.get("Catch", []):
                edges.append(Edge(name, catch["Next"], "catch"))
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                walk(processor["States"], name)
                edges.append(Edge(name, processor["StartAt"], "next"))

    walk(asl["States"], None)
    return nodes, edges, str(asl["StartAt"])


def statuses(traced: Mapping[str, Any] | None) -> dict[str, str]:
    """Each state's status in a trace: the worst of its runs (a Map's states run often)."""
    if traced is None:
        return {}
    rank = ["succeeded", "running", "stopped", "caught", "failed"]
    found: dict[str, str] = {}
    for run in traced["states"]:
        now = found.get(run["name"])
        if now is None or rank.index(run["status"]) > rank.index(now):
            found[run["name"]] = run["status"]
    return found


def _ident(name: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def mermaid(asl: Mapping[str, Any], traced: Mapping[str, Any] | None = None) -> str:
    nodes, edges, start = model(asl)
    seen = statuses(traced)
    lines = ["flowchart TD", f"  start(( )) --> {_ident(start)}"]
    shapes = {"Choice": ("{", "}"), "Succeed": ("([", "])"), "Fail": ("([", "])")}
    inner: dict[str, list[Node]] = {}
    for node in nodes:
        if node.map is not None:
            inner.setdefault(node.map, []).append(node)
    for node in nodes:
        if node.map is not None:
            continue
        left, right = shapes.get(node.type, ("[", "]"))
        lines.append(f'  {_ident(node.name)}{left}"{node.name}"{right}')
        if node.name in inner:
            lines.append(f'  subgraph {_ident(node.name)}_map["{node.name} (Map)"]')
            for child in inner[node.name]:
                left, right = shapes.get(child.type, ("[", "]"))
                lines.append(f'    {_ident(child.name)}{left}"{child.name}"{right}')
            lines.append("  end")
    for edge in edges:
        arrow = "-.->" if edge.kind == "catch" else "-->"
        label = "|catch|" if edge.kind == "catch" else ""
        lines.append(f"  {_ident(edge.source)} {arrow}{label} {_ident(edge.target)}")
    for status in LEGEND:
        lines.append(f"  classDef {status.replace(' ', '_')} fill:{COLOURS[status]},stroke:#555")
    if traced is not None:
        for node in nodes:
            status = seen.get(node.name, "not run").replace(" ", "_")
            lines.append(f"  class {_ident(node.name)} {status}")
        lines.append('  subgraph legend["legend"]')
        for status in LEGEND:
            lines.append(
                f'    legend_{status.replace(" ", "_")}["{status}"]:::{status.replace(" ", "_")}'
            )
        lines.append("  end")
    return "\n".join(lines) + "\n"


def dot(asl: Mapping[str, Any], traced: Mapping[str, Any] | None = None) -> str:
    nodes, edges, start = model(asl)
    seen = statuses(traced)
    shapes = {"Choice": "diamond", "Succeed": "oval", "Fail": "oval", "Map": "box3d"}
    lines = [
        "digraph docpipe {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica"];',
    ]
    lines.append(f'  __start [shape=point]; __start -> "{_ident(start)}";')
    for parent in sorted({n.map for n in nodes if n.map}):
        lines.append(
            f'  subgraph "cluster_{_ident(parent)}" {{ label="{parent} (Map)"; style=dashed;'
        )
        for node in (n for n in nodes if n.map == parent):
            lines.append(f'    "{_ident(node.name)}";')
        lines.append("  }")
    for node in nodes:
        status = seen.get(node.name, "not run") if traced is not None else "not run"
        lines.append(
            f'  "{_ident(node.name)}" [label="{node.name}", shape={shapes.get(node.type, "box")}, '
            f'fillcolor="{COLOURS[status]}"];'
        )
    for edge in edges:
        style = ' [style=dashed, label="catch"]' if edge.kind == "catch" else ""
        lines.append(f'  "{_ident(edge.source)}" -> "{_ident(edge.target)}"{style};')
    if traced is not None:
        lines.append('  subgraph cluster_legend { label="legend";')
        for status in LEGEND:
            lines.append(
                f'    "legend {status}" [label="{status}", fillcolor="{COLOURS[status]}"];'
            )
        lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


WIDTH, HEIGHT, GAP_X, GAP_Y, MARGIN = 190, 34, 30, 36, 20


def _ranks(nodes: list[Node], edges: list[Edge], start: str) -> dict[str, int]:
    """Each state's distance from StartAt along the edges that are not Catch; states only
    a Catch reaches come below the deepest of those that catch into them."""
    order = [n.name for n in nodes]
    forward: dict[str, list[str]] = {name: [] for name in order}
    for edge in edges:
        if edge.kind != "catch":
            forward[edge.source].append(edge.target)
    rank = {start: 0}
    _spread(rank, forward, start)
    deepest = max(rank.values(), default=0)
    pending = [n for n in order if n not in rank]
    while pending:
        name = pending.pop(0)
        sources = [rank[e.source] for e in edges if e.target == name and e.source in rank]
        if sources or not pending:
            rank[name] = (max(sources) if sources else deepest) + 1
            _spread(rank, forward, name)
            pending = [n for n in pending if n not in rank]
        else:
            pending.append(name)
    return rank


def _spread(rank: dict[str, int], forward: Mapping[str, list[str]], origin: str) -> None:
    """Rank, breadth first, every state reachable from `origin` that has no rank yet."""
    queue = [origin]
    while queue:
        current = queue.pop(0)
        for target in forward[current]:
            if target not in rank:
                rank[target] = rank[current] + 1
                queue.append(target)


def svg(asl: Mapping[str, Any], traced: Mapping[str, Any] | None = None) -> str:
    nodes, edges, start = model(asl)
    seen = statuses(traced)
    rank = _ranks(nodes, edges, start)
    rows: dict[int, list[Node]] = {}
    for node in nodes:
        rows.setdefault(rank[node.name], []).append(node)
    position: dict[str, tuple[int, int]] = {}
    widest = max(len(row) for row in rows.values())
    for level, row in sorted(rows.items()):
        offset = (widest - len(row)) * (WIDTH + GAP_X) // 2
        for index, node in enumerate(row):
            x = MARGIN + offset + index * (WIDTH + GAP_X)
            position[node.name] = (x, MARGIN + 40 + level * (HEIGHT + GAP_Y))
    width = MARGIN * 2 + widest * (WIDTH + GAP_X)
    height = MARGIN * 2 + 40 + (max(rows) + 1) * (HEIGHT + GAP_Y)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#555"/>'
        "</marker></defs>",
        f'<rect width="{width}" height="{height}" fill="#fafafa"/>',
    ]
    if traced is not None:
        title = f"{traced.get('name')}: {traced.get('status')}"
        out.append(
            f'<text x="{MARGIN}" y="{MARGIN + 6}" font-size="14">{html.escape(title)}</text>'
        )
    for parent in sorted({n.map for n in nodes if n.map}):
        inside = [position[n.name] for n in nodes if n.map == parent]
        x0, y0 = min(p[0] for p in inside) - 10, min(p[1] for p in inside) - 18
        x1, y1 = max(p[0] for p in inside) + WIDTH + 10, max(p[1] for p in inside) + HEIGHT + 8
        out.append(
            f'<rect class="map" x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" rx="6" '
            f'fill="none" stroke="#777" stroke-dasharray="5,3"/>'
            f'<text x="{x0 + 6}" y="{y0 + 12}" fill="#555">{html.escape(parent)} (Map)</text>'
        )
    for edge in edges:
        (sx, sy), (tx, ty) = position[edge.source], position[edge.target]
        x1, y1 = sx + WIDTH // 2, sy + HEIGHT
        x2, y2 = tx + WIDTH // 2, ty
        if ty <= sy:  # back or sideways: leave from the side
            x1, y1, y2 = sx + WIDTH, sy + HEIGHT // 2, ty + HEIGHT // 2
            x2 = tx + WIDTH
        dash = ' stroke-dasharray="4,3"' if edge.kind == "catch" else ""
        out.append(
            f'<line class="edge {edge.kind}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" '
            f'stroke="#555"{dash} marker-end="url(#arrow)"/>'
        )
    for node in nodes:
        x, y = position[node.name]
        status = seen.get(node.name, "not run") if traced is not None else "not run"
        fill = COLOURS[status]
        label = html.escape(node.name)
        if node.type == "Choice":
            shape = (
                f'<polygon points="{x},{y + HEIGHT // 2} {x + WIDTH // 2},{y} {x + WIDTH},'
                f'{y + HEIGHT // 2} {x + WIDTH // 2},{y + HEIGHT}" fill="{fill}" stroke="#333"/>'
            )
        else:
            radius = HEIGHT // 2 if node.type in ("Succeed", "Fail") else 4
            shape = (
                f'<rect x="{x}" y="{y}" width="{WIDTH}" height="{HEIGHT}" rx="{radius}" '
                f'fill="{fill}" stroke="#333"/>'
            )
        out.append(
            f'<g class="state" data-name="{label}" data-type="{node.type}" data-status="{status}">'
            f'{shape}<text x="{x + WIDTH // 2}" y="{y + HEIGHT // 2 + 4}" '
            f'text-anchor="middle">{label}</text></g>'
        )
    if traced is not None:
        for index, status in enumerate(LEGEND):
            lx, ly = width - 130, MARGIN + index * 18
            out.append(
                f'<g class="legend"><rect x="{lx}" y="{ly}" width="14" height="12" '
                f'fill="{COLOURS[status]}" stroke="#333"/><text x="{lx + 20}" y="{ly + 10}">'
                f"{status}</text></g>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


RENDERERS = {"mermaid": mermaid, "dot": dot, "svg": svg}
