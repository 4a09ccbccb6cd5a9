"""report.json and report.html of a `tinyslm build`.

The report measures nothing: it reads what the pipeline's steps measured (their results, train/train.json,
the device's outputs) and lays it out. report.json holds every figure, the charts' data included
(`summary.py`: write_report, and the terminal's summary_lines), and `render_html(report)` (`page.py`, with
the SVG charts of `charts.py`) draws report.html from it alone: one self-contained file (inline SVG and
CSS, no scripts, no network), readable on a phone. Its first screen answers "does it fit, how fast, how
good, can I trust it"; then the quality of every stage, memory against the board and against TFLM, the
cost of each operator type, the confusion matrix or ROC and score histograms, training curves, the time
of each step and the command that reproduces the build.
"""

from .page import render_html
from .summary import reproduce_command, summary, summary_lines, write_report

__all__ = ["render_html", "reproduce_command", "summary", "summary_lines", "write_report"]
