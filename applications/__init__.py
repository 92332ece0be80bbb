"""Application models built on kzoo (installed as `kzoo.applications`)."""
