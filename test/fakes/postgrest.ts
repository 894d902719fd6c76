// A stand-in for Supabase's Data API, only `POST /rest/v1/rpc/<fn>`, over a real Postgres that has the
// migrations applied. It does what PostgREST does for a call: check the JWT, switch to the token's role
// inside a transaction with the claims in request.jwt.claims, call the function with named arguments
// cast from the JSON body, and shape the result and errors the way PostgREST does. So the Supabase
// adapter, the grants and the SECURITY DEFINER functions are tested together without a Supabase stack.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify, SignJWT, type JWTPayload } from 'jose';
import pg from 'pg';

export interface RecordedRequest {
  fn: string;
  args: unknown;
  role: string | null;
  status: number;
}

export interface PostgrestFake {
  /** what SUPABASE_URL would be */
  url: string;
  jwtSecret: string;
  /** HS256 keys in the shape Supabase's legacy API keys have */
  serviceRoleKey: string;
  anonKey: string;
  requests: RecordedRequest[];
  /** a token with any claims, signed with the project's secret */
  sign(claims: JWTPayload): Promise<string>;
  close(): Promise<void>;
}

interface Signature {
  inputs: Array<{ name: string; type: string }>;
  required: number;
  returnsSet: boolean;
  composite: boolean;
  isVoid: boolean;
}

const ROLES = new Set(['anon', 'authenticated', 'service_role']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

export async function startPostgrestFake(options: { databaseUrl: string; jwtSecret?: string; poolMax?: number }): Promise<PostgrestFake> {
  const jwtSecret = options.jwtSecret ?? randomBytes(32).toString('base64url');
  const key = new TextEncoder().encode(jwtSecret);
  const sign = (claims: JWTPayload) =>
    new SignJWT({ iss: 'supabase', ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().sign(key);
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: options.poolMax ?? 10, application_name: 'postgrest-fake' });
  pool.on('error', () => {});
  const requests: RecordedRequest[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { code: 'PGRST000', message: String(error), details: null, hint: null }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const match = /^\/rest\/v1\/rpc\/([^/?]+)/.exec(req.url ?? '');
    if (!match) return send(res, 404, pgrstError('PGRST125', `Invalid path specified in request URL`));
    const fn = decodeURIComponent(match[1]!);
    const record: RecordedRequest = { fn, args: null, role: null, status: 0 };
    requests.push(record);
    const reply = (status: number, body?: unknown) => {
      record.status = status;
      send(res, status, body);
    };
    if (req.method !== 'POST') return reply(405, pgrstError('PGRST101', 'Only GET and POST are allowed for functions (the fake serves POST)'));
    const profile = req.headers['content-profile'];
    if (profile && profile !== 'public') return reply(406, pgrstError('PGRST106', `The schema must be one of the following: public`));

    // Supabase's gateway wants an apikey; PostgREST then trusts only the bearer token's claims.
    if (!req.headers.apikey) return reply(401, { message: 'No API key found in request', hint: 'No `apikey` request header or url param was found.' });
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let claims: JWTPayload;
    try {
      claims = (await jwtVerify(bearer ?? String(req.headers.apikey), key, { algorithms: ['HS256'] })).payload;
    } catch (error) {
      return reply(401, pgrstError('PGRST301', `JWT invalid: ${(error as Error).message}`));
    }
    const role = String(claims.role ?? 'anon');
    record.role = role;
    if (!ROLES.has(role)) return reply(401, pgrstError('PGRST301', `role "${role}" does not exist`));

    let args: unknown;
    try {
      const raw = await readBody(req);
      args = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return reply(400, pgrstError('PGRST102', 'Empty or invalid json'));
    }
    record.args = args;
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return reply(400, pgrstError('PGRST102', 'The fake accepts one JSON object of named arguments'));
    }
    const given = Object.keys(args);
    const sig = IDENT.test(fn) ? pickSignature(await signatures(fn), given) : undefined;
    if (!sig) {
      return reply(404, {
        code: 'PGRST202',
        message: `Could not find the function public.${fn}(${given.sort().join(', ')}) in the schema cache`,
        details: `Searched for the function public.${fn} with parameters ${given.sort().join(', ') || 'without parameters'}`,
        hint: null,
      });
    }

    const client = await pool.connect();
    try {
      await client.query('begin');
      // set_config(..., true) is `set local`: both end with the transaction, as in PostgREST.
      await client.query(`set local role ${quote(role)}`);
      await client.query(`select set_config('request.jwt.claims', $1, true), set_config('request.method', 'POST', true)`, [
        JSON.stringify(claims),
      ]);
      const { rows } = await client.query(callSql(fn, sig, given), given.length ? [JSON.stringify(args)] : []);
      await client.query('commit');
      if (sig.isVoid) return reply(204);
      let value = rows[0]?.v ?? null;
      if (String(req.headers.accept ?? '').includes('application/vnd.pgrst.object+json') && Array.isArray(value)) {
        if (value.length !== 1) {
          return reply(406, { code: 'PGRST116', message: 'JSON object requested, multiple (or no) rows returned', details: `The result contains ${value.length} rows`, hint: null });
        }
        value = value[0];
      }
      return reply(200, value);
    } catch (error) {
      await client.query('rollback').catch(() => {});
      const e = error as pg.DatabaseError;
      return reply(statusFor(e.code, role), { code: e.code ?? null, message: e.message, details: e.detail ?? null, hint: e.hint ?? null });
    } finally {
      client.release();
    }
  }

  const cache = new Map<string, Signature[]>();
  async function signatures(fn: string): Promise<Signature[]> {
    const cached = cache.get(fn);
    if (cached) return cached;
    const { rows } = await pool.query<{
      names: string[] | null;
      modes: string[] | null;
      types: string[];
      nargs: number;
      ndefaults: number;
      retset: boolean;
      typtype: string;
      rettype: string;
      has_out: boolean;
    }>(
      `select p.proargnames as names, p.proargmodes::text[] as modes,
              array(select format_type(t, null) from unnest(coalesce(p.proallargtypes, p.proargtypes::oid[])) with ordinality u(t, n) order by n) as types,
              p.pronargs as nargs, p.pronargdefaults as ndefaults, p.proretset as retset, rt.typtype::text as typtype,
              format_type(p.prorettype, null) as rettype, coalesce('o' = any(p.proargmodes::text[]) or 't' = any(p.proargmodes::text[]), false) as has_out
         from pg_proc p join pg_type rt on rt.oid = p.prorettype
        where p.pronamespace = 'public'::regnamespace and p.proname = $1 and p.prokind = 'f'`,
      [fn],
    );
    const result = rows.map((r) => {
      const inputs = r.types
        .map((type, i) => ({ name: r.names?.[i] ?? '', type, mode: r.modes?.[i] ?? 'i' }))
        .filter((a) => a.mode === 'i' || a.mode === 'b' || a.mode === 'v')
        .map(({ name, type }) => ({ name, type }));
      return {
        inputs,
        required: r.nargs - r.ndefaults,
        returnsSet: r.retset,
        composite: r.typtype === 'c' || r.has_out || r.rettype === 'record',
        isVoid: r.rettype === 'void',
      };
    });
    cache.set(fn, result);
    return result;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    jwtSecret,
    serviceRoleKey: await sign({ role: 'service_role' }),
    anonKey: await sign({ role: 'anon' }),
    requests,
    sign,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}

/** The overload whose parameters cover the given names, like PostgREST's lookup by argument names. */
function pickSignature(candidates: Signature[], given: string[]): Signature | undefined {
  return candidates.find((s) => {
    const names = s.inputs.map((a) => a.name);
    return given.every((g) => names.includes(g)) && names.slice(0, s.required).every((n) => given.includes(n));
  });
}

/** json_to_record casts each JSON value to its parameter's type, as PostgREST's own query does. */
function callSql(fn: string, sig: Signature, given: string[]): string {
  const params = sig.inputs.filter((a) => given.includes(a.name));
  const call = `public.${quote(fn)}(${params.map((a) => `${quote(a.name)} => _a.${quote(a.name)}`).join(', ')})`;
  const from = params.length
    ? `json_to_record($1::json) as _a(${params.map((a) => `${quote(a.name)} ${a.type}`).join(', ')})`
    : '(select) as _a';
  if (sig.isVoid) return `select ${call} as v from ${from}`;
  if (sig.returnsSet && sig.composite) return `select coalesce(json_agg(_r), '[]'::json) as v from ${from}, lateral ${call} as _r`;
  if (sig.returnsSet) return `select coalesce(json_agg(_r.x), '[]'::json) as v from ${from}, lateral ${call} as _r(x)`;
  if (sig.composite) return `select to_json(_r) as v from ${from}, lateral ${call} as _r`;
  return `select to_json(${call}) as v from ${from}`;
}

/** PostgREST's table of SQLSTATE → HTTP status (docs: references/errors). */
export function statusFor(code: string | undefined, role: string): number {
  if (!code) return 500;
  if (/^PT\d{3}$/.test(code)) return Number(code.slice(2));
  const exact: Record<string, number> = {
    '23503': 409, '23505': 409, '25006': 405, '53400': 500, P0001: 400, '42883': 404, '42P01': 404, '42P17': 500,
  };
  if (exact[code]) return exact[code];
  if (code === '42501') return role === 'anon' ? 401 : 403;
  const byClass: Record<string, number> = {
    '08': 503, '09': 500, '0L': 403, '0P': 403, '25': 500, '28': 403, '2D': 500, '38': 500, '39': 500, '3B': 500,
    '40': 500, '53': 503, '54': 500, '55': 500, '57': 500, '58': 500, F0: 500, HV: 500, P0: 500, XX: 500,
  };
  return byClass[code.slice(0, 2)] ?? 400;
}

const pgrstError = (code: string, message: string) => ({ code, message, details: null, hint: null });

function send(res: ServerResponse, status: number, body?: unknown) {
  if (res.headersSent) return;
  if (status === 204 || body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
