"""Execute one notebook top to bottom with Jupyter's own client (nbclient), for tests/notebooks.test.ts.

Why not `jupyter nbconvert --execute`: tslab answers a failed cell with status "error" but without
ename/evalue (compile errors arrive as a stderr stream), so nbconvert's message says nothing useful,
and it writes no notebook on failure. Here the partially executed notebook is always written, and
one JSON line on stdout says which cell failed and how long the kernel and every cell took.

usage: /usr/bin/python3 execute_notebook.py INPUT.ipynb OUTPUT.ipynb --timeout SECONDS
"""
import argparse
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--timeout", type=int, required=True, help="seconds allowed per cell")
    parser.add_argument("--startup-timeout", type=int, default=60, help="seconds allowed for the kernel to start")
    args = parser.parse_args()

    nb = nbformat.read(args.input, as_version=4)
    kernel_name = nb.metadata.get("kernelspec", {}).get("name")
    if not kernel_name:
        print(json.dumps({"ok": False, "error": "notebook metadata has no kernelspec.name"}))
        return 0

    started = time.monotonic()
    marks = {"kernelReady": None}
    cell_seconds = []
    cell_started = {}

    def on_notebook_start(**_):
        marks["kernelReady"] = time.monotonic()

    def on_cell_start(cell, cell_index, **_):
        cell_started[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, **_):
        cell_seconds.append({"index": cell_index, "seconds": round(time.monotonic() - cell_started[cell_index], 3)})

    client = NotebookClient(
        nb,
        timeout=args.timeout,
        startup_timeout=args.startup_timeout,
        kernel_name=kernel_name,
        # The kernel's working directory is the notebook's folder, so `../dist/index.js` resolves.
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.input))}},
        allow_errors=False,
        on_notebook_start=on_notebook_start,
        on_cell_start=on_cell_start,
        on_cell_executed=on_cell_executed,
    )

    result = {"ok": True, "failedCell": None, "error": None}
    try:
        client.execute()
    except CellTimeoutError as e:
        result.update(ok=False, error=f"cell timed out after {args.timeout} s: {str(e).splitlines()[0]}")
    except CellExecutionError as e:
        result.update(ok=False, error=str(e)[-2000:])
    except DeadKernelError as e:
        result.update(ok=False, error=f"kernel died: {e}")
    except Exception as e:  # kernel failed to start, missing kernelspec, ...
        result.update(ok=False, error=f"{type(e).__name__}: {e}")
    finally:
        nbformat.write(nb, args.output)

    if not result["ok"] and cell_started:
        # The cell that started last is the one that failed or timed out.
        result["failedCell"] = max(cell_started)
    finished = time.monotonic()
    ready = marks["kernelReady"]
    result.update(
        kernelStartSeconds=round(ready - started, 3) if ready is not None else None,
        totalSeconds=round(finished - started, 3),
        cells=cell_seconds,
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
