"""Writes tslm_dsp_depthwise_small_drivers.h: the Thumb-2 drivers of the DSP depthwise kernel's small-image entry
(tslm_dsp_depthwise_conv_small_s8 in tslm_dsp_depthwise_conv.c, whose comments describe what they compute and the
context words they read). Each driver is straight-line assembly whose shape depends on its case (output rows H, the
epilogue, the right shift of SSAT's immediate copies), so the cases are written out by this script rather than by
hand; edit this script, never its output, then run

    python firmware/kernels/cortex_m_dsp/gen_depthwise_small.py           # rewrite the header
    python firmware/kernels/cortex_m_dsp/gen_depthwise_small.py --check   # exit 1 if the header differs

(tests/test_dsp_depthwise_small.py runs the check).
"""

from __future__ import annotations

import sys
from pathlib import Path

OUT = Path(__file__).with_name("tslm_dsp_depthwise_small_drivers.h")
COPIES = (5, 6, 7, 8)  # right shifts with a copy of the column loop whose SSAT shifts by an immediate


def q(t: str) -> str:
    """One instruction as a line of the asm string."""
    return f'"{t}\\n\\t"'


def shift_table() -> str:
    """TBH's table over the right shift 0..21: the copies' labels 11.. for COPIES, the general loop's (15) else."""
    return ", ".join(f"({11 + COPIES.index(r)}f - 9b) / 2" if r in COPIES else "(15f - 9b) / 2" for r in range(22))


# ---------------------------------------------------------------------------------------------------------------
# sm_channels_<H><s|r>: a group's channels, H = 1..6 output rows per column, EPI_SAT (s) or EPI_RSAT (r)

X = ["r8", "r9", "r10", "r11"]  # the column's pair words X_0..X_3


def ch_rows(H: int, first: bool) -> list[str]:
    """Two instructions per output row for one filter column ((A, B) in r12, lr); the first filter column starts
    every row from the init in the last row's register."""
    out, last = [], f"a{H - 1}"
    for r in range(H):
        a, m = f"a{r}", r // 2
        init = f"%[{last}]" if first else f"%[{a}]"
        if r % 2 == 0:
            out += [q(f"smlad %[{a}], r12, {X[m]}, {init}"), q(f"smlatb %[{a}], lr, {X[m + 1]}, %[{a}]")]
        else:
            out += [q(f"smlabt %[{a}], r12, {X[m]}, {init}"), q(f"smlad %[{a}], lr, {X[m + 1]}, %[{a}]")]
    return out


def ch_requant(H: int, rsat: bool, shift: int | None, tmp: str) -> list[str]:
    """The H accumulators requantized (m in r8, r in r9, the rounding term in r10); shift: SSAT's immediate copy."""
    out = []
    for k in range(H):
        a = f"%[a{k}]"
        if rsat:
            out += [q(f"add {tmp}, r10, {a}, asr #31"), q(f"smmlar {a}, {a}, r8, {tmp}")]
        else:
            out.append(q(f"smmlar {a}, {a}, r8, r10"))
        if shift is None:
            out += [q(f"asr {a}, {a}, r9"), q(f"ssat {a}, #8, {a}")]
        else:
            out.append(q(f"ssat {a}, #8, {a}, asr #{shift}"))
    return out


def ch_macs(H: int) -> list[str]:
    """One output column: per filter column an LDM of its Jn pair words and an LDRD of (A, B)."""
    J = (H + 3) // 2
    words = "{" + ", ".join(X[:J]) + "}"
    out = [q(f"ldr %[a{H - 1}], [%[ctx], #12]")]
    for fx in range(3):
        out += [q(f"ldmia %[xp]!, {words}"), q(f"ldrd r12, lr, [%[ctx], #{-24 + 8 * fx}]")] + ch_rows(H, fx == 0)
    return out + [q(f"sub %[xp], %[xp], #{8 * J}"), q("ldmia %[ctx], {r8, r9, r10}")]


def ch_column_ctx(H: int, rsat: bool, shift: int | None) -> list[str]:
    """The column loop of H > 3: the output pointer, its step and the channel's end in the context."""
    out = [q("1:")] + ch_macs(H) + ch_requant(H, rsat, shift, "r11")
    out.append(q("ldrd r8, r9, [%[ctx], #16]"))
    out.append(q("strb %[a0], [r8]"))
    if H > 1:
        out.append(q("strb %[a1], [r8, r9]"))
    if H > 2:
        out.append(q("strb %[a2], [r8, r9, lsl #1]"))
    if H > 3:
        out += [q("add r10, r8, r9"), q("strb %[a3], [r10, r9, lsl #1]")]
    if H > 4:
        out.append(q("strb %[a4], [r8, r9, lsl #2]"))
    if H > 5:
        out.append(q("strb %[a5], [r10, r9, lsl #2]"))
    return out + [q("ldr r10, [%[ctx], #24]"), q("add r8, r8, r10"), q("str r8, [%[ctx], #16]"),
                  q("ldr r11, [%[ctx], #28]"), q("cmp %[xp], r11"), q("bne 1b")]


def ch_column_regs(H: int, rsat: bool, shift: int | None) -> list[str]:
    """The column loop of H <= 3: the output pointer, ostep, output_c and the channel's end in registers."""
    out = [q("1:")] + ch_macs(H) + ch_requant(H, rsat, shift, "r12")
    out.append(q("strb %[a0], [%[o]]"))
    if H > 1:
        out.append(q("strb %[a1], [%[o], %[s]]"))
    if H > 2:
        out.append(q("strb %[a2], [%[o], %[s], lsl #1]"))
    return out + [q("add %[o], %[o], %[C]"), q("cmp %[xp], %[xe]"), q("bne 1b")]


# per channel: its weights (A0, (w2, 0)) per filter column as (A, B), its record, its pointers
CH_HEAD_CTX = [
    "4:", "ldr %[xp], [%[ctx], #32]", "ldmia %[xp]!, {r8, r9, r10, r11, r12, lr}", "str %[xp], [%[ctx], #32]",
    "lsl r9, r9, #16", "orr r9, r9, r8, lsr #16", "lsl r11, r11, #16", "orr r11, r11, r10, lsr #16",
    "lsl lr, lr, #16", "orr lr, lr, r12, lsr #16", "stmdb %[ctx], {r8, r9, r10, r11, r12, lr}",
    "ldr %[xp], [%[ctx], #36]", "ldmia %[xp]!, {r8, r9, r10, r11}", "str %[xp], [%[ctx], #36]",
    "stmia %[ctx], {r9, r10, r11}", "str r8, [%[ctx], #12]",
    "ldrd %[xp], r8, [%[ctx], #40]", "ldrd r9, r10, [%[ctx], #48]", "str r8, [%[ctx], #16]",
    "add r10, %[xp], r10", "str r10, [%[ctx], #28]", "add r9, %[xp], r9", "add r8, r8, #1",
    "strd r9, r8, [%[ctx], #40]"]
CH_HEAD_REGS = [
    "ldrd %[s], %[C], [%[ctx], #20]",
    "4:", "ldr %[xp], [%[ctx], #32]", "ldmia %[xp]!, {r8, r9, r10, r12}",
    "lsl r9, r9, #16", "orr r9, r9, r8, lsr #16", "lsl r12, r12, #16", "orr r12, r12, r10, lsr #16",
    "strd r8, r9, [%[ctx], #-24]", "strd r10, r12, [%[ctx], #-16]",
    "ldmia %[xp]!, {r8, r9}", "str %[xp], [%[ctx], #32]",
    "lsl r9, r9, #16", "orr r9, r9, r8, lsr #16", "strd r8, r9, [%[ctx], #-8]",
    "ldr %[xp], [%[ctx], #36]", "ldmia %[xp]!, {r8, r9, r10, r12}", "str %[xp], [%[ctx], #36]",
    "stmia %[ctx], {r9, r10, r12}", "str r8, [%[ctx], #12]",
    "ldrd %[xp], %[o], [%[ctx], #40]", "ldrd r8, r9, [%[ctx], #48]", "add %[xe], %[xp], r9",
    "add r8, %[xp], r8", "add r9, %[o], #1", "strd r8, r9, [%[ctx], #40]"]
CH_TAIL = ["8:", "ldr r8, [%[ctx], #44]", "ldr r9, [%[ctx], #56]", "cmp r8, r9", "bne 4b"]


def channels_driver(H: int, rsat: bool) -> str:
    regs = H <= 3
    column = ch_column_regs if regs else ch_column_ctx
    body = [q(x) for x in (CH_HEAD_REGS if regs else CH_HEAD_CTX)]
    if not rsat:
        body += [q("ldr r9, [%[ctx], #4]"), q("tbh [pc, r9, lsl #1]"), q("9:"), q(f".hword {shift_table()}")]
        for i, shift in enumerate(COPIES):
            body += [q(f"{11 + i}:")] + column(H, rsat, shift) + [q("b 8f")]
        body += [q("15:")] + column(H, rsat, None)
    else:
        body += column(H, rsat, None)
    body += [q(x) for x in CH_TAIL]
    accs = [f'[a{r}] "=&r"(a{r})' for r in range(H)]
    decl = "    int32_t " + ", ".join(f"a{r}" for r in range(H)) + ";"
    if regs:
        outs = ", ".join(accs + ['[xp] "=&r"(xp)', '[o] "=&r"(o)', '[s] "=&r"(s)', '[C] "=&r"(c)', '[xe] "=&r"(xe)'])
        decl += "\n    int32_t s, c;\n    const int32_t *xp, *xe;\n    int8_t *o;"
        clobbers = '"r8", "r9", "r10", "r12", "lr", "cc", "memory"'
        unused = "(void)xp, (void)o, (void)s, (void)c, (void)xe"
    else:
        outs = ", ".join(accs + ['[xp] "=&r"(xp)'])
        decl += "\n    const int32_t *xp;"
        clobbers = '"r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory"'
        unused = "(void)xp"
    unused += "".join(f", (void)a{r}" for r in range(H))
    name = f"sm_channels_{H}{'r' if rsat else 's'}"
    out = [f"__attribute__((noinline)) static void {name}(int32_t *ctx)", "{", decl, "    __asm__ volatile("]
    out += ["        " + x for x in body]
    out += [f"        : {outs}", '        : [ctx] "r"(ctx)', f"        : {clobbers});", f"    {unused};", "}", ""]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# sm_img3_channels, sm_img2_channels: 3x3 and 2x2 images (SAME, EPI_SAT), each channel straight from the input bytes

IMG_HEAD = [
    "4:",
    # record: init, m, r, round -> 24 m, 28 round, 32 r; 40 init
    "ldr %[u0], [%[ctx], #52]", "ldmia %[u0]!, {r8, r9, r10, r11}", "str %[u0], [%[ctx], #52]",
    "str r9, [%[ctx], #24]", "strd r11, r10, [%[ctx], #28]", "str r8, [%[ctx], #40]", "mov %[a0], r8",
    # weights: (A, (w2, 0)) per filter column -> (A, B)
    "ldr %[u0], [%[ctx], #48]", "ldmia %[u0]!, {r8, r9, r10, r11, r12, lr}", "str %[u0], [%[ctx], #48]",
    "lsl r9, r9, #16", "orr r9, r9, r8, lsr #16", "lsl r11, r11, #16", "orr r11, r11, r10, lsr #16",
    "lsl lr, lr, #16", "orr lr, lr, r12, lsr #16", "stmia %[ctx], {r8, r9, r10, r11, r12, lr}",
    # the padding columns' sums into the first and last output columns' init
    "ldr %[u0], [%[ctx], #80]",
    "smlad %[a1], r8, %[u0], %[a0]", "smlatb %[a1], r9, %[u0], %[a1]",
    "smlad %[a2], r12, %[u0], %[a0]", "smlatb %[a2], lr, %[u0], %[a2]",
    "str %[a1], [%[ctx], #36]", "str %[a2], [%[ctx], #44]", "mov lr, %[u0]",
    # image columns 0 and 1
    "ldr %[a0], [%[ctx], #56]", "ldrd %[a1], %[a2], [%[ctx], #68]"]
IMG_TAIL = ["8:", "ldrd %[a0], %[a1], [%[ctx], #56]", "add %[a0], %[a0], #1", "add %[a1], %[a1], #1",
            "strd %[a0], %[a1], [%[ctx], #56]", "ldr %[a2], [%[ctx], #64]", "cmp %[a1], %[a2]", "bne 4b"]


def img_requant(accs: list[str], shift: int | None, m: str, rnd: str, r: str) -> list[str]:
    out = []
    for a in accs:
        out.append(q(f"smmlar {a}, {a}, {m}, {rnd}"))
        if shift is None:
            out += [q(f"asr {a}, {a}, {r}"), q(f"ssat {a}, #8, {a}")]
        else:
            out.append(q(f"ssat {a}, #8, {a}, asr #{shift}"))
    return out


def img_driver(name: str, head: list[str], body) -> str:
    """The per-channel loop around body(shift): TBH on the right shift, COPIES with SSAT's immediate."""
    out_lines = [q(x) for x in IMG_HEAD] + head
    out_lines += [q("ldr r11, [%[ctx], #32]"), q("tbh [pc, r11, lsl #1]"), q("9:"), q(f".hword {shift_table()}")]
    for i, shift in enumerate(COPIES):
        out_lines += [q(f"{11 + i}:")] + body(shift) + [q("b 8f")]
    out_lines += [q("15:")] + body(None)
    out_lines += [q(x) for x in IMG_TAIL]
    out = [f"__attribute__((noinline)) static void {name}(int32_t *ctx)", "{",
           "    int32_t a0, a1, a2, u0, u1, u2;", "    int8_t *o;", "    __asm__ volatile("]
    out += ["        " + x for x in out_lines]
    out += ['        : [a0] "=&r"(a0), [a1] "=&r"(a1), [a2] "=&r"(a2), [u0] "=&r"(u0), [u1] "=&r"(u1), [u2] "=&r"(u2),',
            '          [o] "=&r"(o)', '        : [ctx] "r"(ctx)',
            '        : "r8", "r9", "r10", "r11", "r12", "lr", "cc", "memory");',
            "    (void)a0, (void)a1, (void)a2, (void)u0, (void)u1, (void)u2, (void)o;", "}", ""]
    return "\n".join(out)


def img3_rows(X0: str, X1: str, X2: str, A: str, B: str, first: bool, init: str | None) -> list[str]:
    a = ["%[a0]", "%[a1]", "%[a2]"]
    i = [init if first else x for x in a]
    return [q(f"smlad {a[0]}, {A}, {X0}, {i[0]}"), q(f"smlatb {a[0]}, {B}, {X1}, {a[0]}"),
            q(f"smlabt {a[1]}, {A}, {X0}, {i[1]}"), q(f"smlad {a[1]}, {B}, {X1}, {a[1]}"),
            q(f"smlad {a[2]}, {A}, {X1}, {i[2]}"), q(f"smlatb {a[2]}, {B}, {X2}, {a[2]}")]


def img3_column(p: str, row: str, x0: str, x1: str, t: str) -> list[str]:
    """An image column's pair words X0 = (zero point, row 0), X1 = (rows 1, 2) from its three input bytes."""
    return [q(f"ldrsb {x0}, [{p}]"), q(f"ldrsb {x1}, [{p}, {row}]"), q(f"add {t}, {p}, {row}, lsl #1"),
            q(f"ldrsb {t}, [{t}]"), q(f"pkhbt {x0}, lr, {x0}, lsl #16"), q(f"pkhbt {x1}, {x1}, {t}, lsl #16")]


def img3_body(shift: int | None) -> list[str]:
    accs = ["%[a0]", "%[a1]", "%[a2]"]
    out = []
    # output column 0: filter column 1 over image column 0 (r8, r9), 2 over column 1 (r10, u0)
    out.append(q("ldr %[a2], [%[ctx], #36]"))
    out.append(q("ldrd r11, r12, [%[ctx], #8]"))
    out += img3_rows("r8", "r9", "lr", "r11", "r12", True, "%[a2]")
    out.append(q("ldrd r11, r12, [%[ctx], #16]"))
    out += img3_rows("r10", "%[u0]", "lr", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #24]"))
    if shift is None:
        out.append(q("ldr %[u1], [%[ctx], #32]"))
    out += img_requant(accs, shift, "r11", "r12", "%[u1]")
    out += [q("ldr %[o], [%[ctx], #60]"), q("ldr %[u1], [%[ctx], #76]"), q("strb %[a0], [%[o]]"),
            q("strb %[a1], [%[o], %[u1]]"), q("strb %[a2], [%[o], %[u1], lsl #1]"), q("ldr %[u2], [%[ctx], #72]"),
            q("add %[o], %[o], %[u2]")]
    # image column 2 into u1, u2
    out += [q("ldr %[a0], [%[ctx], #84]"), q("ldr %[a1], [%[ctx], #68]")]
    out += img3_column("%[a0]", "%[a1]", "%[u1]", "%[u2]", "%[a0]")
    # output column 1: filter columns 0, 1, 2 over image columns 0, 1, 2
    out.append(q("ldr %[a2], [%[ctx], #40]"))
    out.append(q("ldrd r11, r12, [%[ctx], #0]"))
    out += img3_rows("r8", "r9", "lr", "r11", "r12", True, "%[a2]")
    out.append(q("ldrd r11, r12, [%[ctx], #8]"))
    out += img3_rows("r10", "%[u0]", "lr", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #16]"))
    out += img3_rows("%[u1]", "%[u2]", "lr", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #24]"))
    if shift is None:
        out.append(q("ldr r8, [%[ctx], #32]"))
    out += img_requant(accs, shift, "r11", "r12", "r8")
    out += [q("ldrd r8, r9, [%[ctx], #72]"), q("strb %[a0], [%[o]]"), q("strb %[a1], [%[o], r9]"),
            q("strb %[a2], [%[o], r9, lsl #1]"), q("add %[o], %[o], r8")]
    # output column 2: filter columns 0, 1 over image columns 1, 2
    out.append(q("ldr %[a2], [%[ctx], #44]"))
    out.append(q("ldrd r11, r12, [%[ctx], #0]"))
    out += img3_rows("r10", "%[u0]", "lr", "r11", "r12", True, "%[a2]")
    out.append(q("ldrd r11, r12, [%[ctx], #8]"))
    out += img3_rows("%[u1]", "%[u2]", "lr", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #24]"))
    if shift is None:
        out.append(q("ldr r8, [%[ctx], #32]"))
    out += img_requant(accs, shift, "r11", "r12", "r8")
    out += [q("strb %[a0], [%[o]]"), q("strb %[a1], [%[o], r9]"), q("strb %[a2], [%[o], r9, lsl #1]")]
    return out


def img3_driver() -> str:
    head = img3_column("%[a0]", "%[a1]", "r8", "r9", "%[u1]") + [q("add %[a0], %[a0], %[a2]")]
    head += img3_column("%[a0]", "%[a1]", "r10", "%[u0]", "%[u1]") + [q("add %[a0], %[a0], %[a2]"),
                                                                      q("str %[a0], [%[ctx], #84]")]
    return img_driver("sm_img3_channels", head, img3_body)


def img2_rows(X0: str, X1: str, A: str, B: str, first: bool, init: str | None) -> list[str]:
    a = ["%[a0]", "%[a1]"]
    i = [init if first else x for x in a]
    return [q(f"smlad {a[0]}, {A}, {X0}, {i[0]}"), q(f"smlatb {a[0]}, {B}, {X1}, {a[0]}"),
            q(f"smlabt {a[1]}, {A}, {X0}, {i[1]}"), q(f"smlad {a[1]}, {B}, {X1}, {a[1]}")]


def img2_column(p: str, row: str, x0: str, x1: str) -> list[str]:
    """An image column's pair words X0 = (zero point, row 0), X1 = (row 1, zero point) from its two input bytes."""
    return [q(f"ldrsb {x0}, [{p}]"), q(f"ldrsb {x1}, [{p}, {row}]"), q(f"pkhbt {x0}, lr, {x0}, lsl #16"),
            q(f"pkhbt {x1}, {x1}, lr, lsl #16")]


def img2_body(shift: int | None) -> list[str]:
    accs = ["%[a0]", "%[a1]"]
    out = [q("ldr %[a1], [%[ctx], #36]"), q("ldrd r11, r12, [%[ctx], #8]")]
    out += img2_rows("r8", "r9", "r11", "r12", True, "%[a1]")
    out += [q("ldrd r11, r12, [%[ctx], #16]")] + img2_rows("r10", "%[u0]", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #24]"))
    if shift is None:
        out.append(q("ldr %[u1], [%[ctx], #32]"))
    out += img_requant(accs, shift, "r11", "r12", "%[u1]")
    out += [q("ldr %[o], [%[ctx], #60]"), q("ldr %[u1], [%[ctx], #76]"), q("strb %[a0], [%[o]]"),
            q("strb %[a1], [%[o], %[u1]]"), q("ldr %[u2], [%[ctx], #72]"), q("add %[o], %[o], %[u2]")]
    out += [q("ldr %[a1], [%[ctx], #44]"), q("ldrd r11, r12, [%[ctx], #0]")]
    out += img2_rows("r8", "r9", "r11", "r12", True, "%[a1]")
    out += [q("ldrd r11, r12, [%[ctx], #8]")] + img2_rows("r10", "%[u0]", "r11", "r12", False, None)
    out.append(q("ldrd r11, r12, [%[ctx], #24]"))
    if shift is None:
        out.append(q("ldr r8, [%[ctx], #32]"))
    out += img_requant(accs, shift, "r11", "r12", "r8")
    out += [q("strb %[a0], [%[o]]"), q("strb %[a1], [%[o], %[u1]]")]
    return out


def img2_driver() -> str:
    head = img2_column("%[a0]", "%[a1]", "r8", "r9") + [q("add %[a0], %[a0], %[a2]")]
    head += img2_column("%[a0]", "%[a1]", "r10", "%[u0]")
    return img_driver("sm_img2_channels", head, img2_body)


def header() -> str:
    drivers = "\n".join(channels_driver(H, rsat) for H in range(1, 7) for rsat in (False, True))
    return ("/* tslm_dsp_depthwise_small_drivers.h - GENERATED by gen_depthwise_small.py in this folder: edit that\n"
            " * script and rerun it, never this file. The Thumb-2 drivers of tslm_dsp_depthwise_conv.c's small-image\n"
            " * entry (tslm_dsp_depthwise_conv_small_s8; what they compute and the context words they read are described\n"
            " * there); included once, by that file, in its speed build (TSLM_DSP_ASM, not TSLM_OPTIMIZE_SIZE). */\n"
            "\n" + drivers + "\n" + img3_driver() + "\n" + img2_driver())


if __name__ == "__main__":
    text = header()
    if sys.argv[1:] == ["--check"]:
        if not OUT.exists() or OUT.read_text() != text:
            sys.exit(f"{OUT.name} is not what {Path(__file__).name} writes: run it to regenerate")
        print(f"{OUT.name}: up to date")
    else:
        OUT.write_text(text)
        print(f"wrote {OUT}")
