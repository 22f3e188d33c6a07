"""The formula cells of an .xls sheet, from its BIFF FORMULA records, as `formulas.formula_cells` gives
them for an .xlsx: (row, column) → the formula's text when the record holds no result, None when it
holds one.

A FORMULA record always carries an 8-byte result; a program that computes nothing (xlwt, some
exporters) writes the "empty" result there, which calamine reads as a blank cell. Such a formula's
token array (RPN) is turned back into text for the evaluator in `xltool.read.formulas`; only the
tokens the official templates' formulas use (cell and range references, numbers, arithmetic and
comparisons, SUM / MIN / MAX / AVERAGE / ABS / ROUND / IF) are decoded, any other leaves the cell not
stated.
"""

from __future__ import annotations

import struct

from xltool.read.cells import a1

FORMULA_RECORD = 0x0006
_EMPTY_RESULT = 3  # result type byte of an empty string; the last two result bytes are then 0xFFFF
_BINARY = {0x03: "+", 0x04: "-", 0x05: "*", 0x06: "/", 0x07: "^", 0x08: "&"}
_BINARY |= {0x09: "<", 0x0A: "<=", 0x0B: "=", 0x0C: ">=", 0x0D: ">", 0x0E: "<>"}
# Built-in function number → (name, fixed argument count, or None when the token states it).
_FUNCTIONS = {1: "IF", 4: "SUM", 5: "AVERAGE", 6: "MIN", 7: "MAX", 24: "ABS", 27: "ROUND"}
_FIXED_ARGS = {24: 1, 27: 2}


class _Undecodable(Exception):
    """A token this decoder does not read."""


def formula_record(body: bytes) -> tuple[tuple[int, int], str | None] | None:
    """((row, column), text or None) of a FORMULA record's body; None for a malformed record."""
    if len(body) < 22:
        return None
    row, col = struct.unpack_from("<HH", body)
    result = body[6:14]
    if not (result[0] == _EMPTY_RESULT and result[6:8] == b"\xff\xff"):
        return (row, col), None  # a cached result: calamine reads it
    size = struct.unpack_from("<H", body, 20)[0]
    try:
        return (row, col), _decode(body[22 : 22 + size])
    except (_Undecodable, IndexError, struct.error):
        return (row, col), None  # not evaluable here: the cell stays not stated


def _decode(rgce: bytes) -> str:
    """A token array as formula text (without ``=``)."""
    stack: list[str] = []
    pos = 0
    while pos < len(rgce):
        ptg = rgce[pos]
        pos += 1
        base = ptg & 0x1F if ptg >= 0x20 else ptg
        if ptg < 0x20 and ptg in _BINARY:
            right, left = stack.pop(), stack.pop()
            stack.append(f"{left}{_BINARY[ptg]}{right}")
        elif ptg == 0x12:
            pass  # unary plus
        elif ptg == 0x13:
            stack.append(f"-{stack.pop()}")
        elif ptg == 0x14:
            stack.append(f"{stack.pop()}%")
        elif ptg == 0x15:
            stack.append(f"({stack.pop()})")
        elif ptg == 0x17:
            count, flags = rgce[pos], rgce[pos + 1]
            width = 2 if flags & 1 else 1
            raw = rgce[pos + 2 : pos + 2 + count * width]
            text = raw.decode("utf-16-le" if width == 2 else "latin-1")
            stack.append('"' + text.replace('"', '""') + '"')
            pos += 2 + count * width
        elif ptg == 0x19:
            flags = rgce[pos]
            if flags & 0x04:  # tAttrChoose: a jump table follows
                raise _Undecodable("CHOOSE")
            if flags & 0x10:  # tAttrSum: SUM of the one argument on the stack
                stack.append(f"SUM({stack.pop()})")
            pos += 3
        elif ptg == 0x1D:
            stack.append("1" if rgce[pos] else "0")
            pos += 1
        elif ptg == 0x1E:
            stack.append(str(struct.unpack_from("<H", rgce, pos)[0]))
            pos += 2
        elif ptg == 0x1F:
            stack.append(repr(struct.unpack_from("<d", rgce, pos)[0]))
            pos += 8
        elif ptg >= 0x20 and base == 0x04:  # tRef
            row, col = struct.unpack_from("<HH", rgce, pos)
            stack.append(a1(row, col & 0x3FFF))
            pos += 4
        elif ptg >= 0x20 and base == 0x05:  # tArea
            r1, r2, c1, c2 = struct.unpack_from("<HHHH", rgce, pos)
            stack.append(f"{a1(r1, c1 & 0x3FFF)}:{a1(r2, c2 & 0x3FFF)}")
            pos += 8
        elif ptg >= 0x20 and base in (0x01, 0x02):  # tFunc, tFuncVar
            if base == 0x02:
                argc, number = rgce[pos] & 0x7F, struct.unpack_from("<H", rgce, pos + 1)[0] & 0x7FFF
                pos += 3
            else:
                number = struct.unpack_from("<H", rgce, pos)[0]
                argc = _FIXED_ARGS.get(number, -1)
                pos += 2
            name = _FUNCTIONS.get(number)
            if name is None or argc < 0 or argc > len(stack):
                raise _Undecodable(f"function {number}")
            args = stack[len(stack) - argc :] if argc else []
            del stack[len(stack) - argc :]
            stack.append(f"{name}({','.join(args)})")
        else:
            raise _Undecodable(f"token {ptg:#x}")
    if len(stack) != 1:
        raise _Undecodable("stack")
    return stack[0]
