// `npm run example -- --catalog folder/ [--count 1-4] [--mode …] [--export PRESET …] [--option key=value …] [--out DIR]
//   [--url …] [--user NAME]`: a whole catalogue from a folder, as a seller exporting from a
// marketplace would send it. The folder is zipped as it is when it has a catalog.csv (sku, folder,
// option columns); otherwise each subfolder is one product, its name the SKU. One startCatalog with
// the ZIP, then a progress bar per item and one for the whole (the catalogue's events, and its items
// read as they finish), then the download-all ZIP saved to --out.
import { readdir, readFile, stat, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import yazl from 'yazl';
import { createClient } from '../web/client.js';
import {
  StudioCatalogueDocument,
  StudioGenerationEventsDocument,
  StudioMeDocument,
  StudioStartCatalogDocument,
  type GenerationMode,
  type StudioCatalogueFragment,
  type StyleOptionsInput,
} from '../web/generated/graphql.js';
import { MODES, parseExports } from './example-listing.js';
import { signIn, UsageError } from './sign-in.js';

const IMAGE = /\.(jpe?g|png|webp)$/i;
const BAR = 20;

/** The folder as a catalogue ZIP: as it is with its catalog.csv, or a manifest made from its subfolders. */
async function zipFolder(root: string): Promise<{ zip: Uint8Array; items: number }> {
  const info = await stat(root).catch(() => null);
  if (!info?.isDirectory()) throw new UsageError(`--catalog needs a folder: ${root}`);
  const zip = new yazl.ZipFile();
  const folders = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  let manifest = await readFile(path.join(root, 'catalog.csv'), 'utf8').catch(() => null);
  if (manifest === null) {
    if (folders.length === 0) throw new UsageError(`${root} has neither a catalog.csv nor product folders`);
    manifest = `sku,folder\n${folders.map((f) => `${f.replace(/[^A-Za-z0-9._ -]/g, '-')},${f}`).join('\n')}\n`;
  }
  zip.addBuffer(Buffer.from(manifest), 'catalog.csv');
  for (const folder of folders) {
    for (const file of (await readdir(path.join(root, folder))).filter((f) => IMAGE.test(f)).sort()) {
      zip.addBuffer(await readFile(path.join(root, folder, file)), `${folder}/${file}`, { compress: false });
    }
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return { zip: new Uint8Array(Buffer.concat(chunks)), items: manifest.trim().split('\n').length - 1 };
}

const bar = (fraction: number) => `[${'#'.repeat(Math.round(fraction * BAR))}${'-'.repeat(BAR - Math.round(fraction * BAR))}]`;
const ITEM_FRACTION: Record<string, number> = { QUEUED: 0, RUNNING: 0.5, SUCCEEDED: 1, FAILED: 1, CANCELED: 1 };

/** Every item's bar and the whole's, redrawn in place on a terminal; one line per change otherwise. */
function drawer(stream: NodeJS.WriteStream) {
  let lines = 0;
  let last = '';
  return (c: StudioCatalogueFragment) => {
    const finished = c.progress.done + c.progress.failed;
    const rows = c.items.map((i) => `${bar(ITEM_FRACTION[i.generation.status] ?? 0)} ${i.sku} ${i.generation.status}${i.generation.error ? `: ${i.generation.error}` : ''}`);
    rows.push(`${bar(finished / c.progress.total)} all ${finished}/${c.progress.total} (${c.progress.failed} failed) ${c.status}`);
    const text = rows.join('\n');
    if (text === last) return;
    last = text;
    if (stream.isTTY) stream.write(`${lines ? `\x1b[${lines}F\x1b[J` : ''}${text}\n`);
    else stream.write(`${rows.at(-1)}\n`);
    lines = rows.length;
  };
}

export async function runCatalog(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      catalog: { type: 'string' },
      count: { type: 'string', default: '1' },
      mode: { type: 'string' },
      option: { type: 'string', multiple: true, default: [] },
      export: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      url: { type: 'string', default: 'http://localhost:4000' },
      user: { type: 'string', default: 'demo' },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count)) throw new UsageError(`--count must be a whole number, not "${values.count}"`);
  const mode = values.mode?.toUpperCase();
  if (mode !== undefined && !MODES.includes(mode)) throw new UsageError(`--mode is ${MODES.join(', ')}; not "${values.mode}"`);
  const exports = parseExports(values.export, (message) => new UsageError(message));
  const options = Object.fromEntries(values.option.map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1).trim()])) as StyleOptionsInput;
  const base = new URL(values.url);
  const { zip, items } = await zipFolder(values.catalog!);
  const token = await signIn(base, values.user);
  const client = createClient({ endpoint: new URL('/graphql', base).href, token: () => token });
  const { me } = await client.request(StudioMeDocument, { first: 1 });
  process.stderr.write(`signed in as ${me.id}; ${items} item(s), ${zip.byteLength} bytes zipped; balance ${me.coinsBalance}\n`);

  const { result } = await client.request(StudioStartCatalogDocument, {
    input: { zip: new File([zip as Uint8Array<ArrayBuffer>], 'catalog.zip', { type: 'application/zip' }), defaults: { count, mode: (mode as GenerationMode) ?? null, options, exports } },
  });
  if (result.__typename !== 'StartCatalogSuccess') {
    const detail = result.__typename === 'CatalogItemError' ? ` (row ${result.row}${result.sku ? `, SKU ${result.sku}` : ''})` : result.__typename === 'InsufficientCoinsError' ? ` (needs ${result.required}, balance ${result.balance})` : '';
    process.stderr.write(`${result.__typename}: ${'message' in result ? result.message : ''}${detail}\n`);
    return 1;
  }
  process.stderr.write(`catalogue ${result.catalog.id}: ${result.catalog.cost} coin(s) for all, ${result.remainingCoins} left\n`);
  const draw = drawer(process.stderr);
  draw(result.catalog);
  // Each item that finishes is an event on the catalogue's id; the items are read again then.
  let catalog = result.catalog;
  const refresh = async () => {
    const { catalog: now } = await client.request(StudioCatalogueDocument, { id: catalog.id });
    if (now) draw((catalog = now));
  };
  const events = client.subscribe(StudioGenerationEventsDocument, { id: catalog.id }, () => void refresh().catch(() => {}));
  const poll = setInterval(() => void refresh().catch(() => {}), 2000);
  try {
    while (!catalog.finishedAt) await Promise.race([events.finished.catch(() => {}), new Promise((r) => setTimeout(r, 500))]).then(refresh);
  } finally {
    clearInterval(poll);
    events.close();
  }
  if (catalog.zipUrl) {
    const out = path.resolve(values.out ?? 'etalase-out');
    await mkdir(out, { recursive: true });
    const response = await fetch(catalog.zipUrl);
    if (!response.ok) throw new Error(`downloading the catalogue: HTTP ${response.status}`);
    const file = path.join(out, `catalog-${catalog.id}.zip`);
    await writeFile(file, new Uint8Array(await response.arrayBuffer()));
    process.stdout.write(`Saved every SKU's images and prompts to ${file}\n`);
  }
  const after = await client.request(StudioMeDocument, { first: 1 });
  process.stdout.write(`${catalog.status}: ${catalog.progress.done} done, ${catalog.progress.failed} failed (refunded ${catalog.refunded}); remaining coins: ${after.me.coinsBalance}\n`);
  return catalog.progress.done > 0 ? 0 : 1;
}
