import { readFileSync } from 'node:fs';
import { createSchema, createYoga } from 'graphql-yoga';
const typeDefs = readFileSync('schema.graphql', 'utf8');
const yoga = createYoga({ schema: createSchema({ typeDefs, resolvers: { Upload: { serialize: () => null, parseValue: (v: unknown) => v }, Query: { me: () => ({ id: 'b', coinsBalance: 10 }) } } }), logging: false, maskedErrors: false });
const body = JSON.stringify({ query: '{ me { coinsBalance } }' });
const one = () => yoga.fetch('http://x/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body }).then((r) => r.text());
for (const secs of [2, 5]) {
  let n = 0; const end = performance.now() + secs * 1000; const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: 32 }, async () => { while (performance.now() < end) { await one(); n++; } }));
  const cpu = process.cpuUsage(cpu0);
  console.log(`${secs}s: ${(n / secs).toFixed(0)} req/s, cpu/req ${((cpu.user + cpu.system) / n).toFixed(0)} µs`);
}
