"""Differential fuzzing of whole graphs: random valid TensorFlow graphs, converted to int8 .tflite, compiled,
run on the host under ASan/UBSan (and on a board), compared byte for byte with TFLM; a mismatch is shrunk to a
small reproducer. `tinyslm fuzz` is the command; :func:`tinyslm.fuzz.run.fuzz` the library entry point."""
