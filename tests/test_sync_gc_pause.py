"""The sync engine's pause of the cyclic garbage collector (kpi_engine/sync/gc_pause.py)."""

from __future__ import annotations

import gc
import threading

from kpi_engine.sync import gc_pause


def _cycle() -> None:
    a: list = []
    a.append(a)


def test_paused_while_syncing_and_restored_after():
    assert gc.isenabled()
    with gc_pause.gc_paused():
        assert not gc.isenabled()
        with gc_pause.gc_paused():  # nested: still paused
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_stays_off_when_it_was_off():
    gc.disable()
    try:
        with gc_pause.gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_restored_after_an_error():
    try:
        with gc_pause.gc_paused():
            raise ValueError("boom")
    except ValueError:
        pass
    assert gc.isenabled()


def test_cyclic_garbage_is_collected_on_the_row_budget(monkeypatch):
    monkeypatch.setattr(gc_pause, "ROWS_PER_COLLECTION", 1_000)
    runs: list[str] = []

    def seen(phase, info):
        if phase == "stop" and info["generation"] == 2:
            runs.append("full")

    gc.callbacks.append(seen)
    try:
        with gc_pause.gc_paused():
            for _ in range(5):
                _cycle()
            gc_pause.rows_done(999)
            assert runs == []  # within the budget: nothing collected
            gc_pause.rows_done(1)
            assert runs == ["full"]
    finally:
        gc.callbacks.remove(seen)


def test_two_threads_share_one_pause():
    inside = threading.Event()
    release = threading.Event()

    def sync():
        with gc_pause.gc_paused():
            inside.set()
            release.wait(10)

    thread = threading.Thread(target=sync)
    thread.start()
    inside.wait(10)
    with gc_pause.gc_paused():
        pass
    assert not gc.isenabled()  # the other sync is still running
    release.set()
    thread.join(10)
    assert gc.isenabled()
