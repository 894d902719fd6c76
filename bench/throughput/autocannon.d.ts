// The few fields of autocannon's result the bench reads (the package ships no types).
declare module 'autocannon' {
  interface Histogram { average: number; p50: number; p99: number; total: number }
  interface Result { requests: Histogram; latency: Histogram; non2xx: number; errors: number; timeouts: number }
  export default function autocannon(options: Record<string, unknown>): Promise<Result>;
}
