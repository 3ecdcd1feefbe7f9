"""Benchmarks of the shared plumbing, each a ratio against a raw baseline measured in the same run.

Run ``python -m bench`` (``make bench``), or ``python -m bench envelope|relay|consumer`` and
``--quick`` for a smoke-sized run. See ``bench/README.md`` and ``docs/benchmarks.md``.
"""
