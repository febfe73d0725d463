"""Small pictures: PNG sparklines for Slack and SVG sparklines for the HTML report. Pure.

The PNG is written with zlib and struct only (no imaging dependency): one row per topic, a
filled line of its mentions per day, in the colour that the upload's title names.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from html import escape as html_escape

__all__ = ["COLORS", "COLOR_NAMES", "sparkline_png", "sparkline_svg", "png_size"]

# Colour-blind-safe (Okabe-Ito) hues, with the names the alt text uses.
COLORS: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167), (230, 159, 0))
COLOR_NAMES = ("blue", "orange", "green", "pink", "yellow")
_BACKGROUND = (255, 255, 255)
_RULE = (225, 228, 232)


def sparkline_png(series: Sequence[Sequence[int]], *, width: int = 480, row_height: int = 56,
                  pad: int = 8) -> bytes:
    """A PNG with one sparkline per series (stacked, each scaled to its own maximum)."""
    rows = max(1, len(series))
    height = rows * row_height
    px = bytearray(bytes(_BACKGROUND) * (width * height))

    def put(x: int, y: int, rgb: tuple[int, int, int]) -> None:
        if 0 <= x < width and 0 <= y < height:
            i = (y * width + x) * 3
            px[i:i + 3] = bytes(rgb)

    for r, values in enumerate(series):
        top, bottom = r * row_height + pad, (r + 1) * row_height - pad
        color = COLORS[r % len(COLORS)]
        light = tuple(c + (255 - c) * 3 // 4 for c in color)
        for x in range(width):
            put(x, (r + 1) * row_height - 1, _RULE)
        points = _points(values, pad, width - pad, top, bottom)
        # Area under the line, then the line twice as thick, then a dot on the last day.
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for x in range(x0, x1 + 1):
                y = y0 + (y1 - y0) * (x - x0) // max(1, x1 - x0)
                for yy in range(y, bottom + 1):
                    put(x, yy, light)  # type: ignore[arg-type]
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            for x, y in _line(x0, y0, x1, y1):
                for dx in (0, 1):
                    for dy in (0, 1):
                        put(x + dx, y + dy, color)
        if points:
            lx, ly = points[-1]
            for dx in range(-3, 4):
                for dy in range(-3, 4):
                    if dx * dx + dy * dy <= 9:
                        put(lx + dx, ly + dy, color)
    return _png(width, height, bytes(px))


def _points(values: Sequence[int], left: int, right: int, top: int,
            bottom: int) -> list[tuple[int, int]]:
    if not values:
        return []
    peak = max(max(values), 1)
    n = len(values)
    step = (right - left) / max(1, n - 1)
    return [(round(left + i * step), round(bottom - (bottom - top) * v / peak))
            for i, v in enumerate(values)]


def _line(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    """Bresenham's line."""
    out = []
    dx, dy = abs(x1 - x0), -abs(y1 - y0)
    sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
    err = dx + dy
    while True:
        out.append((x0, y0))
        if x0 == x1 and y0 == y1:
            return out
        e2 = 2 * err
        if e2 >= dy:
            err += dy
            x0 += sx
        if e2 <= dx:
            err += dx
            y0 += sy


def _png(width: int, height: int, rgb: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    stride = width * 3
    raw = b"".join(b"\x00" + rgb[y * stride:(y + 1) * stride] for y in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG, read from its IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    w, h = struct.unpack(">II", data[16:24])
    return int(w), int(h)


def sparkline_svg(values: Sequence[int], *, width: int = 240, height: int = 48,
                  color: tuple[int, int, int] = COLORS[0], label: str = "") -> str:
    """An inline SVG sparkline with an accessible label (escaped)."""
    pts = _points(values, 2, width - 2, 4, height - 4)
    hexcolor = "#{:02x}{:02x}{:02x}".format(*color)
    line = " ".join(f"{x},{y}" for x, y in pts)
    area = f"2,{height - 4} {line} {width - 2},{height - 4}" if pts else ""
    last = (f'<circle cx="{pts[-1][0]}" cy="{pts[-1][1]}" r="3" fill="{hexcolor}"/>'
            if pts else "")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{html_escape(label)}">'
            f'<polygon points="{area}" fill="{hexcolor}" fill-opacity="0.18"/>'
            f'<polyline points="{line}" fill="none" stroke="{hexcolor}" stroke-width="2"/>'
            f"{last}</svg>")
