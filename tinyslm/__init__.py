"""tinyslm: an ahead-of-time TinyML compiler, from data to verified Cortex-M firmware."""

__version__ = "0.1.0"
