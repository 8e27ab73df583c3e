"""Fast ARFF reading and writing.

The header is parsed here; the dense data section is parsed by pyarrow's
multi-threaded CSV reader (single quotes, ``?`` for missing), nominal attributes
become pandas categoricals with the declared category order. Anything that reader
cannot take (sparse rows, comments or double quotes inside the data, values outside
a nominal's declaration) falls back to liac-arff, which is slow but thorough.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from amlb.errors import DataError

NUMERIC_TYPES = ("numeric", "real", "integer")


@dataclass(frozen=True)
class Attribute:
    """One ``@attribute``: name, kind (numeric | nominal | string | date), nominal values."""

    name: str
    kind: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Header:
    relation: str
    attributes: list[Attribute]
    data_offset: int  # byte offset of the first line after @data
    sparse: bool  # the first data line starts with "{"


def _split_quoted(text: str, sep: str = ",") -> list[str]:
    """Split ``text`` at ``sep`` outside quotes; unquote and unescape each part."""
    parts, current, quote, i = [], [], None, 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and i + 1 < len(text):
                current.append(text[i + 1])
                i += 2
                continue
            if ch == quote:
                quote = None
            else:
                current.append(ch)
        elif ch in "'\"":
            quote = ch
        elif ch == sep:
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current).strip())
    return parts


def _parse_attribute(line: str, path: Path) -> Attribute:
    rest = line[len("@attribute"):].strip()
    if rest[:1] in "'\"":
        quote = rest[0]
        end = 1
        while end < len(rest) and (rest[end] != quote or rest[end - 1] == "\\"):
            end += 1
        name, spec = rest[1:end].replace("\\" + quote, quote), rest[end + 1:].strip()
    else:
        pieces = rest.split(None, 1)
        if len(pieces) < 2:
            raise DataError(f"{path}: malformed ARFF attribute line {line[:80]!r}", "check the file")
        name, spec = pieces
    if spec.startswith("{"):
        body = spec[1:spec.rindex("}")] if "}" in spec else spec[1:]
        values = tuple(v for v in _split_quoted(body) if v != "") if body.strip() else ()
        return Attribute(name, "nominal", values)
    kind = spec.split()[0].lower()
    if kind in NUMERIC_TYPES:
        return Attribute(name, "numeric")
    if kind in ("string", "date"):
        return Attribute(name, kind)
    raise DataError(f"{path}: unsupported ARFF attribute type {spec[:40]!r} for {name!r}", "use numeric, nominal, string or date")


def read_header(path: Path) -> Header:
    """Parse the ARFF header of ``path``."""
    relation, attributes = "", []
    with open(path, "rb") as handle:
        while True:
            raw = handle.readline()
            if not raw:
                raise DataError(f"{path}: no @data section: not an ARFF file", "check the file format")
            line = raw.decode("utf-8", errors="replace").strip()
            lower = line.lower()
            if not line or line.startswith("%"):
                continue
            if lower.startswith("@relation"):
                relation = _split_quoted(line[len("@relation"):].strip(), sep="\n")[0]
            elif lower.startswith("@attribute"):
                attributes.append(_parse_attribute(line, path))
            elif lower.startswith("@data"):
                offset = handle.tell()
                sparse = False
                while True:
                    peek = handle.readline()
                    if not peek:
                        break
                    text = peek.strip()
                    if text and not text.startswith(b"%"):
                        sparse = text.startswith(b"{")
                        break
                return Header(relation, attributes, offset, sparse)
            else:
                raise DataError(f"{path}: not an ARFF file (unexpected header line {line[:60]!r})", "check the file format")


def read_arff(path: str | Path) -> tuple[pd.DataFrame, Header]:
    """Read an ARFF file into a typed frame (nominal: categorical in declared order)."""
    path = Path(path)
    header = read_header(path)
    if not header.attributes:
        raise DataError(f"{path}: the ARFF file declares no attributes", "check the file")
    if not header.sparse:
        try:
            return _read_dense(path, header), header
        except (pa.ArrowInvalid, _Mismatch):
            pass
    return _read_liac(path, header), header


class _Mismatch(Exception):
    """The fast reader saw a value it cannot take as is."""


def _read_dense(path: Path, header: Header) -> pd.DataFrame:
    names = [f"c{i}" for i in range(len(header.attributes))]  # attribute names may repeat or be odd
    types = {}
    for name, attribute in zip(names, header.attributes):
        if attribute.kind == "numeric":
            types[name] = pa.float64()
        elif attribute.kind == "nominal":
            types[name] = pa.dictionary(pa.int32(), pa.string())
        else:
            types[name] = pa.string()
    with open(path, "rb") as handle:
        handle.seek(header.data_offset)
        table = pacsv.read_csv(
            handle,
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(quote_char="'", escape_char="\\", double_quote=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=types, null_values=["?"], strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    columns = {}
    for name, attribute in zip(names, header.attributes):
        column = table.column(name)
        if attribute.kind == "nominal":
            columns[attribute.name] = _nominal(column, attribute)
        elif attribute.kind == "numeric":
            columns[attribute.name] = column.to_numpy()
        else:
            columns[attribute.name] = column.to_pandas()
    return pd.DataFrame(columns)


def _nominal(column: pa.ChunkedArray, attribute: Attribute) -> pd.Categorical:
    parts = [chunk.to_pandas() for chunk in column.chunks] or [pd.Series([], dtype="category")]
    values = pd.api.types.union_categoricals(parts) if len(parts) > 1 else parts[0]
    values = pd.Categorical(values)
    unknown = set(values.categories) - set(attribute.values)
    if unknown:
        raise _Mismatch(f"{attribute.name}: {sorted(unknown)[:3]}")
    return values.set_categories(list(attribute.values))


def _read_liac(path: Path, header: Header) -> pd.DataFrame:
    import arff as liac

    try:
        with open(path, encoding="utf-8") as handle:
            decoded = liac.load(handle, return_type=liac.LOD if header.sparse else liac.DENSE)
    except (liac.ArffException, ValueError, UnicodeDecodeError) as e:
        raise DataError(f"{path}: unreadable ARFF file ({str(e).strip()[:160]})", "check the file") from None
    n_columns = len(header.attributes)
    if header.sparse:
        dense = np.full((len(decoded["data"]), n_columns), None, dtype=object)
        for row, entries in enumerate(decoded["data"]):
            for column, value in entries.items():
                dense[row, column] = value
        for column, attribute in enumerate(header.attributes):  # sparse: absent numeric = 0
            if attribute.kind == "numeric":
                dense[:, column] = [0.0 if v is None else v for v in dense[:, column]]
        rows = dense
    else:
        rows = np.array(decoded["data"], dtype=object).reshape(-1, n_columns)
    columns = {}
    for index, attribute in enumerate(header.attributes):
        raw = pd.Series(rows[:, index], dtype=object)
        if attribute.kind == "numeric":
            columns[attribute.name] = pd.to_numeric(raw, errors="coerce").astype("float64")
        elif attribute.kind == "nominal":
            columns[attribute.name] = pd.Categorical(raw.where(raw.notna(), None), categories=list(attribute.values))
        else:
            columns[attribute.name] = raw.astype("str").where(raw.notna(), None)
    return pd.DataFrame(columns)


# -- writing -------------------------------------------------------------------------------

_SPECIAL = set(" ,'\"%{}\\\t\n\r?")


def quote(value: str) -> str:
    """An ARFF token: as is when plain, else single-quoted with escapes."""
    if value and not (_SPECIAL & set(value)):
        return value
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def write_arff(frame: pd.DataFrame, path: str | Path, relation: str = "data") -> None:
    """Write ``frame`` as a dense ARFF file (categoricals nominal, text as string).

    The data section is written by pyarrow's CSV writer (fast); categories needing
    quotes are quoted once in the category list rather than per value.
    """
    path = Path(path)
    lines = [f"@relation {quote(relation)}", ""]
    data = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            categories = [str(c) for c in column.cat.categories]
            lines.append(f"@attribute {quote(str(name))} {{{','.join(quote(c) for c in categories)}}}")
            data[name] = column.cat.rename_categories([quote(c) for c in categories])
        elif pd.api.types.is_bool_dtype(column.dtype):
            lines.append(f"@attribute {quote(str(name))} {{False,True}}")
            data[name] = column.map({False: "False", True: "True"})
        elif pd.api.types.is_numeric_dtype(column.dtype):
            lines.append(f"@attribute {quote(str(name))} numeric")
            data[name] = column
        else:
            lines.append(f"@attribute {quote(str(name))} string")
            data[name] = column.map(lambda v: v if pd.isna(v) else quote(str(v)))
    lines += ["", "@data", ""]
    table = pa.Table.from_pandas(pd.DataFrame(data), preserve_index=False)
    with open(path, "wb") as handle:
        handle.write("\n".join(lines).encode("utf-8"))
        handle.flush()
        start = handle.tell()
        try:
            pacsv.write_csv(table, handle, write_options=pacsv.WriteOptions(
                include_header=False, null_string="?", quoting_style="none", batch_size=1 << 16))
        except pa.ArrowInvalid:  # a quoted token holds a comma or line break: write it row by row
            handle.seek(start)
            handle.truncate()
            _write_rows(pd.DataFrame(data), handle)


def _write_rows(frame: pd.DataFrame, handle: io.BufferedWriter) -> None:
    text = frame.astype(object).where(frame.notna(), "?").astype(str)
    for row in text.itertuples(index=False, name=None):
        handle.write((",".join(row) + "\n").encode("utf-8"))
