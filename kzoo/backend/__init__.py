"""The only backend-specific code in kzoo: distribution helpers."""

from kzoo.backend.distributed import num_replicas_in_sync

__all__ = ["num_replicas_in_sync"]
