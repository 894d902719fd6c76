// `npm run dev-token -- --user NAME [--ttl SECONDS]`: prints a development access token.
// A name maps to the same user id every time; the secret lives in DATA_DIR.
import { parseArgs } from 'node:util';
import { loadDevSecret, signDevToken, userIdFor } from '../adapters/auth/dev.js';
import { loadConfig } from '../config.js';

const { values } = parseArgs({ options: { user: { type: 'string', default: 'demo' }, ttl: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } } });
const config = loadConfig();
if (config.auth.kind !== 'dev') {
  process.stderr.write('dev-token works with AUTH=dev only; with Supabase auth, sign in through Supabase.\n');
  process.exit(1);
}
const token = await signDevToken(await loadDevSecret(config.dataDir), values.user!, values.ttl ? Number(values.ttl) : undefined);
if (values.verbose) process.stderr.write(`user ${values.user} → ${userIdFor(values.user!)}\n`);
process.stdout.write(`${token}\n`);
