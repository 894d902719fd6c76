// `npm run example -- --product a.jpg [--product b.jpg …] [--face f.jpg] [--background bg.jpg]
//   [--count 4] [--mode REFERENCE|PACKSHOT] [--export tokopedia …] [--option category=BAGS …]
//   [--prompt TEXT] [--out DIR] [--url http://localhost:4000] [--user NAME] [--video A|B]`,
//   or `npm run example -- --catalog folder/`
// A whole batch from the command line, as a client would do it: sign in (ETALASE_TOKEN, or a dev
// token from the server's /dev/token under AUTH=dev), subscribe to the progress by an idempotency key,
// upload, draw the stages, then save the images, their video prompts and print the coins left. It uses
// the studio page's typed documents and client, so it is a second reference integration. With
// --video A|B it then makes a clip of the first image the same way (startVideo, the stream, video(id))
// and saves video-1.mp4 and its poster video-1.jpg. With --export PRESET (repeatable) every image is
// also made to that marketplace's rules; the exports and their compliance are saved and printed, and
// the batch's ZIP is saved as batch.zip.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { download, MODES, parseExports, PRESETS, saveListing } from './example-listing.js';
import { runCatalog } from './example-catalog.js';
import { signIn, UsageError } from './sign-in.js';
import { createClient, GraphQLRequestError } from '../web/client.js';
import {
  StudioGenerateDocument,
  StudioGenerationDocument,
  StudioGenerationEventsDocument,
  StudioMeDocument,
  StudioQuoteDocument,
  StudioStartVideoDocument,
  StudioVideoDocument,
  type GenerationMode,
  type StudioGenerationEventsSubscription,
  type StyleOptionsInput,
} from '../web/generated/graphql.js';
import { TERMINAL } from '../web/statuses.js';

const USAGE = `usage: npm run example -- --product a.jpg [--product b.jpg …] [--face f.jpg] [--background bg.jpg]
       [--count 1-4] [--mode TEXT_TO_IMAGE|REFERENCE|PACKSHOT] [--export PRESET …] [--option key=value …]
       [--prompt TEXT] [--out DIR] [--url http://localhost:4000] [--user NAME] [--video A|B]
--mode PACKSHOT cuts each product photo out onto white (no image model); --export tokopedia (repeatable:
${PRESETS.map((p) => p.toLowerCase()).join(', ')}) also makes every image to that marketplace's rules.
--video A|B then makes a clip of the first image (A: gentle motion, B: slow zoom) and saves it too.
Signs in with ETALASE_TOKEN, or else asks the server for a dev token for --user (AUTH=dev only).
Options are StyleOptionsInput fields, e.g. --option category=BAGS --option background=Minimalis.`;


const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp' };
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' };
const STAGES = ['QUEUED', 'DESCRIBING', 'GENERATING', 'REVIEWING', 'REMAKING', 'IMAGE_STORED', 'FINISHED'];
const LABELS: Record<string, string> = {
  DESCRIBING: 'describing the photos',
  QUEUED: 'waiting in the queue',
  GENERATING: 'making the images',
  REVIEWING: 'checking against your photos',
  REMAKING: 'making the failed ones again, free',
  IMAGE_STORED: 'saving',
  FINISHED: 'finished',
};
const CLIP_LABELS: Record<string, string> = { ...LABELS, GENERATING: 'making the clip' };
const STREAM_GRACE_MS = 5_000;
const OPTION_KEYS = new Set(['contentType', 'category', 'modelType', 'interaction', 'pose', 'customPose', 'background',
  'backgroundColor', 'customBackground', 'style', 'lighting', 'cameraAngle', 'aspectRatio']);

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      product: { type: 'string', multiple: true, default: [] },
      face: { type: 'string' },
      background: { type: 'string' },
      count: { type: 'string', default: '2' },
      mode: { type: 'string', default: 'TEXT_TO_IMAGE' },
      option: { type: 'string', multiple: true, default: [] },
      export: { type: 'string', multiple: true, default: [] },
      prompt: { type: 'string' },
      out: { type: 'string' },
      url: { type: 'string', default: 'http://localhost:4000' },
      user: { type: 'string', default: 'demo' },
      video: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return null;
  const count = Number(values.count);
  if (!Number.isInteger(count)) throw new UsageError(`--count must be a whole number, not "${values.count}"`);
  const mode = values.mode.toUpperCase();
  if (!MODES.includes(mode)) throw new UsageError(`--mode is ${MODES.join(', ')}; not "${values.mode}"`);
  const exports = parseExports(values.export, (message) => new UsageError(message));
  const options: Record<string, string> = {};
  for (const pair of values.option) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    if (at < 1 || !OPTION_KEYS.has(key)) throw new UsageError(`--option takes key=value with key one of ${[...OPTION_KEYS].join(', ')}; got "${pair}"`);
    options[key] = pair.slice(at + 1).trim();
  }
  const video = values.video?.toUpperCase();
  if (video !== undefined && video !== 'A' && video !== 'B') throw new UsageError(`--video is A or B, not "${values.video}"`);
  let url: URL;
  try {
    url = new URL(values.url);
  } catch {
    throw new UsageError(`--url is not a URL: "${values.url}"`);
  }
  return { ...values, count, mode: mode as GenerationMode, exports, options: options as StyleOptionsInput, url, video: video as 'A' | 'B' | undefined };
}

async function photo(file: string): Promise<File> {
  const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code ?? error.message}`);
  });
  return new File([bytes], path.basename(file), { type: TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream' });
}

type StageEvent = StudioGenerationEventsSubscription['generationEvents'];

/** One line per change; on a terminal the line is redrawn in place. */
function progressBar(stream: NodeJS.WriteStream, labels = LABELS) {
  let last = '';
  return (event: StageEvent) => {
    const index = Math.max(0, STAGES.indexOf(event.stage));
    const counted = event.total != null;
    const within = counted && event.total ? (event.done ?? 0) / event.total : 1;
    const fraction = event.stage === 'FINISHED' ? 1 : (index + within) / STAGES.length;
    const width = 24;
    const filled = Math.round(fraction * width);
    let detail = '';
    if (counted && event.total) detail = ` ${event.done ?? 0}/${event.total}`;
    if (event.stage === 'QUEUED' && event.queuePosition != null) detail = ` (position ${event.queuePosition})`;
    if (event.stage === 'FINISHED' && event.status) detail = `: ${event.status}`;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ${labels[event.stage] ?? event.stage}${detail}`;
    if (line === last) return;
    last = line;
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}${event.stage === 'FINISHED' ? '\n' : ''}`);
    else stream.write(`${line}\n`);
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (!args) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [products, face, background] = await Promise.all([
    Promise.all(args.product.map(photo)),
    args.face ? photo(args.face) : null,
    args.background ? photo(args.background) : null,
  ]);
  const token = await signIn(args.url, args.user);
  const client = createClient({ endpoint: new URL('/graphql', args.url).href, token: () => token });

  // Asked first so a refused token or an unaffordable batch says so before any upload.
  const { me } = await client.request(StudioMeDocument, { first: 1 });
  const { quote } = await client.request(StudioQuoteDocument, { input: { mode: args.mode, count: args.count } });
  process.stderr.write(`signed in as ${me.id}; ${args.count} image(s), ${args.mode}: ${quote.coins} coin(s) of ${me.coinsBalance}\n`);

  const key = randomUUID();
  const draw = progressBar(process.stderr);
  // Subscribed before the upload starts, so the stream sees the batch from its first event.
  const events = client.subscribe(StudioGenerationEventsDocument, { idempotencyKey: key }, (data) => draw(data.generationEvents));
  try {
    await events.opened;
    const { result } = await client.request(StudioGenerateDocument, {
      input: {
        productImages: products,
        faceImage: face,
        backgroundImage: background,
        options: args.options,
        prompt: args.prompt ?? null,
        count: args.count,
        mode: args.mode,
        ...(args.exports.length ? { exports: args.exports } : {}),
        idempotencyKey: key,
      },
    });
    // Told apart by shape, not by the success type's name, which a start-only mutation would change.
    if ('message' in result) {
      const detail =
        result.__typename === 'InvalidInputError' ? ` (${result.field})`
        : result.__typename === 'InvalidImageError' ? ` (${result.slot}: ${result.reason})`
        : result.__typename === 'InsufficientCoinsError' ? ` (needs ${result.required}, balance ${result.balance})`
        : result.__typename === 'GenerationFailedError' ? (result.refunded ? ' (coins refunded)' : ' (refund pending)')
        : '';
      process.stderr.write(`${result.__typename}: ${result.message}${detail}\n`);
      return 1;
    }
    // generateImages answers once the batch is done; a start-only mutation would answer RUNNING.
    const grace = new Promise((resolve) => setTimeout(resolve, STREAM_GRACE_MS).unref());
    await (TERMINAL.has(result.generation.status) ? Promise.race([events.finished, grace]) : events.finished);
    const { generation } = await client.request(StudioGenerationDocument, { id: result.generation.id });
    if (!generation || generation.status !== 'SUCCEEDED') {
      process.stderr.write(`generation ${result.generation.id} ${generation?.status ?? 'not found'}: ${generation?.error ?? ''}\n`);
      return 1;
    }

    const out = path.resolve(args.out ?? path.join('etalase-out', generation.id));
    await mkdir(out, { recursive: true });
    const saved = await Promise.all(
      generation.images.map(async (image, i) => {
        const response = await fetch(image.url);
        if (!response.ok) throw new Error(`downloading ${image.url}: HTTP ${response.status}`);
        const file = `image-${i + 1}.${EXTENSIONS[image.contentType] ?? 'jpg'}`;
        await writeFile(path.join(out, file), new Uint8Array(await response.arrayBuffer()));
        const prompts = Object.fromEntries(image.videoPrompts.map((p) => [p.version, p.text]));
        return { file, url: image.url, width: image.width, height: image.height, review: image.review, videoPrompts: prompts };
      }),
    );
    await writeFile(path.join(out, 'prompts.json'), `${JSON.stringify({ generationId: generation.id, images: saved }, null, 2)}\n`);
    await writeFile(
      path.join(out, 'prompts.txt'),
      saved.map((s) => `${s.file}\n${Object.entries(s.videoPrompts).map(([v, text]) => `  ${v}: ${text}`).join('\n')}\n`).join('\n'),
    );
    for (const s of saved) {
      const score = s.review.score === null ? '' : ` ${s.review.score}/100`;
      process.stdout.write(`${s.file}: ${s.review.verdict}${score}${s.review.issues.map((i) => `\n  ${i.kind}: ${i.detail}`).join('')}\n`);
    }
    for (const warning of generation.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (args.exports.length) await saveListing(generation, out);
    if (args.video) {
      const clip = await makeClip(client, generation.images[0]!.id, args.video, out);
      if (!clip) return 1;
      process.stdout.write(`Saved a ${clip.durationSeconds}-second clip (${args.video}) to ${path.join(out, 'video-1.mp4')}\n`);
    }
    const after = await client.request(StudioMeDocument, { first: 1 });
    process.stdout.write(`Saved ${saved.length} images and their video prompts to ${out}\n`);
    process.stdout.write(`Remaining coins: ${after.me.coinsBalance}\n`);
    return 0;
  } finally {
    events.close();
  }
}

/** A clip of one image, followed on its stream like the batch; saved as video-1.mp4 and video-1.jpg. */
async function makeClip(client: ReturnType<typeof createClient>, imageId: string, version: 'A' | 'B', out: string) {
  const key = randomUUID();
  const draw = progressBar(process.stderr, CLIP_LABELS);
  const events = client.subscribe(StudioGenerationEventsDocument, { idempotencyKey: key }, (data) => draw(data.generationEvents));
  try {
    await events.opened;
    const { result } = await client.request(StudioStartVideoDocument, { input: { imageId, version, idempotencyKey: key } });
    if ('message' in result) {
      const detail = result.__typename === 'InsufficientCoinsError' ? ` (needs ${result.required}, balance ${result.balance})` : '';
      process.stderr.write(`${result.__typename}: ${result.message}${detail}\n`);
      return null;
    }
    await events.finished;
    const { video } = await client.request(StudioVideoDocument, { id: result.video.id });
    if (!video || video.status !== 'SUCCEEDED' || !video.url || !video.posterUrl) {
      process.stderr.write(`video ${result.video.id} ${video?.status ?? 'not found'}: ${video?.error ?? ''}\n`);
      return null;
    }
    await Promise.all([download(video.url, path.join(out, 'video-1.mp4')), download(video.posterUrl, path.join(out, 'video-1.jpg'))]);
    for (const warning of video.warnings) process.stderr.write(`warning: ${warning}\n`);
    return video;
  } finally {
    events.close();
  }
}

// `--catalog folder/`: a whole catalogue instead (cli/example-catalog.ts).
const argv = process.argv.slice(2);
(argv.includes('--catalog') ? runCatalog(argv) : main(argv)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError || String((error as { code?: string }).code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
      process.exit(2);
    }
    const code = error instanceof GraphQLRequestError && error.code ? ` (${error.code})` : '';
    process.stderr.write(`${(error as Error).message}${code}\n`);
    process.exit(1);
  },
);
