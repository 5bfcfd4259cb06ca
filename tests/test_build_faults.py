"""Faults during builds and operator mistakes: the current index keeps serving, the
operator gets one sentence.

Real processes: a build killed with SIGKILL half-way, a second build while one runs, a
build on a real filesystem that fills up (a small tmpfs mounted in a private mount
namespace, where the machine allows it: as root, like CI here).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.cli import main
from search.engine import SearchEngine, SearchRequest
from search.generations import CURRENT, current_generation, generation_meta
from search.indexer import build_index

from .conftest import REPO, SAMPLES

ONE = SAMPLES / "000_3d8829ce62a8e2e7.txt"  # one report: builds that only need to exist


def _gens(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("gen-*")}


def _start_build(index_dir: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(  # -m from the checkout: this checkout's search package
        [sys.executable, "-m", "search.cli", "index", str(SAMPLES), "--index-dir", str(index_dir), "--quiet", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _wait_for_new_gen(index_dir: Path, before: set[str], proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not (_gens(index_dir) - before):
        assert proc.poll() is None, "the build ended before it made its folder"
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_a_build_killed_half_way_leaves_the_index_serving_and_the_next_build_cleans_up(
    tmp_path: Path, backend: str
) -> None:
    index_dir = tmp_path / "index"
    build_index([SAMPLES], index_dir, backend=backend)
    good = current_generation(index_dir)
    expected = SearchEngine(index_dir).search(SearchRequest(query="协商")).to_dict()
    proc = _start_build(index_dir, "--full")
    _wait_for_new_gen(index_dir, {good.name}, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)  # reaps it and closes its pipes
    partial = _gens(index_dir) - {good.name}
    assert partial and all(generation_meta(index_dir / p) is None for p in partial)
    assert current_generation(index_dir) == good
    assert expected == SearchEngine(index_dir).search(SearchRequest(query="协商")).to_dict()
    check = CliRunner().invoke(main, ["check", "--index-dir", str(index_dir)])
    assert 0 == check.exit_code, check.output  # the partial folder is not a generation
    report = build_index([SAMPLES], index_dir, full=True)
    assert _gens(index_dir) == {good.name, report.generation}  # the debris is gone


def test_a_second_build_while_one_runs_is_refused_with_a_sentence(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([SAMPLES], index_dir)
    before = _gens(index_dir)
    proc = _start_build(index_dir, "--full")
    try:
        _wait_for_new_gen(index_dir, before, proc)
        second = CliRunner().invoke(main, ["index", str(SAMPLES), "--index-dir", str(index_dir), "--quiet"])
    finally:
        out, err = proc.communicate(timeout=120)
    assert 1 == second.exit_code
    assert second.output.startswith("Error: Another build is already writing to") and "Traceback" not in second.output
    assert 0 == proc.returncode, err


def test_prune_keeps_the_last_n_complete_generations_and_never_current(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    made = []
    for keep in (2, 2, 2, 3, 3):
        made.append(build_index([ONE], index_dir, full=True, keep=keep).generation)
        time.sleep(0.01)
    assert _gens(index_dir) == set(made[-3:])
    assert (index_dir / CURRENT).read_text() == made[-1]
    made.append(build_index([ONE], index_dir, full=True, keep=1).generation)
    assert _gens(index_dir) == {made[-1]}
    # CURRENT names an older generation (an operator rolled back by hand): never pruned
    made.append(build_index([ONE], index_dir, full=True).generation)
    (index_dir / CURRENT).write_text(made[-2])
    os.utime(index_dir / made[-2], (1, 1))
    from search.indexer import _prune

    _prune(index_dir, index_dir / made[-1], keep=1)
    assert _gens(index_dir) == {made[-2], made[-1]}


# --- a full disk ---------------------------------------------------------------------------

FILL_SCRIPT = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from pathlib import Path
    from search.engine import SearchEngine, SearchRequest
    from search.indexer import BuildWriteFailed, build_index
    from search import integrity
    mount, samples, backend = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    index_dir = mount / "index"
    first = build_index([samples], index_dir, backend=backend)
    used = os.statvfs(mount)
    used_kb = (used.f_blocks - used.f_bfree) * used.f_frsize // 1024
    # room for half another generation: the next full build runs out of space
    subprocess.run(["mount", "-o", f"remount,size={used_kb * 3 // 2}k", str(mount)], check=True)
    total = SearchEngine(index_dir).search(SearchRequest(query="协商")).total
    try:
        build_index([samples], index_dir, full=True)
        message = None
    except BuildWriteFailed as exc:
        message = str(exc)
    print(json.dumps({
        "message": message,
        "current": (index_dir / "CURRENT").read_text(),
        "first": first.generation,
        "gens": sorted(p.name for p in index_dir.glob("gen-*")),
        "total_before": total,
        "total_after": SearchEngine(index_dir).search(SearchRequest(query="协商")).total,
        "problem": integrity.problem(index_dir / first.generation, full=True),
    }))
    """
)


def _can_mount_tmpfs(where: Path) -> bool:
    if shutil.which("unshare") is None:
        return False
    where.mkdir(exist_ok=True)
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount -t tmpfs -o size=64k tmpfs {where}"], capture_output=True
    )
    return probe.returncode == 0


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_a_full_disk_fails_the_build_cleanly_and_keeps_the_old_index(tmp_path: Path, backend: str) -> None:
    mount = tmp_path / "small-disk"
    if not _can_mount_tmpfs(mount):
        pytest.skip("mounting a tmpfs needs root (CAP_SYS_ADMIN) and unshare")
    script = tmp_path / "fill.py"
    script.write_text(FILL_SCRIPT)
    run = subprocess.run(
        ["unshare", "-m", "sh", "-c",
         f'mount -t tmpfs -o size=16m tmpfs "{mount}" && exec "{sys.executable}" "{script}" "{mount}" "{SAMPLES}" {backend}'],
        cwd=REPO, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert 0 == run.returncode, run.stderr
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["message"] is not None, "the build did not run out of space"
    assert "No space left on device" in got["message"] and "free some space" in got["message"]
    assert got["current"] == got["first"] and got["gens"] == [got["first"]]  # the partial one removed
    assert got["total_after"] == got["total_before"] > 0
    assert got["problem"] is None


# --- operator mistakes: one sentence each ----------------------------------------------------


def test_an_index_folder_that_cannot_be_made_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    out = CliRunner().invoke(main, ["index", str(SAMPLES), "--index-dir", str(blocker / "index"), "--quiet"])
    assert 1 == out.exit_code and "Traceback" not in out.output
    assert out.output.strip().splitlines() == [
        f"Error: Writing the index in '{blocker / 'index'}' failed: Not a directory ({blocker / 'index'}); "
        "--index-dir must name a folder (or a path where one can be made), not a file."
    ]


def test_an_unwritable_index_folder_is_one_sentence(tmp_path: Path) -> None:
    target = Path("/proc/cppcc-search-index")  # a filesystem nobody may create folders in, root included
    out = CliRunner().invoke(main, ["index", str(SAMPLES), "--index-dir", str(target), "--quiet"])
    assert 1 == out.exit_code and "Traceback" not in out.output
    lines = out.output.strip().splitlines()
    assert 1 == len(lines) and lines[0].startswith(f"Error: Writing the index in '{target}' failed: ")


def test_a_missing_source_folder_is_one_sentence(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["index", str(tmp_path / "nowhere"), "--index-dir", str(tmp_path / "i"), "--quiet"])
    assert 1 == out.exit_code
    assert out.output.strip() == f"Error: The source folder '{tmp_path / 'nowhere'}' does not exist."
    assert not (tmp_path / "i" / CURRENT).exists()


def test_an_unknown_backend_is_one_sentence(tmp_path: Path) -> None:
    out = CliRunner().invoke(main, ["index", str(SAMPLES), "--backend", "lucene", "--index-dir", str(tmp_path)])
    assert 2 == out.exit_code and "Traceback" not in out.output
    assert "Error: Invalid value for '--backend': 'lucene' is not one of 'whoosh', 'tantivy'." in out.output


def test_serving_on_a_port_in_use_names_the_port_option(sample_index: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = CliRunner().invoke(main, ["serve", "--port", str(port), "--index-dir", str(sample_index)])
    assert 1 == out.exit_code and "Traceback" not in out.output
    assert out.output.strip().splitlines()[-1] == (
        f"Error: Port {port} on 127.0.0.1 is already in use (another server is running there?): "
        f"choose another with --port, e.g. --port {port + 1}."
    )
