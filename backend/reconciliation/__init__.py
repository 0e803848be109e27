"""Reconciliations that read across features (the ledger check): above every feature whose
rows they re-derive, so that no feature below has to know the others."""
