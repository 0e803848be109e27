"""The kernel every feature may import: money, scoping, clock, ids. It imports no feature."""
