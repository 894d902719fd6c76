// The baseline for the throughput bench: a bare graphql-yoga server from the installed package, on
// Etalase's own schema.graphql, answering the same shapes from memory (no auth, no database, no
// limits, no plugins). Started as a child process: `tsx bench/throughput/bare-yoga.ts <port> <catalog.json>`.
// With BARE_DATABASE_URL and BARE_DATA_DIR set it does the work a `me` needs and nothing else: the
// same token check as Etalase's dev auth (jose HS256, verified tokens remembered) and the same
// `get_balance` on the same PostgreSQL, through pg: the baseline for `me` (issue 21).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';
import { rememberVerified } from '../../src/adapters/auth/authenticator.js';
import { createDevAuthenticator, loadDevSecret } from '../../src/adapters/auth/dev.js';

const [port, catalogFile] = process.argv.slice(2);
const typeDefs = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
const catalog = JSON.parse(readFileSync(catalogFile!, 'utf8'));

type File = { arrayBuffer(): Promise<ArrayBuffer> };
type EchoInput = { productImages?: File[]; faceImage?: File | null; backgroundImage?: File | null };
async function echo(input: EchoInput, typename: string) {
  let bytes = 0;
  for (const file of [...(input.productImages ?? []), input.faceImage, input.backgroundImage]) if (file) bytes += (await file.arrayBuffer()).byteLength;
  return { __typename: typename, remainingCoins: bytes > 0 ? 1 : 0, generation: null };
}

const databaseUrl = process.env.BARE_DATABASE_URL;
const auth = databaseUrl ? rememberVerified(createDevAuthenticator(await loadDevSecret(process.env.BARE_DATA_DIR!))) : null;
const pool = databaseUrl ? new pg.Pool({ connectionString: databaseUrl, max: 10 }) : null;
async function me(request: Request) {
  if (!auth || !pool) return { id: 'bench', coinsBalance: 10 };
  const viewer = await auth.verify((request.headers.get('authorization') ?? '').replace(/^Bearer /, ''));
  if (!viewer) throw new Error('UNAUTHENTICATED');
  const { rows } = await pool.query('select public.get_balance($1) as v', [viewer.userId]);
  return { id: viewer.userId, coinsBalance: Number(rows[0]?.v ?? 0) };
}

const yoga = createYoga<{ request: Request }>({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Upload: { serialize: () => null, parseValue: (v: unknown) => v },
      Query: { me: (_: unknown, __: unknown, { request }: { request: Request }) => me(request), styleCatalog: () => catalog },
      Mutation: {
        // The multipart echo: reads every uploaded file, answers with the same small shape.
        generateImages: async (_: unknown, { input }: { input: EchoInput }) => echo(input, 'GenerateImagesSuccess'),
        startGeneration: async (_: unknown, { input }: { input: EchoInput }) => echo(input, 'StartGenerationSuccess'),
      },
    },
  }),
  logging: false,
  maskedErrors: false,
});
createServer(yoga).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
