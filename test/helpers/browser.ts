// Debian's Chromium for the in-browser tests: required under CI, skipped elsewhere without it. The
// flags keep it from reaching anything but the page's own server (this machine has no network).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** true when the browser tests can run; warns (or, under CI, throws) otherwise */
export function chromiumAvailable(suite: string): boolean {
  const available = existsSync(CHROMIUM);
  if (!available && process.env.CI === 'true') throw new Error(`${CHROMIUM} is required under CI (apt-get install chromium)`);
  if (!available) console.warn(`[${suite}] skipping: ${CHROMIUM} not installed`);
  return available;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}
