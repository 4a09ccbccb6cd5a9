"""The host build's kernel-object cache: a kernel is compiled once per (compiler, flags, source, kernel
headers), reused while they stay the same, and compiled again when any of them changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tinyslm.runners.host import kernel_object
from tinyslm.toolchain import WARN_FLAGS, find_cc


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("TINYSLM_CACHE", str(tmp_path / "cache"))
    d = tmp_path / "model"
    d.mkdir()
    (d / "tslm_k.h").write_text("#define K 3\n")
    (d / "tslm_k.c").write_text('#include "tslm_k.h"\nint tslm_k(void) { return K; }\n')
    return d


def test_same_inputs_reuse_the_object(folder):
    cc = find_cc()
    flags = [*WARN_FLAGS, "-O2", "-I", str(folder)]
    a = kernel_object(cc, flags, folder / "tslm_k.c", folder)
    stamp = a.stat().st_mtime_ns
    b = kernel_object(cc, flags, folder / "tslm_k.c", folder)
    assert a == b and a.is_file() and b.stat().st_mtime_ns == stamp


def test_a_changed_header_source_or_flag_compiles_again(folder):
    cc = find_cc()
    flags = [*WARN_FLAGS, "-O2", "-I", str(folder)]
    first = kernel_object(cc, flags, folder / "tslm_k.c", folder)
    (folder / "tslm_k.h").write_text("#define K 4\n")
    second = kernel_object(cc, flags, folder / "tslm_k.c", folder)
    (folder / "tslm_k.c").write_text('#include "tslm_k.h"\nint tslm_k(void) { return K + 1; }\n')
    third = kernel_object(cc, flags, folder / "tslm_k.c", folder)
    fourth = kernel_object(cc, [*WARN_FLAGS, "-O0", "-I", str(folder)], folder / "tslm_k.c", folder)
    assert len({first, second, third, fourth}) == 4 and all(p.is_file() for p in (first, second, third, fourth))


def test_the_model_folder_does_not_split_the_cache(folder, tmp_path):
    """Two models' folders hold the same kernel (and other, different kernels' headers): one object serves
    both."""
    other = tmp_path / "other"
    other.mkdir()
    for f in folder.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    (other / "tslm_unrelated.h").write_text("#define UNRELATED 1\n")
    cc = find_cc()
    a = kernel_object(cc, [*WARN_FLAGS, "-I", str(folder)], folder / "tslm_k.c", folder)
    b = kernel_object(cc, [*WARN_FLAGS, "-I", str(other)], other / "tslm_k.c", other)
    assert a == b


def test_a_kernel_that_does_not_compile_is_a_clear_error(folder):
    from tinyslm.errors import ToolchainError

    (folder / "tslm_k.c").write_text("int tslm_k(void) { return undefined_name; }\n")
    with pytest.raises(ToolchainError, match="did not compile"):
        kernel_object(find_cc(), [*WARN_FLAGS, "-I", str(folder)], folder / "tslm_k.c", folder)
    assert not list((folder.parent / "cache").rglob("*.o"))  # no half-made object left to be reused
