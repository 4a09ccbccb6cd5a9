"""Runners: a compiled model on the host (plain or sanitized), in QEMU (the bench runtime), in the TFLM\noracle, and their comparison (verify). The compiler itself runs nothing."""
