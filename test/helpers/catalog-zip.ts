// Catalogue ZIPs as sellers (and attackers) make them, with yazl: a catalog.csv and a folder per row,
// or any entries at all; `rename` rewrites a stored name in place afterwards (yazl refuses `..`).
import yazl from 'yazl';

export interface ZipEntry {
  name: string;
  bytes: Uint8Array;
  /** deflate (default: yes) */
  compress?: boolean;
}

export async function zipOf(entries: ZipEntry[], options: { rename?: [string, string] } = {}): Promise<Uint8Array> {
  const zip = new yazl.ZipFile();
  for (const e of entries) zip.addBuffer(Buffer.from(e.bytes), e.name, { compress: e.compress ?? true, mtime: new Date(0) });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  let bytes = Buffer.concat(chunks);
  if (options.rename) {
    const [from, to] = options.rename.map((s) => Buffer.from(s));
    if (from!.length !== to!.length) throw new Error('rename keeps the length');
    for (let i = bytes.indexOf(from!); i >= 0; i = bytes.indexOf(from!, i + 1)) to!.copy(bytes, i);
  }
  return new Uint8Array(bytes);
}

/** A catalogue: `manifest` as catalog.csv, and each row's files under its folder. */
export function catalogZip(rows: Array<{ folder: string; files: Record<string, Uint8Array> }>, manifest: string): Promise<Uint8Array> {
  const entries: ZipEntry[] = [{ name: 'catalog.csv', bytes: new TextEncoder().encode(manifest) }];
  for (const row of rows) for (const [name, bytes] of Object.entries(row.files)) entries.push({ name: `${row.folder}/${name}`, bytes, compress: false });
  return zipOf(entries);
}
