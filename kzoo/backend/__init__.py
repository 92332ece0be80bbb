"""The only backend-specific code in kzoo: distribution helpers."""

from kzoo.backend.distributed import all_gather
from kzoo.backend.distributed import num_replicas_in_sync
from kzoo.backend.distributed import replica_id
from kzoo.backend.distributed import world_size

__all__ = [
    "all_gather",
    "num_replicas_in_sync",
    "replica_id",
    "world_size",
]
