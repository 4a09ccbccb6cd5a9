"""`tinyslm inspect MODEL.tflite`: ops, tensors, MACs, memory plan, TFLM's arena, flash."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click


def artifact_info(art) -> dict:
    """What `inspect` shows, from a compiled model's description (NAME.json): nothing is compiled again."""
    steps = {s.position: s for s in art.steps}
    ops = [dict(index=s.op_index, op=s.opcode, output=_describe(art, s.writes[0]) if s.writes else "",
                kernel=s.kernel or "(alias)", macs=s.macs, detail=s.note) for s in art.steps]
    buffers = [dict(buffer=b["key"], bytes=b["bytes"], offset=b["offset"], first_op=steps[b["first_step"]].op_index,
                    last_op=steps[b["last_step"]].op_index) for b in art.buffers]
    return dict(model=art.source, sha256=art.model_sha256, target=art.target, tensors=len(art.tensors),
                operators=len({s.op_index for s in art.steps}), macs=art.macs, inputs=art.inputs,
                outputs=art.outputs, ops=ops, arena_bytes=art.arena_bytes, io_bytes=art.io_bytes, buffers=buffers,
                weights_bytes=art.weights_bytes)


def _describe(art, index: int) -> str:
    t = art.tensors[index]
    return f"{t.dtype} {'x'.join(map(str, t.shape)) or 'scalar'}"


def inspect_model(model: Path, with_tflm: bool = True, with_code: bool = True, target: str = "portable") -> dict:
    """Everything `inspect` prints, as a dict (also used by the benchmarks). MODEL is a .tflite (compiled
    into a temporary folder) or a folder/NAME.json that `tinyslm compile` wrote (read as it is)."""
    from ..compiler import artifact
    from ..runners.codesize import measure_folder

    model = Path(model)
    if model.is_dir() or model.suffix == ".json":
        art = artifact.load(model)
        folder = model if model.is_dir() else model.parent
        info = artifact_info(art)
        info["model"] = str(model)
        if with_code:
            info["code"] = _code(measure_folder(folder, art.name))
        if with_tflm:
            info["tflm_arena"] = dict(error="a compiled folder: give the .tflite to compare with TFLM's arena")
        return info
    from ..compiler import compile_model

    with tempfile.TemporaryDirectory(prefix="tinyslm-inspect-") as tmp:
        cm = compile_model(model, Path(tmp) / "out", name="model", target=target)
        info = artifact_info(artifact.load(cm.out_dir / "model.json"))
        info["model"] = str(model)
        if with_code:
            info["code"] = _code(measure_folder(cm.out_dir, cm.name))
    if with_tflm:
        try:
            from ..runners.oracle import Oracle

            rep = Oracle(model.read_bytes()).arena()
            info["tflm_arena"] = dict(total=rep.total, head=rep.head, tail=rep.tail)
        except Exception as e:  # oracle missing or model rejected by TFLM
            info["tflm_arena"] = dict(error=str(e).splitlines()[0])
    return info


def _code(cs) -> dict | None:
    return None if cs is None else dict(cpu=cs.cpu, kernels_text=cs.kernels_text, model_text=cs.model_text,
                                        rodata=cs.rodata, flash=cs.flash)


@click.command("inspect")
@click.argument("model", type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option("--no-tflm", is_flag=True, help="Do not load the model in TFLM to get its arena size.")
def inspect_cmd(model: Path, as_json: bool, no_tflm: bool) -> None:
    """Show ops, tensors, MACs, the memory plan (ours vs TFLM's arena) and the flash estimate.

    MODEL is a .tflite, or a folder (or its NAME.json) that `tinyslm compile` wrote."""
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
    w = max([20, *(len(o["op"]) for o in info["ops"])])  # custom ops have long names (CUSTOM:SignalRfft)
    click.echo(f"\n  op  {'operator':<{w}} {'output':<38} {'MACs':>9}  kernel / detail")
    for o in info["ops"]:
        click.echo(f"  {o['index']:>3} {o['op']:<{w}} {o['output'][:38]:<38} {o['macs']:>9,}  "
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
