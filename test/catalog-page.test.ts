// The studio page's catalogue card in a real browser (chromium through playwright-core) against the
// real server on the offline providers: two rows (a SKU with a photo each), the quote, one start, a
// grid of both items finishing, the balance charged once, and a download-all link that serves a ZIP.
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './helpers/browser.js';
import { startServer, type RunningServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
const available = chromiumAvailable('catalog-page');

describe.skipIf(!available)('the catalogue card', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startServer({});
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('two products in rows: quoted, started once, every item finished, download all', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#dev-form input[name="name"]').fill('katalog');
    await page.locator('#dev-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    await page.locator('#catalogue-card').waitFor();

    const photo = (name: string) => path.join(root, 'examples', name);
    await page.locator('#catalogue-add').click();
    const rows = page.locator('.catalogue-row');
    await expect.poll(() => rows.count()).toBe(2);
    await rows.nth(0).locator('input:not([type])').fill('TAS-1');
    await rows.nth(0).locator('input[type="file"]').setInputFiles(photo('product-1.jpg'));
    await rows.nth(1).locator('input:not([type])').fill('TAS-2');
    await rows.nth(1).locator('input[type="file"]').setInputFiles(photo('product-2.jpg'));
    await page.locator('select[name="count"]').selectOption('1');
    // Two items with photos run as REFERENCE: 2 coins each.
    await expect.poll(() => page.locator('#catalogue-quote').innerText()).toContain('4 koin');

    await page.locator('#catalogue-start').click();
    await expect.poll(() => page.locator('#catalogue-summary').getAttribute('data-status'), { timeout: 60_000 }).toBe('SUCCEEDED');
    expect(await page.locator('.catalogue-grid li[data-status="SUCCEEDED"]').count()).toBe(2);
    await expect.poll(() => page.locator('#balance').innerText()).toBe('6');
    const href = await page.locator('#catalogue-download').getAttribute('href');
    const response = await fetch(href!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(await page.locator('#catalogue-error').innerText()).toBe('');
    expect(problems).toEqual([]);
  }, 120_000);
});
