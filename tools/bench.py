"""Speed benchmark: kzoo pairwise losses vs each backend's similarity floor
and vs pytorch-metric-learning / libauc; writes docs/benchmarks.md.

    python tools/bench.py            # B in {256, 1024, 4096}, D in {128, 512}
    python tools/bench.py --quick    # B in {256, 1024}, D = 512
    kzoo bench --help                # the same command

See kzoo/_bench/harness.py for the method.
"""

import sys

from kzoo._bench.harness import main

if __name__ == "__main__":
    sys.exit(main())
