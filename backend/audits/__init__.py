"""Audits: people's second look at the machine's sampled approvals, and how often they agree."""
