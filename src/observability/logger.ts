// The Logger port on pino: JSON lines on stderr (one object per event, for shipping), or pino-pretty
// in a terminal. Every line carries the request, user and generation ids of the scope it was logged
// in, and passes the scrubber first: no credential, configured secret or raw byte is ever written.
import { createRequire } from 'node:module';
import { pino, type DestinationStream } from 'pino';
import type { Config } from '../config.js';
import type { Logger } from '../studio/ports.js';
import { createScrubber, type Scrubber } from './redact.js';
import { currentScope } from './scope.js';

export interface LoggerOptions {
  level: Config['logLevel'];
  format?: Config['logFormat'];
  scrubber?: Scrubber;
  /** where lines go; default stderr (tests pass a collector) */
  destination?: DestinationStream;
}

// pino-pretty is a development dependency: a production install without it logs JSON.
function prettyStream(): DestinationStream | null {
  try {
    const pretty = createRequire(import.meta.url)('pino-pretty') as (options: object) => DestinationStream;
    return pretty({ destination: 2, sync: true, colorize: true, messageKey: 'message', translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

export function createLogger(options: LoggerOptions): Logger {
  const scrubber = options.scrubber ?? createScrubber();
  const wantsPretty = options.format === 'pretty' || (options.format !== 'json' && !options.destination && process.stderr.isTTY);
  const pretty = wantsPretty ? prettyStream() : null;
  const base = pino(
    {
      level: options.level,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      // pino-pretty reads numeric levels; JSON consumers read names.
      formatters: pretty ? {} : { level: (label) => ({ level: label }) },
      mixin: () => {
        const scope = currentScope();
        return scope ? { requestId: scope.requestId, jobId: scope.jobId, userId: scope.userId, generationId: scope.generationId } : {};
      },
    },
    pretty ?? options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
  const at =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (!base.isLevelEnabled(level)) return;
      base[level](scrubber.value(fields) as object, scrubber.text(message));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
