// `npm run fakes [geminiPort] [falPort]`: the Gemini and fal fakes on fixed local ports, so the server
// can run its real adapters offline. Stays up until Ctrl-C.
import { startFalFake } from './fal.js';
import { startGeminiFake } from './gemini.js';

const port = (value: string | undefined, fallback: number) => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`not a port: ${value}`);
  return n;
};

const geminiPort = port(process.argv[2] ?? process.env.FAKE_GEMINI_PORT, 8787);
const falPort = port(process.argv[3] ?? process.env.FAKE_FAL_PORT, 8788);
// A little latency and a queue position make the progress events visible in a client.
const gemini = await startGeminiFake({ port: geminiPort, latencyMs: 150 });
const fal = await startFalFake({ port: falPort, latencyMs: 1500 });
fal.script({ queuePositions: [2, 1, 0] });
// The logs are for tests; a long dev session only needs the recent ones (Gemini bodies carry images).
setInterval(() => {
  for (const log of [gemini.requests, fal.requests]) if (log.length > 100) log.splice(0, log.length - 100);
}, 60_000).unref();

console.log(`Gemini fake: ${gemini.url}
fal fake:    ${fal.url}

Run the server against them:

  GEMINI_API_KEY=fake GEMINI_BASE_URL=${gemini.url} FAL_KEY=fake FAL_BASE_URL=${fal.url} npm start
`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await Promise.all([gemini.close(), fal.close()]);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
