"""Running a benchmark's jobs on a Dask cluster (``-X dask.scheduler=ADDRESS`` or ``--dask ADDRESS``).

The client (:mod:`amlb.cluster.client`) plans the run and keeps the result store; every job
is one Dask task that a worker (:mod:`amlb.cluster.worker`) runs exactly as the local runner
does: the worker opens the task's data from its own cache, installs or reuses the framework's
environment, claims a free CPU slot of its machine (:mod:`amlb.cluster.cpu_claims`) and runs
the attempts, returning their records.
"""
