"""`make compare` installs no torch: the predictors, the predictor strategies and the
predictors command must import without it (torch comes in only for zero-cost proxies)."""

import subprocess
import sys

CODE = """
import sys
from benchlab.cli import build_parser
build_parser()
from algorithms import load_strategy
for name in ("bananas", "npenas", "zc-warmup"):
    load_strategy(name)
import benchlab.predictors.evaluation, benchlab.predictors.report
from benchlab.predictors import PREDICTORS, load_predictor
for name in PREDICTORS:
    load_predictor(name)
print("torch" in sys.modules)
"""


def test_predictors_and_their_strategies_import_without_torch():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
