"""Small loopback servers the benchmarks start as their own processes (so their CPU is not
counted in the load generator's event loop): actor documents, and a fan-out receiver."""
