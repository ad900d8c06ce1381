"""`python -m benchmarks`: the end-to-end benchmark suite (see `benchmarks.suite`)."""

from benchmarks.suite import main

main()
