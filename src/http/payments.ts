// Payment routes, answered before GraphQL:
//   POST /payments/midtrans/notification: the gateway's notification. Rate-limited per client
//     address (in SQL, for every instance), body capped, signature verified by the gateway adapter,
//     applied by SQL: 200 applied or unchanged, 401 a wrong signature, 404 an unknown order, 400 an
//     amount or currency that is not the order's (or not a notification), 413, 429, 503 (the database
//     did not answer: the gateway retries).
//   /payments/sandbox/<id> (sandbox gateway only): the order's payment page; POST …/pay, …/decline,
//     …/refund, …/chargeback with a CSRF header make the sandbox send its signed notification
//     through the same handler as the gateway's.
import type { SandboxPayments } from '../adapters/payments/sandbox.js';
import { SANDBOX_ACTIONS, SANDBOX_PATH, type SandboxAction } from '../adapters/payments/sandbox.js';
import type { Logger } from '../studio/ports.js';
import type { NotifyOutcome, TopUpService } from '../studio/topups.js';
import { readCapped } from './body-limit.js';

export const NOTIFICATION_PATH = '/payments/midtrans/notification';
const NOTIFICATION_BODY_LIMIT = 64 * 1024;

export interface PaymentRoutesDeps {
  topUps: TopUpService;
  sandbox: SandboxPayments | null;
  /** SQL query budget: 0 when within `limit`, else seconds to wait (FairUse.spendQueryBudget) */
  spend: (subject: string, cost: number, limit: number) => Promise<number>;
  notificationsPerMinute: number | null;
  csrfHeaders: string[];
  log: Logger;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...headers },
  });

const STATUS_OF: Record<NotifyOutcome['kind'], number> = { applied: 200, unchanged: 200, forged: 401, malformed: 400, unknown: 404, mismatch: 400 };

const SANDBOX_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const rupiah = (amount: number) => `Rp ${amount.toLocaleString('id-ID')}`;

// The page's one script: each button POSTs its action with the CSRF header, then shows the answer.
const SANDBOX_SCRIPT = `for (const button of document.querySelectorAll('button[data-action]')) {
  button.addEventListener('click', async () => {
    for (const b of document.querySelectorAll('button')) b.disabled = true;
    const out = document.getElementById('result');
    try {
      const response = await fetch(location.pathname.replace(/\\/$/, '') + '/' + button.dataset.action, { method: 'POST', headers: { 'x-graphql-yoga-csrf': '1' } });
      const body = await response.json();
      out.textContent = response.ok ? 'Status: ' + body.status : 'HTTP ' + response.status + ': ' + (body.error || '');
      document.getElementById('status').textContent = body.status || '';
    } catch (error) {
      out.textContent = String(error);
    }
    for (const b of document.querySelectorAll('button')) b.disabled = false;
  });
}
`;

export function createPaymentRoutes(deps: PaymentRoutesDeps) {
  /** The notification endpoint itself: the gateway's, and the sandbox's buttons. */
  async function notification(request: Request, subject: string): Promise<Response> {
    if (request.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
    if (deps.notificationsPerMinute !== null) {
      const wait = await deps.spend(`payments:${subject}`, 1, deps.notificationsPerMinute);
      if (wait > 0) return json({ error: 'Too many notifications; retry later.' }, 429, { 'retry-after': String(wait) });
    }
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(await readCapped(request, NOTIFICATION_BODY_LIMIT, 'A notification')));
    } catch (error) {
      if (error instanceof SyntaxError) return json({ error: 'The body is not JSON.' }, 400);
      return json({ error: `A notification is limited to ${NOTIFICATION_BODY_LIMIT} bytes.` }, 413);
    }
    let outcome: NotifyOutcome;
    try {
      outcome = await deps.topUps.notify(body);
    } catch (error) {
      // The database did not answer: the gateway retries a notification it got no 2xx for.
      deps.log.error('a payment notification could not be applied; the gateway will retry it', { error: String(error) });
      return json({ error: 'Try again later.' }, 503, { 'retry-after': '30' });
    }
    const answer =
      outcome.kind === 'applied' || outcome.kind === 'unchanged'
        ? { status: outcome.status }
        : outcome.kind === 'forged' || outcome.kind === 'malformed'
          ? { error: outcome.message }
          : outcome.kind === 'unknown'
            ? { error: 'No such order.' }
            : { error: 'The amount or currency is not the order’s.' };
    return json(answer, STATUS_OF[outcome.kind]);
  }

  async function sandboxPage(sandbox: SandboxPayments, request: Request, url: URL): Promise<Response | null> {
    const rest = url.pathname.slice(SANDBOX_PATH.length);
    if (rest === 'sandbox.js') {
      return new Response(SANDBOX_SCRIPT, { headers: { 'content-type': 'text/javascript; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' } });
    }
    const [id = '', action, extra] = rest.split('/');
    const order = extra === undefined ? await deps.topUps.order(id) : null;
    if (!order) return json({ error: 'No such order.' }, 404);
    if (action !== undefined) {
      if (!Object.hasOwn(SANDBOX_ACTIONS, action)) return json({ error: 'No such action.' }, 404);
      if (request.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
      if (!deps.csrfHeaders.some((h) => request.headers.has(h))) return json({ error: `Send a CSRF header (${deps.csrfHeaders.join(' or ')}).` }, 403);
      const signed = sandbox.act(order, action as SandboxAction);
      // Through the same endpoint and checks as a real gateway's notification.
      return notification(new Request(new URL(NOTIFICATION_PATH, url), { method: 'POST', body: JSON.stringify(signed) }), 'sandbox');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return json({ error: 'Use GET.' }, 405, { allow: 'GET, HEAD' });
    const html = `<!doctype html>
<html lang="id">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Etalase sandbox payment</title><link rel="stylesheet" href="/studio/studio.css">
<script type="module" src="${SANDBOX_PATH}sandbox.js"></script></head>
<body><main><section class="card" data-order="${escape(order.id)}">
<h1>Sandbox pembayaran · Sandbox payment</h1>
<p class="hint">Bukan pembayaran sungguhan: tombol ini mengirim notifikasi bertanda tangan seperti Midtrans. Not a real payment.</p>
<p><b>${escape(order.package)}</b>: ${order.coins} koin · ${escape(rupiah(order.price))} (${escape(order.currency)})</p>
<p>Status: <strong id="status">${escape(order.status)}</strong></p>
<div class="row">
<button type="button" class="primary" data-action="pay">Bayar · Pay</button>
<button type="button" data-action="decline">Tolak · Decline</button>
<button type="button" data-action="refund">Refund</button>
<button type="button" data-action="chargeback">Chargeback</button>
</div>
<p id="result" role="status"></p>
<p><a href="/">← Etalase Studio</a></p>
</section></main></body></html>
`;
    return new Response(request.method === 'HEAD' ? null : html, {
      headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': SANDBOX_CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
    });
  }

  return {
    /** the response for a payment path, or null to let the request through */
    async handle(request: Request, url: URL, clientAddress: string | null): Promise<Response | null> {
      if (url.pathname === NOTIFICATION_PATH) return notification(request, clientAddress ?? 'local');
      if (deps.sandbox && url.pathname.startsWith(SANDBOX_PATH)) return sandboxPage(deps.sandbox, request, url);
      return null;
    },
  };
}
