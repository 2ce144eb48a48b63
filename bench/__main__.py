"""``python -m bench import [--rows N]``: minimal dispatcher of the import branch.

The API branch has the full dispatcher (sections with ``run(n, log)`` / ``table()``);
``bench.importing`` follows that interface so it merges as one more section.
"""

import sys

from . import importing

SECTIONS = {"import": importing.main}

if __name__ == "__main__":
    argv = sys.argv[1:] or ["import"]
    if argv[0] not in SECTIONS:
        sys.exit(f"usage: python -m bench {{{','.join(SECTIONS)}}} [options]")
    sys.exit(SECTIONS[argv[0]](argv[1:]))
