"""amlb: the AutoML benchmark runner with enforced limits and Green-AI accounting."""
__version__ = "0.1.0"
