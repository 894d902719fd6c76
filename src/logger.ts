// JSON lines on stderr: one object per event, easy to grep locally and to ship in production.
import type { Config } from './config.js';
import type { Logger } from './studio/ports.js';

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export function createLogger(level: Config['logLevel'], write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = level === 'silent' ? LEVELS.length : LEVELS.indexOf(level);
  const at =
    (index: number) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (index >= min) write(`${JSON.stringify({ time: new Date().toISOString(), level: LEVELS[index], message, ...fields })}\n`);
    };
  return { debug: at(0), info: at(1), warn: at(2), error: at(3) };
}
