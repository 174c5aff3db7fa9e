"""calipers benchmarks."""
