"""`docpipe graph`: every state of the ASL drawn, Map and Choice as such, coloured by what an
execution did, deterministically."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from docpipe.cli import main
from docpipe.graph import dot, mermaid, model, svg
from infra.config import PIPELINE_ASL

ASL = json.loads(PIPELINE_ASL.read_text())
SVG = "{http://www.w3.org/2000/svg}"


def all_states(states: dict[str, object]) -> set[str]:
    names = set(states)
    for state in states.values():
        processor = state.get("ItemProcessor") if isinstance(state, dict) else None
        if processor:
            names |= all_states(processor["States"])
    return names


def drawn_states(text: str) -> dict[str, dict[str, str]]:
    root = ET.fromstring(text)
    return {
        g.get("data-name", ""): dict(g.attrib)
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "state"
    }


def test_the_bare_workflow_draws_every_state_once_deterministically() -> None:
    drawn = svg(ASL)

    states = drawn_states(drawn)
    assert set(states) == all_states(ASL["States"])
    assert states["Finish"]["data-type"] == "Choice"
    assert states["Summarize Chunks"]["data-type"] == "Map"
    assert states["Summarize Chunk"]["data-type"] == "Task"  # inside the Map's box
    assert 'class="map"' in drawn and "Summarize Chunks (Map)" in drawn
    assert drawn == svg(ASL)
    nodes, edges, _ = model(ASL)
    assert len([e for e in edges if e.kind == "catch"]) >= 10
    assert all(e.target in {n.name for n in nodes} for e in edges)


def test_mermaid_and_dot_name_every_state() -> None:
    for text in (mermaid(ASL), dot(ASL)):
        for name in all_states(ASL["States"]):
            assert f'"{name}"' in text
    assert mermaid(ASL).startswith("flowchart TD")
    assert dot(ASL).startswith("digraph docpipe {")


def test_an_execution_colours_each_state_by_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot a PDF\n")
    assert main(["run", str(broken), "--json"]) == 1
    capsys.readouterr()
    out = tmp_path / "broken.svg"

    assert main(["graph", str(broken), "--format", "svg", "-o", str(out)]) == 0

    states = drawn_states(out.read_text())
    assert states["Register Document"]["data-status"] == "succeeded"
    assert states["Extract Text"]["data-status"] == "caught"
    assert states["Record Failure"]["data-status"] == "succeeded"
    assert states["Fail"]["data-status"] == "failed"
    assert states["Chunk Text"]["data-status"] == "not run"
    assert 'class="legend"' in out.read_text()
    assert main(["graph", str(broken), "--format", "mermaid"]) == 0
    assert "class s_Extract_Text caught" in capsys.readouterr().out


def test_the_bare_workflow_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "--format", "dot"]) == 0
    assert '"s_Register_Document"' in capsys.readouterr().out
