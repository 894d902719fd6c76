// GraphiQL in a real browser (playwright-core gives each launch a fresh profile) with no network beyond this server: the page renders from bundled
// assets and runs a query. Needs Debian's chromium (CI installs it); skipped elsewhere without it.
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './helpers/browser.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';

const available = chromiumAvailable('graphiql');

describe.skipIf(!available)('GraphiQL', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startServer({});
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('renders offline and runs a query against the API', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    // Anything not served by our server would be a CDN asset: refuse it and remember it.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-execute-button').first().click();
    await expect.poll(() => page.locator('.result-window').first().innerText(), { timeout: 20_000 }).toContain('labelId');
    expect(outside).toEqual([]);
  });
});
