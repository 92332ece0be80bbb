"""The only backend-specific code in kzoo.

Every branch on the Keras backend (`keras.backend.backend()`) and every
import of JAX or torch lives in this package (`kzoo.testing` keeps its own
gradient dispatch for tests). The rest of kzoo calls these functions and
stays backend-agnostic:

- `distributed`: `all_gather`, `num_replicas_in_sync`, `replica_id`,
  `world_size` (data-parallel collectives);
- `autodiff`: `custom_vjp`, `vjp`, `value_and_grads`, `no_grad`;
- `compilation`: `is_compiling`, `eager_on_torch`, `jit_on_jax`,
  `host_friendly`;
- `host`: `host_callback` (NumPy code inside a Keras computation);
- `capabilities`: `stateless_training`, `exports_in_process`;
- `keras_mask`: `get_keras_mask` (Keras masks on every backend).

These names are kzoo's internal API (importable as `kzoo.backend.<name>`),
not registered with Keras.
"""

from kzoo.backend.autodiff import custom_vjp
from kzoo.backend.autodiff import no_grad
from kzoo.backend.autodiff import value_and_grads
from kzoo.backend.autodiff import vjp
from kzoo.backend.capabilities import carries_state_between_steps
from kzoo.backend.capabilities import exports_in_process
from kzoo.backend.capabilities import stateless_training
from kzoo.backend.compilation import eager_on_torch
from kzoo.backend.compilation import host_friendly
from kzoo.backend.compilation import is_compiling
from kzoo.backend.compilation import jit_on_jax
from kzoo.backend.distributed import all_gather
from kzoo.backend.distributed import num_replicas_in_sync
from kzoo.backend.distributed import replica_id
from kzoo.backend.distributed import world_size
from kzoo.backend.host import host_callback

__all__ = [
    "all_gather",
    "carries_state_between_steps",
    "custom_vjp",
    "eager_on_torch",
    "exports_in_process",
    "host_callback",
    "host_friendly",
    "is_compiling",
    "jit_on_jax",
    "no_grad",
    "num_replicas_in_sync",
    "replica_id",
    "stateless_training",
    "value_and_grads",
    "vjp",
    "world_size",
]
