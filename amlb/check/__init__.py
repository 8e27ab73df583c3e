"""``amlb check``: the conformance check every framework adapter must pass.

- :mod:`amlb.check.tasks`: the small built-in tasks (binary, multiclass, regression, categoricals
  with missing values) and the default budget;
- :mod:`amlb.check.session`: runs the adapter through the runner's normal path and collects the results;
- :mod:`amlb.check.verdicts`: the checks of one job (predictions, budget, processes, files, network, metadata);
- :mod:`amlb.check.files`: files written outside the job's directories;
- :mod:`amlb.check.report`: the table.
"""
