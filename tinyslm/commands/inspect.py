"""`tinyslm inspect MODEL.tflite`: ops, tensors, MACs, memory plan, TFLM's arena, flash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click


def inspect_model(model: Path, with_tflm: bool = True, with_code: bool = True) -> dict:
    """Everything `inspect` prints, as a dict (also used by the benchmarks)."""
    from ..compiler import compile_model
    from ..compiler.lowering import Alias, Call

    with tempfile.TemporaryDirectory(prefix="tinyslm-inspect-") as tmp:
        cm = compile_model(model, Path(tmp) / "out", name="model")
        g, p = cm.graph, cm.plan
        ops = []
        for s in p.steps:
            op = s.op
            out = g.tensors[op.outputs[0]]
            ops.append(dict(index=op.index, op=op.opcode, output=out.describe(),
                            kernel="(alias)" if isinstance(s, Alias) else s.func,
                            macs=s.macs if isinstance(s, Call) else 0,
                            detail=s.note if isinstance(s, Call) else "output shares the input's bytes"))
        buffers = [dict(buffer=b.key, bytes=b.size, offset=b.offset, first_op=p.steps[b.first].op.index,
                        last_op=p.steps[b.last].op.index) for b in sorted(p.buffers, key=lambda b: b.offset)]
        info = dict(model=str(model), sha256=g.sha256, tensors=len(g.tensors), operators=len(g.operators),
                    macs=cm.macs, inputs=[t.__dict__ for t in cm.inputs], outputs=[t.__dict__ for t in cm.outputs],
                    ops=ops, arena_bytes=cm.arena_bytes, io_bytes=cm.io_bytes, buffers=buffers,
                    weights_bytes=cm.weights_bytes)
        if with_code:
            from ..runners.codesize import measure

            cs = measure(cm)
            info["code"] = None if cs is None else dict(cpu=cs.cpu, kernels_text=cs.kernels_text,
                                                        model_text=cs.model_text, rodata=cs.rodata, flash=cs.flash)
    if with_tflm:
        try:
            from ..runners.oracle import Oracle

            rep = Oracle(model.read_bytes()).arena()
            info["tflm_arena"] = dict(total=rep.total, head=rep.head, tail=rep.tail)
        except Exception as e:  # oracle missing or model rejected by TFLM
            info["tflm_arena"] = dict(error=str(e).splitlines()[0])
    return info


@click.command("inspect")
@click.argument("model", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--no-tflm", is_flag=True, help="Do not load the model in TFLM to get its arena size.")
def inspect_cmd(model: Path, as_json: bool, no_tflm: bool) -> None:
    """Show ops, tensors, MACs, the memory plan (ours vs TFLM's arena) and the flash estimate."""
    info = inspect_model(model, with_tflm=not no_tflm)
    if as_json:
        click.echo(json.dumps(info, indent=2, default=str))
        return
    click.echo(f"{model}  (sha256 {info['sha256'][:16]}..., {info['tensors']} tensors, "
               f"{info['operators']} operators, {info['macs']:,} MACs)")
    for kind in ("inputs", "outputs"):
        for i, t in enumerate(info[kind]):
            shape = "x".join(map(str, t["shape"]))
            click.echo(f"  {kind[:-1]} {i}: '{t['name']}' {t['dtype']} {shape} scale {t['scale']:.6g} "
                       f"zero point {t['zero_point']}")
    click.echo("\n  op  operator              output                                   MACs  kernel / detail")
    for o in info["ops"]:
        click.echo(f"  {o['index']:>3} {o['op']:<20} {o['output'][:38]:<38} {o['macs']:>9,}  "
                   f"{o['kernel']}: {o['detail']}")
    click.echo("\n  memory plan (arena):  offset    bytes  live over ops")
    for b in info["buffers"]:
        click.echo(f"    {b['buffer']:<18} {b['offset']:>8,} {b['bytes']:>8,}  {b['first_op']}..{b['last_op']}")
    ours_total = info["arena_bytes"] + info["io_bytes"]
    click.echo(f"\n  RAM:   arena {info['arena_bytes']:,} B + input/output buffers {info['io_bytes']:,} B "
               f"= {ours_total:,} B")
    tf = info.get("tflm_arena")
    if tf and "total" in tf:
        click.echo(f"         TFLM arena for the same model: {tf['total']:,} B "
                   f"(tensors {tf['head']:,} B + interpreter structures {tf['tail']:,} B; host build)")
    elif tf:
        click.echo(f"         TFLM arena: unavailable ({tf['error']})")
    code = info.get("code")
    click.echo(f"  flash: weights, tables and parameters {info['weights_bytes']:,} B"
               + (f"; compiled for {code['cpu']}: kernels .text {code['kernels_text']:,} B, "
                  f"invoke .text {code['model_text']:,} B, .rodata {code['rodata']:,} B, total {code['flash']:,} B"
                  if code else " (arm-none-eabi-gcc not found: code size not measured)"))
