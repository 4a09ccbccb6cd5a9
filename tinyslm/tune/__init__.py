"""`tinyslm tune`: hardware-aware search for the best student per board, on Ray Tune.

- :mod:`.space`: the search space (student width/depth/heads/MLP/stem/tokens, KWS's MFCC frontend size, pruning,
  QAT) and the training profile of a point (shared with ``tinyslm build --from-tune``);
- :mod:`.trial`: one trial (train with the shared teacher, report per epoch for ASHA, measure on the board);
- :mod:`.cost`: RAM/flash from the compiler's plan, instructions per inference estimated per operator;
- :mod:`.run`: the driver (data, teacher, Ray, the front, QEMU); :mod:`.results`: tune.json and tune.html;
- :mod:`.build`: ``tinyslm build --from-tune DIR --pick N``.

Ray is imported only when a search runs (``pip install 'tinyslm[tune]'``).
"""
