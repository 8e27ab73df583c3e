"""The fast ARFF reader agrees with liac-arff; the writer's files are read by both."""
from __future__ import annotations

import arff as liac
import numpy as np
import pandas as pd
import pytest

from amlb.datasets.arff import _read_dense, _read_liac, read_arff, read_header, write_arff

TRICKY = """% a comment before the header
@RELATION 'tricky relation'

@ATTRIBUTE 'first name' {'Ann Lee','Bob',"C,D",'it\\'s'}
@attribute value REAL
@attribute count integer
@attribute note string
@attribute class {yes,no,maybe}

@DATA
'Ann Lee',1.5,3,'hello world',yes
Bob,?,4,?,no

'it\\'s',-2e-3,?,plain,yes
"""


def test_fast_reader_matches_liac(tmp_path):
    path = tmp_path / "t.arff"
    path.write_text(TRICKY)
    header = read_header(path)
    assert [a.name for a in header.attributes] == ["first name", "value", "count", "note", "class"]
    assert header.attributes[0].values == ("Ann Lee", "Bob", "C,D", "it's")
    fast = _read_dense(path, header)
    slow = _read_liac(path, header)
    pd.testing.assert_frame_equal(fast, slow, check_dtype=False)
    assert list(fast["class"].cat.categories) == ["yes", "no", "maybe"]  # declared order, unused kept
    assert fast["value"].isna().tolist() == [False, True, False]
    reference = liac.loads(TRICKY)["data"]
    assert [row[0] for row in reference] == fast["first name"].astype(str).tolist()


def test_dates_are_read_as_text(tmp_path):
    path = tmp_path / "d.arff"
    path.write_text('@relation d\n@attribute when date "yyyy-MM-dd"\n@attribute y {a,b}\n@data\n2020-01-02,a\n?,b\n')
    frame, header = read_arff(path)
    assert header.attributes[0].kind == "date"
    assert frame["when"].tolist()[0] == "2020-01-02" and pd.isna(frame["when"].tolist()[1])


def test_sparse_and_odd_rows_fall_back_to_liac(tmp_path):
    sparse = tmp_path / "s.arff"
    sparse.write_text("@relation s\n@attribute a numeric\n@attribute b numeric\n@attribute c {x,y}\n@data\n{0 1.5,2 y}\n{1 2}\n")
    frame, header = read_arff(sparse)
    assert header.sparse
    assert frame["a"].tolist() == [1.5, 0.0] and frame["b"].tolist() == [0.0, 2.0]
    assert frame["c"].astype(object).tolist()[0] == "y"
    commented = tmp_path / "c.arff"
    commented.write_text("@relation c\n@attribute a numeric\n@attribute b {p,q}\n@data\n1,p\n% a comment line\n2,q\n")
    frame, _ = read_arff(commented)
    assert frame["a"].tolist() == [1.0, 2.0] and frame["b"].astype(str).tolist() == ["p", "q"]


def test_written_arff_round_trips(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "x": rng.normal(size=50),
        "k": pd.Categorical(rng.choice(["plain", "with space", "quote'd", "com,ma"], 50)),
        "s": pd.Series(rng.choice(["a b", "c", None], 50), dtype=object),
        "n": pd.Series(rng.integers(0, 9, 50), dtype="Int64"),
    })
    frame.loc[3, "x"] = np.nan
    frame.loc[5, "k"] = np.nan
    path = tmp_path / "w.arff"
    write_arff(frame, path, relation="round trip")
    back, _ = read_arff(path)
    assert list(back["k"].cat.categories) == list(frame["k"].cat.categories)
    pd.testing.assert_series_equal(back["k"], frame["k"])
    np.testing.assert_allclose(back["x"], frame["x"])
    assert back["s"].isna().tolist() == frame["s"].isna().tolist()
    assert back["n"].tolist() == frame["n"].astype(float).tolist()
    with open(path) as handle:
        decoded = liac.load(handle)  # the reference reader takes it too
    assert len(decoded["data"]) == 50 and decoded["relation"] == "round trip"


@pytest.mark.parametrize("text, message", [
    ("@relation r\n@attribute a blob\n@data\n", "unsupported ARFF attribute type"),
    ("@relation r\n@attribute a {x,y}\n@data\nz\n", "unreadable ARFF"),
])
def test_bad_arff(tmp_path, text, message):
    from amlb.errors import DataError

    path = tmp_path / "bad.arff"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_arff(path)
