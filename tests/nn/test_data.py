"""The data layer: batches of phrases formed anew each epoch, the one stream-to-columns layout,
pieces of a stream that carry their state, and generated batches."""

import numpy as np
import pytest

from rnnlab.errors import DataError, InputError
from rnnlab.nn.data import ColumnPieces, Generated, Piece, length_batches, stream_columns


def test_length_batches_group_similar_lengths_and_cover_every_index() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(17, 102, size=1000)
    batches = length_batches(lengths, 32, np.random.default_rng(1))
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    assert all(len(b) <= 32 for b in batches)
    spread = np.mean([lengths[b].max() - lengths[b].min() for b in batches])
    assert spread <= 4  # random batches would spread across about 80
    assert all(
        len(a) == len(b) and (a == b).all()
        for a, b in zip(batches, length_batches(lengths, 32, np.random.default_rng(1)), strict=True)
    )
    unshuffled = length_batches(lengths, 32, None)
    firsts = [lengths[b].min() for b in unshuffled]
    assert firsts == sorted(firsts)
    assert [b.tolist() for b in batches] != [b.tolist() for b in unshuffled]
    with pytest.raises(InputError):
        length_batches(lengths, 0, None)


def test_stream_columns_cuts_contiguous_rows() -> None:
    ids = np.arange(26)
    cols = stream_columns(ids, 4)
    assert cols.shape == (4, 6)
    assert cols[1].tolist() == [6, 7, 8, 9, 10, 11]
    assert cols.reshape(-1).tolist() == list(range(24))
    with pytest.raises(DataError):
        stream_columns(np.arange(3), 4)
    with pytest.raises(InputError):
        stream_columns(np.zeros((2, 2)), 1)


def test_stream_columns_lays_streams_in_rows() -> None:
    assert stream_columns(np.arange(13), 3).tolist() == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]


def test_column_pieces_carry_state_and_end_in_whole_windows() -> None:
    pieces = ColumnPieces(np.arange(2 * 301), 2, 64, 32).epoch(0)
    assert [p.src.shape[1] for p in pieces] == [64, 64, 64, 64, 32, 12]
    assert pieces[0].keep is None and all(p.keep.all() for p in pieces[1:])
    x = np.concatenate([p.src for p in pieces], axis=1)
    y = np.concatenate([p.tgt for p in pieces], axis=1)
    assert np.array_equal(x[:, 1:], y[:, :-1]) and x[1, 0] == 301  # next ids; row 1 goes on
    with pytest.raises(InputError):
        ColumnPieces(np.arange(100), 2, 50, 32)


def test_generated_pieces_depend_on_the_seed_and_the_epoch_alone() -> None:
    make = lambda rng: Piece(rng.integers(0, 9, size=(2, 3)), np.zeros((2, 3), int))  # noqa: E731
    a, b = Generated(make, 4, 7), Generated(make, 4, 7)
    first = [p.src for p in a.epoch(0)]
    assert len(a.epoch(1)) == 4 and all(np.array_equal(x, y.src) for x, y in zip(first, b.epoch(0)))
    assert not all(np.array_equal(x, y.src) for x, y in zip(first, a.epoch(1)))
    again = [p.src for p in a.epoch(1)]  # drawn again: the same pieces, so a resume replays them
    assert all(np.array_equal(x, y.src) for x, y in zip(again, b.epoch(1)))
    rng = np.random.default_rng(7)
    shared = Generated(make, 2, rng)  # a Generator goes on from epoch to epoch
    assert not np.array_equal(next(iter(shared.epoch(0))).src, next(iter(shared.epoch(0))).src)
