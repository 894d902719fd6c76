// A real app in-process on a temporary DATA_DIR, with helpers to send GraphQL requests through
// yoga.fetch, including multipart uploads built exactly as apollo-upload-client builds them.
import { mkdtemp, rm } from 'node:fs/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import os from 'node:os';
import path from 'node:path';
import { signDevToken, loadDevSecret } from '../../src/adapters/auth/dev.js';
import { createApp, type App, type AppOverrides } from '../../src/app.js';
import { parseConfig, type Config } from '../../src/config.js';
import { seedPglite } from './pglite-template.js';

export interface TestApp {
  app: App;
  config: Config;
  dataDir: string;
  token(user: string): Promise<string>;
  gql<T = any>(query: string, variables?: Record<string, unknown>, opts?: RequestOpts): Promise<GqlResult<T>>;
  upload<T = any>(query: string, variables: Record<string, unknown>, files: UploadFile[], opts?: RequestOpts): Promise<GqlResult<T>>;
  /** a typed document from test/generated (npm run codegen), with or without files */
  op<T, V extends Record<string, unknown>>(doc: TypedDocumentNode<T, V>, variables: V, opts?: RequestOpts & { files?: UploadFile[] }): Promise<GqlResult<T>>;
  close(): Promise<void>;
}

export interface RequestOpts {
  token?: string;
  headers?: Record<string, string>;
}

export interface GqlResult<T> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
}

/** `path` is the variable path, e.g. "input.productImages.0". */
export interface UploadFile {
  path: string;
  bytes: Uint8Array;
  name?: string;
  type?: string;
}

export function multipartBody(query: string, variables: Record<string, unknown>, files: UploadFile[]): FormData {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query, variables }));
  form.append('map', JSON.stringify(Object.fromEntries(files.map((f, i) => [String(i), [`variables.${f.path}`]]))));
  files.forEach((f, i) => form.append(String(i), new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type ?? 'image/jpeg' }), f.name ?? `photo-${i}.jpg`));
  return form;
}

export async function startTestApp(env: Record<string, string> = {}, overrides: AppOverrides = {}): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'etalase-test-'));
  // Fair-use limits are off unless a test turns them on (races send hundreds of requests from one user).
  const config = parseConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMITS: 'off', ...env });
  await seedPglite(config, dataDir);
  const app = await createApp(config, overrides);
  const secret = await loadDevSecret(config.dataDir);

  const send = async (body: BodyInit, opts: RequestOpts, json: boolean) => {
    const headers: Record<string, string> = { 'x-graphql-yoga-csrf': '1', ...opts.headers };
    if (json) headers['content-type'] = 'application/json';
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const response = await app.yoga.fetch('http://localhost/graphql', { method: 'POST', headers, body });
    return { status: response.status, body: await response.json() };
  };

  return {
    app,
    config,
    dataDir,
    token: (user) => signDevToken(secret, user),
    gql: (query, variables = {}, opts = {}) => send(JSON.stringify({ query, variables }), opts, true),
    upload: (query, variables, files, opts = {}) => send(multipartBody(query, variables, files), opts, false),
    op: (doc, variables, opts = {}) =>
      opts.files?.length
        ? send(multipartBody(print(doc), variables, opts.files), opts, false)
        : send(JSON.stringify({ query: print(doc), variables }), opts, true),
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
