"""Zero-cost proxies in PyTorch (the `benchlab[train]` extra): `measures` defines them,
`sources` supplies the data-dependent ones' batch, `scoring.ProxyScorer` scores cells with
a cache (`cache`)."""
