"""`python -m ceasefire.cli`, the same as the `ceasefire` command."""

from ceasefire.cli.app import main

main()
