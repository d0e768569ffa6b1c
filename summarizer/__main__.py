"""`python -m summarizer …` does what the `summarizer` command does."""

from .cli import main

raise SystemExit(main())
