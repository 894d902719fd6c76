// The load generator, in its own process so it does not share the server's event loop:
// `tsx bench/throughput/load.ts '<json options>'` prints autocannon's result as JSON.
import autocannon from 'autocannon';

const options = JSON.parse(process.argv[2]!);
if (options.bodyFile) {
  const { readFileSync } = await import('node:fs');
  options.body = readFileSync(options.bodyFile);
  delete options.bodyFile;
}
const result = await autocannon({ ...options, json: true });
process.stdout.write("\nRESULT " + JSON.stringify({
  requests: result.requests.average,
  latencyP50: result.latency.p50,
  latencyP99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  total: result.requests.total,
}));
