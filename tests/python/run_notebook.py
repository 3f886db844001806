"""Executes one notebook headless, as CI does: run_notebook.py NOTEBOOK OUT_DIR.

Runs every cell in a fresh python3 kernel (nbconvert's ExecutePreprocessor, the engine of
`jupyter nbconvert --execute`) with the notebook's folder as the working directory, writes the
executed copy into OUT_DIR (the committed notebook stays output-free) and prints the wall time.
A cell that raises fails the test with the cell's traceback.
"""
import os
import sys
import time

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: run_notebook.py NOTEBOOK OUT_DIR")
    path, out_dir = sys.argv[1], sys.argv[2]
    nb = nbformat.read(path, as_version=4)
    # A committed notebook carries no outputs: what CI shows is what the code computes now.
    stale = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    if stale:
        sys.exit(f"{path}: cells {stale} carry outputs or execution counts; strip them before committing")
    start = time.monotonic()
    ExecutePreprocessor(timeout=600, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    seconds = time.monotonic() - start
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, os.path.basename(path))
    nbformat.write(nb, out)
    print(f"{os.path.basename(path)}: executed {len(nb.cells)} cells in {seconds:.1f} s -> {out}")


if __name__ == "__main__":
    main()
