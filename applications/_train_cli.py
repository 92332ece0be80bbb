"""`kzoo train APP ...` (see `kzoo.applications._cli`)."""

from kzoo.applications._cli import train

add_arguments = train.add_arguments
run = train.run
