//! Selectivity and cardinality estimates from the statistics (written separately; placeholder).
