// How the example CLI signs in: ETALASE_TOKEN, or a dev token from the server's /dev/token (AUTH=dev).
import { loadExampleEnv } from '../config.js';
import { askDevToken } from '../web/client.js';

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

export async function signIn(base: URL, user: string): Promise<string> {
  // A client's setting, not the server's; read in config.ts like every variable.
  const { token } = loadExampleEnv();
  if (token) return token;
  const answer = await askDevToken(new URL('/dev/token', base), user).catch((error: Error) => {
    throw new Error(`cannot reach ${base.origin} (${(error.cause as Error | undefined)?.message ?? error.message}): is the server running (npm start)?`);
  });
  if (answer.status === 404) throw new UsageError('this server does not hand out dev tokens (it does not run AUTH=dev): set ETALASE_TOKEN');
  if (!answer.token) throw new Error(`dev sign-in failed: ${answer.error ?? `HTTP ${answer.status}`}`);
  return answer.token;
}
