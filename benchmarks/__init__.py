"""Load tests and micro-benchmarks that drive corespond from outside, like its users do."""
