"""Many dot products at once, in plain Python.

A worker has no numpy (it would cost some 21 MB of every worker against an 80 MB ceiling),
and a loop of Python multiplications takes 15 ms for 5,000 rows of 64 numbers. So each
dimension's values for every row sit in one integer, ``width`` bytes apart: one
multiplication by the query's value adds that dimension to every row's sum, and one pass
over the dimensions gives every dot product exactly. The values are non-negative integers;
``bias`` is added to every sum so that none is negative, and must exceed the largest sum's
magnitude, which must stay under 256 ** width / 2, so that fields never borrow or overflow.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence


class Columns:
    def __init__(self, columns: Sequence[Sequence[int]], width: int, bias: int) -> None:
        self.count = len(columns[0]) if columns else 0
        self._width = width
        self._wide = 4 if width <= 4 else 8  # each sum read as an array "I" or "Q" item
        self._columns = [self._packed(column) for column in columns]
        self._bias = bias * self._packed(b"\x01" * self.count)

    def _packed(self, values: Sequence[int]) -> int:
        fields = bytearray(self._width * self.count)
        if isinstance(values, bytes):  # one byte each: the higher bytes stay 0
            fields[:: self._width] = values
        else:
            for byte in range(self._width):
                fields[byte :: self._width] = bytes((v >> (8 * byte)) & 255 for v in values)
        return int.from_bytes(fields, "little")

    def column(self, d: int) -> bytes:
        """Dimension ``d``'s values, when each is one byte."""
        return self._columns[d].to_bytes(self._width * self.count, "little")[:: self._width]

    def sums(self, query: Sequence[int]) -> tuple[array[int], bytearray]:
        """``bias`` plus each row's dot product with ``query``; and the same sums as
        little-endian bytes, ``itemsize`` each (to find where a sum is)."""
        total = self._bias
        for value, column in zip(query, self._columns, strict=True):
            if value:
                total += value * column
        packed = total.to_bytes(self._width * self.count, "little")
        wide = bytearray(self._wide * self.count)
        for byte in range(self._width):
            wide[byte :: self._wide] = packed[byte :: self._width]
        sums = array("I" if self._wide == 4 else "Q")
        sums.frombytes(wide)
        return sums, wide
