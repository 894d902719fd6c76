// The studio page at / in a real browser (Debian's chromium through playwright-core, as GraphiQL is),
// against the real server on the offline providers, with every request outside the server refused:
// dev sign-in, real photos through the file inputs, Generate, the stages as they arrive, images that
// load, a video prompt copied, ID/EN, the history. Screenshots go to test/artifacts/ (gitignored).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { chromiumAvailable, launchChromium } from './helpers/browser.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';
import { userIdFor } from '../src/adapters/auth/dev.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const root = new URL('..', import.meta.url).pathname;
const ARTIFACTS = path.join(root, 'test/artifacts');
const available = chromiumAvailable('studio-page');

describe('studio page over HTTP (AUTH=dev)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());
  const get = (p: string, init: RequestInit = {}) => t.app.yoga.fetch(`http://localhost${p}`, init);

  test('serves the page and its assets with their types, nosniff and a self-only CSP', async () => {
    for (const [p, type] of [
      ['/', 'text/html; charset=utf-8'],
      ['/studio/app.js', 'text/javascript; charset=utf-8'],
      ['/studio/studio.css', 'text/css; charset=utf-8'],
      ['/studio/icon.svg', 'image/svg+xml'],
    ] as const) {
      const response = await get(p);
      expect(response.status, p).toBe(200);
      expect(response.headers.get('content-type'), p).toBe(type);
      expect(response.headers.get('x-content-type-options'), p).toBe('nosniff');
      const csp = response.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!localhost)/);
      expect((await response.text()).length, p).toBeGreaterThan(100);
      // Revalidation by ETag: unchanged assets cost a 304.
      const again = await get(p, { headers: { 'if-none-match': response.headers.get('etag')! } });
      expect(again.status).toBe(304);
    }
    const html = await (await get('/')).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\bstyle=|https?:\/\//); // no inline style, nothing from elsewhere
    const script = await (await get('/studio/app.js')).text();
    expect(script).toContain('generationEvents'); // the codegen documents are bundled in
    expect(script).toContain('createTopUp');
    expect(html).toContain('id="coins-card"');
    expect((await get('/', { method: 'POST' })).status).toBe(405);
    expect((await get('/studio/nope.js')).status).toBe(404);
  });

  test('POST /dev/token signs a dev token for a name and validates its input', async () => {
    const post = (body: string, type = 'application/json') => get('/dev/token', { method: 'POST', headers: { 'content-type': type }, body });
    const response = await post(JSON.stringify({ name: 'sari' }));
    expect(response.status).toBe(200);
    const { token, userId } = (await response.json()) as { token: string; userId: string };
    expect(userId).toBe(userIdFor('sari'));
    expect((await t.gql('{ me { id coinsBalance } }', {}, { token })).body.data.me).toEqual({ id: userId, coinsBalance: 10 });
    expect((await post('name=sari', 'application/x-www-form-urlencoded')).status).toBe(415);
    expect((await post(JSON.stringify({ name: '' }))).status).toBe(400);
    expect((await post(JSON.stringify({ name: 'x'.repeat(65) }))).status).toBe(400);
    expect((await post('{')).status).toBe(400);
  });
});

describe('studio page over HTTP (AUTH=supabase)', () => {
  test('there is no dev-token route; the page is served for a pasted token', async () => {
    const t = await startTestApp({ AUTH: 'supabase', SUPABASE_URL: 'http://127.0.0.1:9', SUPABASE_JWT_SECRET: 'x'.repeat(32) });
    try {
      for (const method of ['GET', 'POST']) {
        const response = await t.app.yoga.fetch('http://localhost/dev/token', {
          method,
          headers: { 'content-type': 'application/json' },
          ...(method === 'POST' ? { body: '{"name":"sari"}' } : {}),
        });
        expect(response.status, method).toBe(404);
      }
      expect((await t.app.yoga.fetch('http://localhost/', {})).status).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe.skipIf(!available)('studio page in Chromium', () => {
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

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, `studio-${name}.png`), fullPage: true });

  test('sign in, upload the example photos, generate, watch the stages, copy a prompt, switch language, see the history', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    const page = await context.newPage();
    const outside: string[] = [];
    const problems: string[] = [];
    page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(server.url) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });

    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('html').getAttribute('lang')).toBe('id');
    await shot(page, '1-signed-out');

    // Dev sign-in by name (the route exists because this server runs AUTH=dev).
    await page.locator('#dev-form input[name="name"]').fill('sari');
    await page.locator('#dev-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    await expect.poll(() => page.locator('#quote').innerText()).toContain('Saldo: 10 koin');

    // Every style option from styleCatalog is offered, labelled in Indonesian.
    const catalog = (await (
      await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ styleCatalog { categories { value labelId } lightings { value } } }' }),
      })
    ).json()) as { data: { styleCatalog: { categories: Array<{ value: string; labelId: string }>; lightings: Array<{ value: string }> } } };
    const categoryLabels = await page.locator('select[name="category"] option').allInnerTexts();
    for (const c of catalog.data.styleCatalog.categories) expect(categoryLabels).toContain(c.labelId);
    expect(await page.locator('select[name="lighting"] option').count()).toBe(catalog.data.styleCatalog.lightings.length + 1);

    // The real photos, through the file inputs.
    const photo = (name: string) => path.join(root, 'examples', name);
    await page.locator('[data-slot="PRODUCT_1"] input[type="file"]').setInputFiles(photo('product-1.jpg'));
    await page.locator('[data-slot="PRODUCT_2"] input[type="file"]').setInputFiles(photo('product-2.jpg'));
    await page.locator('[data-slot="BACKGROUND"] input[type="file"]').setInputFiles(photo('product-2.jpg'));
    const previewsLoaded = () =>
      page.$$eval('.slot .preview:not([hidden])', (imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth > 0).length);
    await expect.poll(previewsLoaded).toBe(3);
    await page.locator('select[name="category"]').selectOption('BAGS');
    await page.locator('select[name="count"]').selectOption('2');
    await shot(page, '2-ready');

    await page.locator('#generate').click();
    await page.locator('#stages li[data-stage="FINISHED"]').waitFor({ timeout: 60_000 });
    const stages = await page.locator('#stages li').evaluateAll((items) => items.map((li) => (li as HTMLElement).dataset.stage));
    expect(stages).toEqual(['QUEUED', 'DESCRIBING', 'GENERATING', 'REVIEWING', 'IMAGE_STORED', 'FINISHED']);
    expect(await page.locator('#stages li[data-stage="DESCRIBING"]').innerText()).toContain('3/3');
    expect(await page.locator('#stages li[data-stage="FINISHED"]').innerText()).toContain('berhasil');

    // The images load (from this server's /media/), each with both video prompts.
    await expect.poll(() => page.locator('.result img').count(), { timeout: 30_000 }).toBe(2);
    const loaded = () =>
      page.$$eval('.result img', (imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0));
    await expect.poll(loaded).toBe(true);
    expect(await page.locator('.result .video-prompt').count()).toBe(4);
    expect(await page.locator('#generate-error').innerText()).toBe('');
    await expect.poll(() => page.locator('#balance').innerText()).toBe('9');

    const promptB = page.locator('.result').first().locator('.video-prompt[data-version="B"]');
    await promptB.locator('button.copy').click();
    await expect.poll(() => promptB.locator('button.copy').getAttribute('data-copied')).toBe('true');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(await promptB.locator('p').innerText());
    await shot(page, '3-results-id');

    // The history lists the batch; Lihat/Show puts it back in the results.
    const entry = page.locator('#history li[data-generation]');
    await expect.poll(() => entry.count()).toBe(1);
    expect(await entry.getAttribute('data-status')).toBe('SUCCEEDED');
    expect(await entry.locator('.thumbs img').count()).toBe(2);

    // English and back.
    await page.locator('button[data-lang="en"]').click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h2[data-i18n="results"]').innerText()).toBe('Results');
    expect(await page.locator('select[name="category"] option:checked').innerText()).toBe('Bags');
    expect(await page.locator('#stages li[data-stage="FINISHED"]').innerText()).toContain('succeeded');
    expect(await entry.innerText()).toContain('succeeded');
    await expect.poll(() => page.locator('#quote').innerText()).toContain('Balance: 9 coins');
    await shot(page, '4-results-en');
    await page.locator('button[data-lang="id"]').click();
    expect(await page.locator('h2[data-i18n="results"]').innerText()).toBe('Hasil');
    expect(await page.locator('select[name="category"] option:checked').innerText()).toBe('Tas');

    // A reload keeps the session and shows the history from me { generations }.
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    await expect.poll(() => page.locator('#history li[data-generation]').count()).toBe(1);
    await page.locator('#history li[data-generation] button').click();
    await expect.poll(() => page.locator('.result img').count()).toBe(2);

    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });

  test('Beli koin: a package bought on the sandbox page arrives once; an API key is shown once and revoked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#token-form input[name="token"]').fill(await server.token('wati'));
    await page.locator('#token-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    expect(await page.locator('#packages button').allInnerTexts()).toEqual(['25 koin\nRp 25.000', '60 koin\nRp 55.000', '150 koin\nRp 125.000']);

    // The package's payment page is the sandbox's, on this server: Bayar, then back to the studio.
    await page.locator('#packages button[data-package="hemat"]').click();
    await page.waitForURL(/\/payments\/sandbox\//);
    await page.locator('button[data-action="pay"]').click();
    await expect.poll(() => page.locator('#result').innerText()).toBe('Status: PAID');
    await shot(page, '5-sandbox-paid');
    await page.locator('a[href="/"]').click();
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('#balance').innerText()).toBe('35');
    expect(await page.locator('#topups li').first().getAttribute('data-status')).toBe('PAID');
    expect(await page.locator('#topups li').first().innerText()).toContain('lunas');

    await page.locator('#key-form input[name="key-name"]').fill('toko-backend');
    await page.locator('#key-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#new-key-secret').innerText()).toMatch(/^etl_[A-Za-z0-9_-]{43}$/);
    const secret = await page.locator('#new-key-secret').innerText();
    expect(await page.locator('#keys li[data-key] code').innerText()).toBe(`${secret.slice(0, 12)}…`);
    await shot(page, '6-api-key');
    const me = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: '{ me { coinsBalance } }' }),
    });
    expect(((await me.json()) as { data: { me: { coinsBalance: number } } }).data.me.coinsBalance).toBe(35);
    await page.locator('#new-key-hide').click();
    expect(await page.locator('#new-key').isHidden()).toBe(true);
    await page.locator('#keys li[data-key] button.revoke').click();
    await expect.poll(() => page.locator('#keys li[data-key]').count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });

  test("'Buat video' under an image makes a clip: its progress, then an inline player that plays 6 s, and a download link", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#dev-form input[name="name"]').fill('sinta');
    await page.locator('#dev-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    await page.locator('[data-slot="PRODUCT_1"] input[type="file"]').setInputFiles(path.join(root, 'examples', 'product-1.jpg'));
    await page.locator('select[name="count"]').selectOption('1');
    await page.locator('#generate').click();
    await expect.poll(() => page.locator('.result img').count(), { timeout: 60_000 }).toBe(1);
    expect(await page.locator('.result .clips h3').innerText()).toContain('6 koin');

    await page.locator('.result .make-video[data-version="B"]').click();
    await page.locator('.result .clip-progress').waitFor({ timeout: 10_000 });
    const clip = page.locator('.result .clip[data-version="B"]');
    await clip.waitFor({ timeout: 60_000 });
    const media = await clip.locator('video').evaluate(
      (video: HTMLVideoElement) =>
        new Promise<{ duration: number; width: number; height: number; canPlay: string }>((resolve, reject) => {
          const done = () => resolve({ duration: video.duration, width: video.videoWidth, height: video.videoHeight, canPlay: video.canPlayType('video/mp4; codecs="avc1.640028"') });
          if (video.readyState >= 1) return done();
          video.addEventListener('loadedmetadata', done, { once: true });
          video.addEventListener('error', () => reject(new Error(`video error ${video.error?.code}`)), { once: true });
        }),
    );
    expect(media.duration).toBeCloseTo(6, 0);
    expect(media).toMatchObject({ width: 720, height: 720 });
    const download = clip.locator('a.download');
    expect(await download.getAttribute('href')).toBe(await clip.locator('video').getAttribute('src'));
    expect(await download.getAttribute('download')).toMatch(/^etalase-.+\.mp4$/);
    expect(await clip.locator('video').getAttribute('poster')).toMatch(/\/media\/outputs\/.+\/poster\.jpg\?/);
    await expect.poll(() => page.locator('#balance').innerText()).toBe('3');
    await shot(page, '7-clip');
    expect(problems).toEqual([]);
    await context.close();
  });

  test('a refused request shows its typed error and costs nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/`);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#token-form input[name="token"]').fill(await server.token('budi'));
    await page.locator('#token-form button[type="submit"]').click();
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    // A colour the server cannot read: the typed error says which, and nothing is charged.
    await page.locator('select[name="contentType"]').selectOption('PRODUCT_ONLY');
    await page.locator('[data-slot="PRODUCT_1"] input[type="file"]').setInputFiles(path.join(root, 'examples', 'product-1.jpg'));
    await page.locator('select[name="background"]').selectOption('SOLID_COLOR');
    await page.locator('input[name="backgroundColor"]').fill('not-a-colour');
    await page.locator('#generate').click();
    await expect.poll(() => page.locator('#generate-error').innerText(), { timeout: 30_000 }).toContain('not-a-colour');
    await expect.poll(() => page.locator('#balance').innerText()).toBe('10');
    await expect.poll(() => page.locator('#generate').isDisabled()).toBe(false);
    await context.close();
  });
});
