"""The sections of tests/run.py, one module each; each has main(tmp), tmp
being the run's temporary directory (also $TMPDIR). common.py holds what
they share."""
