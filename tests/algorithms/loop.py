"""The evaluation loop strategy tests measure with (it lives in the conformance kit)."""

from benchlab.testing.loop import LoopResult, run_loop

__all__ = ["LoopResult", "run_loop"]
