"""kinerja.memory: the glibc calls that bound a large run's memory (kinerja/memory.py)."""
import platform

import psutil

from kinerja import memory


def test_release_returns_freed_heap_to_the_os():
    if platform.system() != "Linux" or memory._libc() is None:
        memory.release()  # a no-op elsewhere, and must not fail
        return
    process = psutil.Process()
    before = process.memory_info().rss
    # ~256 MiB in pieces below the mmap threshold, each followed by a small object that stays alive:
    # free() alone cannot give the holes back (they are not at the top of the heap), malloc_trim can.
    blocks, pins = [], []
    for _ in range(4000):
        blocks.append(bytearray(64 * 1024 - 64))
        pins.append(bytearray(1024))  # above pymalloc's 512 bytes: from the C heap, between the blocks
    grown = process.memory_info().rss
    del blocks
    memory.release()
    after = process.memory_info().rss
    assert len(pins) == 4000
    assert grown - before > 200 * 2**20
    assert after - before < (grown - before) / 2


def test_limit_arenas_is_accepted_by_glibc():
    assert memory.limit_arenas() is (memory._libc() is not None)
