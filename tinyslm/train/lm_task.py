"""`tinyslm build lm --board B`: the language-model task as a pipeline plugin.

Steps (each cached under OUT/<step>/ by tinyslm.pipeline.Steps)::

    data      generated dialogue corpus (exact source entropy) or the user's text (--data FILE|DIR)
    sizing    the student that fits the board: int8 weights <= 128 KB, KV cache + arena + I/O <= 48 KB
              (or less where the board is smaller)
    train     teacher, student alone and distilled (paired), pruned, int8 step model (tinyslm.train.lm)
    firmware  compiled step model + tslm_generate.c + tslm_lm_config.h, built for the board
    verify    host C build vs TFLM, greedy, every step's int8 logits (50 prompts x 64 tokens; quick: 10)
    device    prompts through the firmware (greedy and sampled), token streams vs the host C build;
              instructions per generated token
    report    report.json and report.html
"""

from __future__ import annotations

import html
import json
import shutil
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import TinyslmError

FLASH_TARGET = 128 * 1024  # int8 weights (the issue's target on mps2-an386)
RAM_TARGET = 48 * 1024  # arena + KV cache + the model's other buffers
CANDIDATES = ((64, 2, 4, 192), (64, 1, 4, 192), (48, 2, 4, 144), (32, 2, 2, 96), (24, 1, 2, 48))
QUICK = (32, 2, 2, 96)


def _data(cfg, folder: Path) -> dict:
    from ..data.lm_corpus import load_lm_corpus, make_lm_corpus

    if cfg.data is not None:
        c = load_lm_corpus(Path(cfg.data))
        return {"path": str(Path(cfg.data).resolve()), "source": c.source,
                "documents": {k: len(v) for k, v in c.docs.items()}}
    r = make_lm_corpus(folder / "corpus", cfg.profile, cfg.seed, overwrite=True)
    return {"path": str(r.out_dir), "source": json.loads((r.out_dir / "dataset.json").read_text())["source"],
            "documents": r.counts}


def size_student(vocab: int, board, quick: bool = False) -> tuple[tuple[int, int, int, int], list[str]]:
    """The first candidate (largest first) whose int8 weights and RAM fit the budgets."""
    from .lm_models import LmConfig

    flash = min(FLASH_TARGET, board.memory.flash_bytes // 2)
    ram = min(RAM_TARGET, board.memory.ram_bytes - board.stack_bytes - 4096)
    rows = [f"budget: int8 weights <= {flash:,} B, KV cache + arena + I/O <= {ram:,} B"]
    chosen = None
    for cand in ((QUICK,) if quick else CANDIDATES):
        c = LmConfig(vocab, *cand)
        need_flash = c.params() + 3 * 4 * (c.dim * 6 + c.mlp) * c.layers  # int8 weights + int32 biases, roughly
        need_ram = c.cache_bytes() + 2 * c.context + c.vocab * 2 + 2 * c.layers * c.dim + 2048  # + arena
        ok = need_flash <= flash and need_ram <= ram
        rows.append(f"  d={c.dim} layers={c.layers} heads={c.heads} mlp={c.mlp}: ~{need_flash:,} B weights, "
                    f"~{need_ram:,} B RAM {'fits' if ok else 'too big'}")
        if ok and chosen is None:
            chosen = cand
    if chosen is None:
        raise TinyslmError(f"no language model fits {board.name}", hint="use a board with more memory")
    return chosen, rows


def _prompts(docs: list[str], n: int, chars: int = 12) -> list[str]:
    """The first characters of n documents spread over the split."""
    idx = np.linspace(0, len(docs) - 1, min(n, len(docs))).astype(int)
    return [docs[i][:chars] for i in idx]


def run_lm_build(cfg, steps, say: Callable[[str], None]) -> dict:
    from ..boards import get_board
    from ..data.lm_corpus import load_lm_corpus
    from ..data.tokenizer import CharTokenizer

    board = get_board(cfg.board)
    base = {"task": "lm", "profile": cfg.profile, "seed": cfg.seed}
    data = steps.run("data", {**base, "data": str(cfg.data)}, lambda d: _data(cfg, d))
    corpus = load_lm_corpus(Path(data["path"]))
    tok = CharTokenizer.fit(corpus.docs["train"])
    from .lm import padded_vocab

    vocab = padded_vocab(tok)

    tuned = {"tuned": cfg.tuned} if cfg.tuned is not None else {}  # a `tinyslm tune lm` point (--from-tune)

    def sizing(folder: Path) -> dict:
        if cfg.tuned is not None:  # the student a search chose (its dim, layers, heads, MLP; the firmware checks it)
            from ..tune.lm import describe, student_of

            s = student_of(cfg.tuned, vocab, 1)
            table = f"student from tinyslm tune: {describe(cfg.tuned)}"
            (folder / "sizing.txt").write_text(table + "\n")
            return {"student": [s.dim, s.layers, s.heads, s.mlp], "table": table}
        chosen, rows = size_student(vocab, board, cfg.quick)
        (folder / "sizing.txt").write_text("\n".join(rows) + "\n")
        return {"student": list(chosen), "table": "\n".join(rows)}

    sz = steps.run("sizing", {"board": cfg.board, "profile": cfg.profile, "vocab": vocab, **tuned}, sizing)
    say(sz["table"])

    def train(folder: Path) -> dict:
        from .lm import LmTrainConfig, save_result, train_lm
        from .lm_models import LmConfig

        tc = LmTrainConfig.quick() if cfg.quick else LmTrainConfig()
        from dataclasses import replace

        tc = replace(tc, student=LmConfig(vocab, *sz["student"]))
        if cfg.tuned is not None:  # the point's pruning sparsity (0: no pruning fine-tune, as its trial)
            tc = replace(tc, sparsity=float(cfg.tuned["sparsity"]))
        res = train_lm(corpus, tc, cfg.seed, say=say, quick=cfg.quick)
        meta = save_result(res, folder)
        return {"quality": meta["quality"], "info": meta["info"], "model": str(folder / "model.tflite")}

    tr = steps.run("train", {**base, **tuned}, train)
    from .lm_models import LmConfig

    info = tr["info"]
    scfg = LmConfig(**{k: v for k, v in info["student"].items() if k != "kind"})
    model = Path(tr["model"])
    tok = CharTokenizer.load(model.parent / "tokenizer.json")

    def firmware(folder: Path) -> dict:
        from ..compiler import compile_model
        from .lm_device import build_lm_firmware

        fw = build_lm_firmware(model, scfg, tok, cfg.board, folder / "project")
        cm = compile_model(model, folder / "model_only", name="lm", target=board.kernel_target)
        shutil.rmtree(folder / "model_only", ignore_errors=True)
        return {"elf": str(fw.elf), "size": asdict(fw.size), "size_lines": fw.size.lines(),
                "weights_bytes": cm.weights_bytes, "arena_bytes": cm.arena_bytes, "io_bytes": cm.io_bytes,
                "kv_cache_bytes": scfg.cache_bytes(), "macs_per_token": cm.macs}

    fw = steps.run("firmware", {"board": cfg.board}, firmware, sources=True)
    for line in fw["size_lines"]:
        say("  " + line)
    n_verify = 10 if cfg.quick else 50

    def verify(folder: Path) -> dict:
        from .lm_c import verify_generation

        prompts = _prompts(corpus.docs["test"], n_verify)
        ag = verify_generation(model.read_bytes(), scfg, tok, prompts, 64, folder / "host")
        say(f"host C vs TFLM: {ag.identical_steps}/{ag.steps} steps with identical int8 logits, "
            f"{ag.identical_streams}/{ag.prompts} token streams identical ({ag.prompts} prompts x 64 tokens)")
        if not ag.ok:
            raise TinyslmError(f"the host C build differs from TFLM (first at prompt/step {ag.first_mismatch})",
                               hint="this is a tinyslm bug; please report it with the model")
        return {k: v for k, v in asdict(ag).items()} | {"ok": ag.ok}

    ver = steps.run("verify", {"n": n_verify, "tokens": 64}, verify)
    n_dev = 6 if cfg.quick else 20

    def device(folder: Path) -> dict:
        return _device(cfg, board, model, scfg, tok, _prompts(corpus.docs["test"], n_dev, 12), folder, say)

    dev = steps.run("device", {"port": cfg.port, "emulator": cfg.emulator, "n": n_dev}, device)
    report = _report(cfg, steps, data, sz, tr, fw, ver, dev, scfg)
    out = Path(cfg.out)
    (out / "report.json").write_text(json.dumps(report, indent=1, default=float) + "\n")
    (out / "report.html").write_text(_html(report))
    for line in summary(report):
        say(line)
    say(f"report: {out / 'report.json'}, {out / 'report.html'}")
    return report


def _device(cfg, board, model: Path, scfg, tok, prompts: list[str], folder: Path, say) -> dict:
    from ..device.emulator import emulator_for
    from ..device.protocol import DutClient
    from .lm_c import GenRequest, build_host_generator, run_host_generator
    from .lm_device import stream_generate

    exe = build_host_generator(model.read_bytes(), scfg, tok, folder / "host")
    runs = [(p, 0, 0, 0) for p in prompts] + [(p, 100 + i, 800, 8) for i, p in enumerate(prompts[: len(prompts) // 2])]
    host = run_host_generator(exe, scfg, [GenRequest((0, *map(int, tok.encode(p))), 64, s, t, k, True)
                                          for p, s, t, k in runs])
    elf = Path(cfg.out) / "firmware" / "project" / "build" / "firmware.elf"

    def go(client) -> list:
        client.sync()
        return [stream_generate(client, p, 64, s, t, k, timeout=120) for p, s, t, k in runs]

    if cfg.port:
        with DutClient(cfg.port, baud=board.uart.baud, timeout=60) as client:
            gens = go(client)
    else:
        with emulator_for(board, elf, cfg.emulator) as emu, DutClient(emu.url, timeout=60) as client:
            gens = go(client)
    same = [g.text == tok.decode(h.tokens) and g.tokens == len(h.tokens) for g, h in zip(gens, host)]
    ipt = [board.ticks_to_instructions(g.ticks) / g.steps for g in gens if g.steps]
    samples = [{"prompt": p, "seed": s, "temp_milli": t, "top_k": k, "device": g.text,
                "host": tok.decode(h.tokens)} for (p, s, t, k), g, h in zip(runs, gens, host)]
    say(f"device: {sum(same)}/{len(runs)} generations identical to the host C build; "
        f"{np.mean(ipt):,.0f} instructions per token")
    return {"runs": len(runs), "identical": int(sum(same)), "agreement_with_host": sum(same) / len(runs),
            "instructions_per_token": float(np.mean(ipt)), "instructions_per_token_max": float(np.max(ipt)),
            "tokens_per_second_at_clock": board.clock_hz / float(np.mean(ipt)), "clock_hz": board.clock_hz,
            "samples": samples}


def _report(cfg, steps, data, sz, tr, fw, ver, dev, scfg) -> dict:
    q = tr["quality"]
    info = tr["info"]
    mem = {"int8_weights_bytes": fw["weights_bytes"], "arena_bytes": fw["arena_bytes"],
           "kv_cache_bytes": fw["kv_cache_bytes"], "model_io_bytes": fw["io_bytes"],
           "arena_plus_kv_cache_and_io_bytes": fw["arena_bytes"] + fw["io_bytes"],
           "firmware": fw["size"]}
    targets = {
        "int8_weights_le_128KB": mem["int8_weights_bytes"] <= FLASH_TARGET,
        "ram_le_48KB": mem["arena_plus_kv_cache_and_io_bytes"] <= RAM_TARGET,
        "instructions_per_token_le_4M": dev["instructions_per_token"] <= 4e6,
        "distilled_better_than_alone": q["student_distilled"] < q["student_alone"],
        "int8_within_5pct_of_float": q["int8_subset"]["int8_host"] <= 1.05 * q["int8_subset"]["pruned_float"],
        "device_identical_to_host": dev["identical"] == dev["runs"],
    }
    return {"task": "lm", "board": cfg.board, "profile": cfg.profile, "seed": cfg.seed,
            "data": data, "student": scfg.to_dict(), "teacher": info["teacher"],
            "params": {"student": info["student_params"], "teacher": info["teacher_params"]},
            "sparsity": info["sparsity"], "quality": q,
            "verify_host_vs_tflm": {k: ver[k] for k in ("prompts", "tokens_per_prompt", "steps", "identical_steps",
                                                        "identical_streams", "ok")},
            "device": {k: v for k, v in dev.items() if k != "samples"}, "samples": dev["samples"],
            "memory": mem, "targets": targets, "history": info["history"], "seconds": steps.seconds,
            "sizing": sz["table"]}


def summary(r: dict) -> list[str]:
    q = r["quality"]
    s8 = q["int8_subset"]
    src = q["source_on_test"]
    lines = [f"bits per character (test): source {src if src is None else round(src, 4)}, teacher "
             f"{q['teacher']:.4f}, student alone {q['student_alone']:.4f}, distilled {q['student_distilled']:.4f}, "
             f"pruned {q['pruned']:.4f}; int8 {s8['int8_host']:.4f} vs float {s8['pruned_float']:.4f} on "
             f"{s8['documents']} documents",
             f"host C vs TFLM: {r['verify_host_vs_tflm']['identical_steps']}/{r['verify_host_vs_tflm']['steps']} "
             f"steps identical; device vs host: {r['device']['identical']}/{r['device']['runs']} generations",
             f"{r['device']['instructions_per_token']:,.0f} instructions per token "
             f"({r['device']['tokens_per_second_at_clock']:.0f} tokens/s at {r['device']['clock_hz'] / 1e6:g} MHz); "
             f"weights {r['memory']['int8_weights_bytes']:,} B, arena + KV cache + I/O "
             f"{r['memory']['arena_plus_kv_cache_and_io_bytes']:,} B",
             "targets: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in r["targets"].items())]
    return lines


def _html(r: dict) -> str:
    q = r["quality"]
    rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v if not isinstance(v, float) else f'{v:.4f}'}</td></tr>"
                   for k, v in q.items() if not isinstance(v, dict) and k != "unit")
    s8 = q["int8_subset"]
    rows += (f"<tr><td>int8 host (TFLM = host C), {s8['documents']} docs</td><td>{s8['int8_host']:.4f} "
             f"(float {s8['pruned_float']:.4f}, source {s8['source']})</td></tr>")
    samples = "".join(f"<tr><td><pre>{html.escape(s['prompt'])}</pre></td><td>{s['seed']}/{s['temp_milli']}/"
                      f"{s['top_k']}</td><td><pre>{html.escape(s['device'])}</pre></td><td><pre>"
                      f"{html.escape(s['host'])}</pre></td></tr>" for s in r["samples"][:16])
    mem = "".join(f"<tr><td>{k}</td><td>{v:,}</td></tr>" for k, v in r["memory"].items() if isinstance(v, int))
    tg = "".join(f"<tr><td>{k}</td><td>{'yes' if v else 'NO'}</td></tr>" for k, v in r["targets"].items())
    return (f"<!doctype html><meta charset=utf-8><title>tinyslm lm {html.escape(r['board'])}</title>"
            f"<style>body{{font-family:sans-serif;max-width:60em}}td{{border-bottom:1px solid #ddd;padding:2px 8px;"
            f"vertical-align:top}}pre{{margin:0}}</style><h1>tinyslm build lm — {html.escape(r['board'])}</h1>"
            f"<p>{html.escape(summary(r)[2])}</p><h2>Bits per character ({html.escape(q['unit'])})</h2>"
            f"<table>{rows}</table><h2>Targets</h2><table>{tg}</table><h2>Memory (bytes)</h2><table>{mem}</table>"
            f"<h2>Generations: device vs host C (seed/temperature&permil;/top-k)</h2><table><tr><th>prompt</th>"
            f"<th>sampler</th><th>device</th><th>host</th></tr>{samples}</table>")
