"""Benchmark factories that go wrong."""


def raises():
    raise RuntimeError("the factory is broken")


def reads_stdin():
    return input("which benchmark? ")
