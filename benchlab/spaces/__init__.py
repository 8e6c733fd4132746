"""Search spaces: what an architecture is, and how to sample, mutate and encode one."""

from benchlab.spaces.base import SearchSpace

__all__ = ["SearchSpace"]
