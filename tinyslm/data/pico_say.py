"""Child process of pico.synthesize_words: speak a JSON list of {voice, text, speed, pitch} with SVOX Pico and save
the int16 PCM of each as one .npz (entries named by pico.key).

    MALLOC_MMAP_THRESHOLD_=131072 python -m tinyslm.data.pico_say JOBS.json OUT.npz

Run it only with MALLOC_MMAP_THRESHOLD_ set (pico.py says why); the first job is spoken twice and must give the same
bytes, or the child exits 2 without writing OUT.
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np


def main(argv: list[str]) -> int:
    from .pico import MMAP_THRESHOLD, VOLUME, key

    if len(argv) != 2:
        print("usage: python -m tinyslm.data.pico_say JOBS.json OUT.npz", file=sys.stderr)
        return 2
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") != MMAP_THRESHOLD:
        print(f"MALLOC_MMAP_THRESHOLD_ must be {MMAP_THRESHOLD} (Pico reads memory it did not initialise)",
              file=sys.stderr)
        return 2
    from py_nanotts import NanoTTS

    tts = NanoTTS()
    jobs = json.loads(open(argv[0]).read())

    def say(j: dict) -> np.ndarray:
        pcm = tts.speak(j["text"], voice=j["voice"], speed=j["speed"], pitch=j["pitch"], volume=VOLUME)
        return np.frombuffer(pcm, dtype="<i2").astype(np.int16)

    out = {key(j["voice"], j["text"], j["speed"], j["pitch"]): say(j) for j in jobs}
    if jobs:
        first = jobs[0]
        again = say(first)
        if not np.array_equal(again, out[key(first["voice"], first["text"], first["speed"], first["pitch"])]):
            print("Pico spoke the same word twice with different bytes: its output is not deterministic here",
                  file=sys.stderr)
            return 2
    np.savez(argv[1], **out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
