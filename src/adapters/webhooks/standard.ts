// Webhooks for backend integrations, signed per Standard Webhooks (webhook-id, webhook-timestamp,
// webhook-signature: HMAC-SHA256 with WEBHOOK_SECRET, `whsec_…`). An address is refused unless it
// is public: https only, and never a private, loopback, link-local or otherwise special address,
// checked when the request comes in and again, on the resolved address, before each delivery (a
// name that later resolves somewhere private is caught then). Loopback (and plain http to it) only
// with WEBHOOK_ALLOW_LOOPBACK, for development.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { WebhookDelivery, Webhooks } from '../../studio/ports.js';

export interface WebhookConfig {
  secret: string;
  allowLoopback: boolean;
  timeoutMs?: number;
}

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blocked.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96]] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** why `address` may not be called, or null */
function refusal(address: string, allowLoopback: boolean): string | null {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  // An IPv4-mapped IPv6 address is checked as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return refusal(mapped, allowLoopback);
  if (allowLoopback && loopback.check(address, family)) return null;
  return blocked.check(address, family) ? 'webhookUrl must be a public address (private, loopback and link-local ones are refused).' : null;
}

export function createStandardWebhooks(config: WebhookConfig): Webhooks {
  const signer = new Webhook(config.secret);
  const timeoutMs = config.timeoutMs ?? 10_000;

  async function addressesOf(url: URL): Promise<string[]> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) return [host];
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  }

  async function check(raw: string): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'webhookUrl must be an absolute https URL.';
    }
    if (url.username || url.password) return 'webhookUrl must not carry credentials.';
    let addresses: string[];
    try {
      addresses = await addressesOf(url);
    } catch {
      return `webhookUrl: ${url.hostname} cannot be resolved.`;
    }
    for (const address of addresses) {
      const why = refusal(address, config.allowLoopback);
      if (why) return why;
    }
    const local = addresses.every((a) => loopback.check(a.replace(/^::ffff:/i, ''), isIP(a.replace(/^::ffff:/i, '')) === 6 ? 'ipv6' : 'ipv4'));
    if (url.protocol !== 'https:' && !(config.allowLoopback && local && url.protocol === 'http:')) return 'webhookUrl must use https.';
    return null;
  }

  return {
    check,
    async deliver(delivery: WebhookDelivery, payload: unknown) {
      const why = await check(delivery.url);
      if (why) throw new Error(`webhook address refused at delivery: ${why}`);
      const body = JSON.stringify(payload);
      const timestamp = new Date();
      const response = await fetch(delivery.url, {
        method: 'POST',
        redirect: 'manual', // a redirect could point anywhere, including inside the network
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Etalase-Webhooks/1',
          'webhook-id': delivery.id,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signer.sign(delivery.id, timestamp, body),
        },
        body,
      });
      await response.body?.cancel().catch(() => {});
      if (response.status < 200 || response.status >= 300) throw new Error(`webhook receiver answered HTTP ${response.status}`);
    },
  };
}
