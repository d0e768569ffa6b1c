"""Instructions per pass of the offline pipeline over the five seeds, counted by valgrind.

    .venv/bin/python bench/instructions.py [--passes 2 5]

Wall time on a shared VM swings by ±15 % from one minute to the next, more than
most changes to the pipeline are worth.  valgrind's callgrind counts the
instructions the interpreter executes instead, which the rest of the machine
does not change: the same code, inputs and hash seed give the same count (to
~0.3 %).  It runs `summarize` + the batch's JSON line on the five seeds, first
--passes[0] times and then --passes[1] times, each in a fresh process under
callgrind (start-up, imports and warm-up cancel out in the difference), and
prints millions of instructions per pass.  Compare two trees by running it in
each.  A count is not a time (a cache miss costs more than an add), so a gain
is confirmed by bench/batch.py; but a change that does not lower the count
seldom makes the pipeline faster.  Needs `valgrind` (Debian's package); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_PASSES = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from summarizer import Settings, summarize
from summarizer.batch.output import summary_line
texts = [p.read_text(encoding="utf-8") for p in sorted(Path({seeds!r}).glob("*.txt"))]
settings = Settings(engine="extractive", cache=None)
for _ in range({passes}):
    for text in texts:
        summary_line(summarize(text, settings))
"""


def instructions(passes: int) -> int:
    """Instructions callgrind counts for a process running `passes` passes over the seeds."""
    code = _PASSES.format(root=str(ROOT), seeds=str(ROOT / "fixtures" / "seeds"), passes=passes)
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code]
    env = os.environ | {"PYTHONHASHSEED": "0"}  # set and dict order, hence the work, fixed
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, nargs=2, default=[2, 5], metavar=("FEW", "MORE"))
    args = parser.parse_args()
    few, more = args.passes
    if not few < more:
        parser.error("--passes: the second count must be larger")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    counts = {n: instructions(n) for n in (few, more)}
    per_pass = (counts[more] - counts[few]) / (more - few)
    chars = sum(len(p.read_text(encoding="utf-8")) for p in (ROOT / "fixtures" / "seeds").glob("*.txt"))
    print(
        f"{few} passes: {counts[few] / 1e6:,.1f} M instructions; {more} passes: {counts[more] / 1e6:,.1f} M"
    )
    print(f"per pass over the five seeds ({chars:,} chars): {per_pass / 1e6:,.1f} M instructions")
    print(f"per char: {per_pass / chars:,.0f} instructions")


if __name__ == "__main__":
    main()
