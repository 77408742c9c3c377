"""The otpauth:// URI as a QR code PNG in a data: URL, as Nhost's `imageUrl`."""

from __future__ import annotations

import segno


def qr_data_url(text: str) -> str:
    return segno.make(text, error="m", micro=False).png_data_uri(scale=5, border=2)
