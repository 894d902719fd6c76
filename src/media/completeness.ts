// Whether an upload's container is whole, read from its structure alone (no pixel is decoded), so an
// interrupted upload is refused before any sibling upload is decoded. A decoder still has the last
// word: a file can be whole on the outside and short inside (a scan cut and an end marker glued on).

export interface JpegWalk {
  /** the markers lead from SOI through at least one scan to an EOI: a cut file never reaches it */
  whole: boolean;
  /** bytes found between segments, where only a marker may stand (a common camera quirk) */
  strayBytes: number;
  /** the file without those stray bytes: the same pixels, and nothing for a decoder to warn about */
  withoutStrayBytes(): Uint8Array;
}

/** Walks a JPEG's markers (segments by their length, scans to the marker after their entropy-coded data). */
export function walkJpeg(b: Uint8Array): JpegWalk {
  const n = b.byteLength;
  const kept: Array<[number, number]> = [[0, 2]]; // SOI
  let strayBytes = 0;
  const result = (whole: boolean): JpegWalk => ({
    whole,
    strayBytes,
    withoutStrayBytes: () => {
      const out = new Uint8Array(kept.reduce((sum, [from, to]) => sum + to - from, 0));
      let at = 0;
      for (const [from, to] of kept) {
        out.set(b.subarray(from, to), at);
        at += to - from;
      }
      return out;
    },
  });
  let i = 2;
  let scans = 0;
  while (i < n) {
    const from = i;
    while (i < n && b[i] !== 0xff) i++;
    strayBytes += i - from;
    while (i < n && b[i] === 0xff) i++; // fill
    if (i >= n) return result(false);
    const marker = b[i++]!;
    const start = i - 2; // the last FF and the marker
    if (marker === 0xd9) {
      kept.push([start, i]);
      return result(scans > 0);
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      kept.push([start, i]); // no length
      continue;
    }
    if (i + 2 > n) return result(false);
    const length = (b[i]! << 8) | b[i + 1]!;
    if (length < 2 || i + length > n) return result(false);
    i += length;
    if (marker === 0xda) {
      scans++;
      // Entropy-coded data runs to the first FF that is neither a stuffed 00 nor a restart marker.
      for (;;) {
        const ff = b.indexOf(0xff, i);
        if (ff < 0 || ff + 1 >= n) return result(false);
        const next = b[ff + 1]!;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i = ff + 2;
        else if (next === 0xff) i = ff + 1;
        else {
          i = ff;
          break;
        }
      }
    }
    kept.push([start, i]);
  }
  return result(false);
}

/** PNG: every chunk's declared length fits in the file (a cut file ends inside a chunk). */
export function pngIsWhole(b: Uint8Array): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 8; // after the signature
  while (i < b.byteLength) {
    if (i + 12 > b.byteLength) return false;
    const length = view.getUint32(i);
    const end = i + 12 + length;
    if (end > b.byteLength) return false;
    if (view.getUint32(i + 4) === 0x49454e44 /* IEND */) return true;
    i = end;
  }
  // Cut exactly between chunks: the decoder tells whether the image data was complete.
  return true;
}

/** WebP: the RIFF size covers no more than the file holds. */
export function webpIsWhole(b: Uint8Array): boolean {
  if (b.byteLength < 12) return false;
  const riffSize = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true);
  return 8 + riffSize <= b.byteLength;
}
