"""Miners: select (and weight) pairs or triplets as dense masks.

Unlike pytorch-metric-learning, whose miners return variable-length index
tuples, a kzoo miner returns fixed-shape weight tensors (`stop_gradient`-ed),
so mining runs under `jit` on every backend. A pair miner returns
`(pos_weight, neg_weight)`, each `[N, M]`; a triplet miner returns one
`[N, M, M]` tensor indexed `[anchor, positive, negative]`. Weights count how
often a pair or triplet was selected (0 or 1 for the miners here), which is
what makes the triplet → pair conversion exact.
"""

from kzoo.miners.miner import Miner
from kzoo.miners.miner import pairs_from_triplets
from kzoo.miners.miner import triplets_from_pairs
from kzoo.miners.multi_similarity_miner import MultiSimilarityMiner
from kzoo.miners.triplet_miner import TripletMiner

__all__ = [
    "Miner",
    "MultiSimilarityMiner",
    "TripletMiner",
    "pairs_from_triplets",
    "triplets_from_pairs",
]
