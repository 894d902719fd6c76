// Webhooks: a finished generation calls the backend's webhookUrl once, signed per Standard Webhooks
// (verified here with the standardwebhooks package itself), retried through the queue when the
// receiver answers 500, with the same webhook-id; private, loopback and link-local addresses and
// plain http are refused when the request comes in, as InvalidInputError(webhookUrl).
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createStandardWebhooks } from '../src/adapters/webhooks/standard.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const START = `mutation($input: GenerateImagesInput!) { startGeneration(input: $input) {
  __typename ... on InvalidInputError { field message } ... on StartGenerationSuccess { generation { id } } } }`;

describe('webhook addresses', () => {
  const strict = createStandardWebhooks({ secret: SECRET, allowLoopback: false });
  const dev = createStandardWebhooks({ secret: SECRET, allowLoopback: true });

  test.each([
    'https://10.1.2.3/hook',
    'https://172.20.0.5/hook',
    'https://192.168.1.10/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
    'https://0.0.0.0/hook',
    'https://100.64.0.1/hook',
    'http://93.184.216.34/hook',
    'ftp://93.184.216.34/hook',
    'https://user:pw@93.184.216.34/hook',
    'not a url',
  ])('%s is refused', async (url) => {
    expect(await strict.check(url)).toEqual(expect.any(String));
  });

  test('a public https address is accepted; loopback (also over http) only under the dev setting', async () => {
    expect(await strict.check('https://93.184.216.34/hook')).toBeNull();
    expect(await dev.check('http://127.0.0.1:8080/hook')).toBeNull();
    expect(await dev.check('https://[::1]/hook')).toBeNull();
    expect(await dev.check('http://10.0.0.1/hook')).toEqual(expect.any(String));
  });
});

describe('webhook delivery', () => {
  let t: TestApp;
  let receiver: http.Server;
  let url: string;
  const received: Array<{ headers: http.IncomingHttpHeaders; body: string; status: number }> = [];
  let failures = 0;

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const status = failures > 0 ? (failures--, 500) : 200;
        received.push({ headers: req.headers, body, status });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/etalase`;
    t = await startTestApp({ WEBHOOK_SECRET: SECRET, WEBHOOK_ALLOW_LOOPBACK: 'true' });
  });
  afterAll(async () => {
    await t?.close();
    receiver?.close();
  });

  test('private addresses are refused at input time, for free', async () => {
    const token = await t.token(`hook-refused-${randomUUID()}`);
    for (const webhookUrl of ['https://10.0.0.1/x', 'https://169.254.169.254/x', 'http://93.184.216.34/x']) {
      const { body } = await t.gql(START, { input: { count: 1, webhookUrl } }, { token });
      expect(body.data.startGeneration).toMatchObject({ __typename: 'InvalidInputError', field: 'webhookUrl' });
    }
    expect((await t.gql('{ me { coinsBalance } }', {}, { token })).body.data.me.coinsBalance).toBe(10);
  });

  test('signed per Standard Webhooks, retried after a 500 with the same webhook-id', async () => {
    failures = 1;
    const token = await t.token(`hook-${randomUUID()}`);
    const { body } = await t.gql(START, { input: { count: 1, webhookUrl: url } }, { token });
    const id = body.data.startGeneration.generation.id;
    const deadline = Date.now() + 60_000;
    while (received.filter((r) => r.status === 200).length === 0) {
      if (Date.now() > deadline) throw new Error(`no successful delivery: ${received.length} attempts`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(received.map((r) => r.status)).toEqual([500, 200]);
    const verifier = new Webhook(SECRET);
    for (const r of received) {
      const payload = verifier.verify(r.body, r.headers as Record<string, string>) as any;
      expect(payload).toMatchObject({ type: 'generation.finished', data: { id, status: 'SUCCEEDED', count: 1 } });
      expect(payload.data.images[0].url).toMatch(/\/media\/outputs\/.+\?expires=\d+&signature=/);
    }
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([`msg_${id}`]));
    // a tampered body does not verify
    expect(() => verifier.verify(received[1]!.body.replace('SUCCEEDED', 'FAILED'), received[1]!.headers as Record<string, string>)).toThrow();
  });
});
