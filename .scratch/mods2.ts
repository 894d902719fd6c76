const mb = (n: number) => (n / 1048576).toFixed(0);
const show = (what: string) => { (globalThis as any).gc?.(); const m = process.memoryUsage(); console.log(what.padEnd(40), 'rss', mb(m.rss), 'heap', mb(m.heapUsed), 'ext', mb(m.external), 'ab', mb(m.arrayBuffers)); };
show('start');
for (const m of ['graphql-yoga', '../src/config.ts', '../src/schema/index.ts', '../src/http/graphiql.ts', '../src/web/serve.ts', '../src/observability/index.ts', '../src/adapters/wiring.ts', '../src/services.ts', '../src/app.ts']) {
  await import(m); show(m);
}
