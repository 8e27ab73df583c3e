"""__NAME__: the amlb adapter. It runs inside the framework's own environment.

The contract (docs/adding-a-framework.md): fit(train, config) trains within
config.budget_seconds x fit_share (framework.yaml), on config.cores cores and in
config.memory_mb MB, with config.seed; writes files only under its cwd (HOME and TMPDIR
point there too); leaves no process running; returns a Fitted whose predict_proba columns
follow config.class_labels. amlb does the rest (data, timing, inference, scoring).
"""
from amlb_adapter import Fitted

# Import the framework here, at module level: the warm worker imports this file once, before
# any job's clock runs; an import inside fit() counts against the budget of every job.
# import myautoml


# def version():
#     """The framework's version as it reports it (must equal `version` in framework.yaml)."""
#     return myautoml.__version__


def fit(train, config):
    """Train on ``train.X`` (a DataFrame, categoricals kept) and ``train.y``; return a Fitted.

    config: type (binary | multiclass | regression), class_labels (None for regression),
    budget_seconds, cores, memory_mb, seed, metric, params (framework.yaml `params`), work_dir.
    """
    # TODO: train the framework here, for example:
    #   model = MyAutoML(time_limit=0.9 * config.budget_seconds, n_jobs=config.cores,
    #                    seed=config.seed, **config.params).fit(train.X, train.y)
    #   return Fitted(predict=model.predict,
    #                 predict_proba=model.predict_proba if config.class_labels else None,
    #                 models_count=len(model.models))
    raise NotImplementedError("fit() of __NAME__ is not written yet: see docs/adding-a-framework.md")
