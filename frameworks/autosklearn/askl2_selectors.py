"""Train auto-sklearn 2.0's policy selectors once, into the environment (run by ``post_install``).

AutoSklearn2Classifier trains a selector (a 500-tree forest per metric) when it is made and caches
it under ``$XDG_CACHE_HOME/auto-sklearn``; jobs get a fresh cache dir each, so every job would
train it again: ~10 s for AUC and ~90 s for log loss on one busy core, more than a short budget.
Trained here, at install time, ``exec.py`` points the estimator at them.
"""
import glob
import os
import sys


def selector_home():
    """The XDG_CACHE_HOME under which the environment's trained selectors live."""
    return os.path.join(sys.prefix, "share", "amlb-askl2")


def has_selector(metric_name):
    return bool(glob.glob(os.path.join(selector_home(), "auto-sklearn", f"*_{metric_name}_*.pkl")))


if __name__ == "__main__":
    os.environ["XDG_CACHE_HOME"] = selector_home()
    from autosklearn.experimental.askl2 import AutoSklearn2Classifier

    AutoSklearn2Classifier(time_left_for_this_task=30)  # metric None: trains the selectors of all its metrics
    print("auto-sklearn 2.0 selectors:", sorted(os.listdir(os.path.join(selector_home(), "auto-sklearn"))))
