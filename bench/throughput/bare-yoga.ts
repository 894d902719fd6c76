// The baseline for the throughput bench: a bare graphql-yoga server from the installed package, on
// Etalase's own schema.graphql, answering the same shapes from memory (no auth, no database, no
// limits, no plugins). Started as a child process: `tsx bench/throughput/bare-yoga.ts <port> <catalog.json>`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createSchema, createYoga } from 'graphql-yoga';

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

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Upload: { serialize: () => null, parseValue: (v: unknown) => v },
      Query: { me: () => ({ id: 'bench', coinsBalance: 10 }), styleCatalog: () => catalog },
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
