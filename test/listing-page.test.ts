// The studio page, listing-ready, in Chromium: PACKSHOT with three marketplaces ticked gives a square
// packshot whose exports show a tick for every measured rule, the cut-out and the ZIP download; "export
// to" Amazon adds one more export, measured. Screenshots in test/artifacts.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromiumAvailable, launchChromium } from './helpers/browser.js';
import { productOnColour } from './helpers/images.js';
import { startServer, type RunningServer } from './helpers/server.js';

const root = new URL('..', import.meta.url).pathname;
const ARTIFACTS = path.join(root, 'test/artifacts');
const available = chromiumAvailable('listing-page');

describe.skipIf(!available)('listing-ready on the studio page', () => {
  let server: RunningServer;
  let browser: Browser;
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    server = await startServer({});
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  test('PACKSHOT for Tokopedia, Shopee and TikTok Shop: every rule ticked, the cut-out, the ZIP; then an export to Amazon', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#dev-form input[name="name"]').fill('listing-page');
    await page.locator('#dev-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');

    const file = path.join(os.tmpdir(), `bag-on-teal-${process.pid}.jpg`);
    await writeFile(file, await productOnColour());
    await page.locator('[data-slot="PRODUCT_1"] input[type="file"]').setInputFiles(file);
    await page.locator('input[name="mode"][value="PACKSHOT"]').check();
    for (const preset of ['TOKOPEDIA', 'SHOPEE', 'TIKTOK_SHOP']) await page.locator(`input[name="exports"][value="${preset}"]`).check();
    await page.locator('input[name="shadow"]').check();
    await page.locator('#generate').click();

    await expect.poll(() => page.locator('.result .export').count(), { timeout: 60_000 }).toBe(3);
    const size = await page.locator('.result img').first().evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
    expect(size[0]).toBe(size[1]);
    expect(await page.locator('.result .compliance li[data-passed="true"]').count()).toBe(18);
    expect(await page.locator('.result .compliance li[data-passed="false"]').count()).toBe(0);
    expect(await page.locator('.result a.cutout').getAttribute('href')).toMatch(/-cutout\.png\?/);
    await expect.poll(() => page.locator('#balance').innerText()).toBe('9');

    const zip = page.locator('#zip a.zip');
    const download = await Promise.all([page.waitForEvent('download'), zip.click()]).then(([d]) => d);
    const saved = path.join(os.tmpdir(), `listing-${process.pid}.zip`);
    await download.saveAs(saved);
    expect(download.suggestedFilename()).toMatch(/^etalase-.+\.zip$/);

    await page.locator('.result select[name^="export-"]').selectOption('AMAZON');
    await page.locator('.result .export-one').click();
    await expect.poll(() => page.locator('.result .export').count(), { timeout: 30_000 }).toBe(4);
    const amazon = page.locator('.result .export[data-preset="AMAZON"]');
    expect(await amazon.locator('li').count()).toBe(6);
    await page.screenshot({ path: path.join(ARTIFACTS, 'studio-8-listing.png'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  });
});
