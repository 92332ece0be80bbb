"""`kzoo evaluate APP ...` (see `kzoo.applications._cli`)."""

from kzoo.applications._cli import evaluate

add_arguments = evaluate.add_arguments
run = evaluate.run
