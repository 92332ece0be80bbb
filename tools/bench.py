"""Speed benchmark: kzoo pairwise losses vs each backend's similarity floor
and vs pytorch-metric-learning / libauc; writes docs/benchmarks.md.

    python tools/bench.py            # B in {256, 1024, 4096}, D in {128, 512}
    python tools/bench.py --quick    # B in {256, 1024}, D = 512
    python tools/bench.py --help

See tools/bench_harness.py for the method.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_harness import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
