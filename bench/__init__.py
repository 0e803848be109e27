"""Benchmarks: `make bench` prints JSON and writes bench/results/latest.json."""
