// Parent side of a scenario: forks bench/scenario.ts, and for every run it reports reads what the
// fakes saw in that run's time window (bytes that reached Gemini, fal jobs, polls, storage uploads).
import { fork } from 'node:child_process';
import type { FalFake } from '../test/fakes/fal.js';
import type { GeminiFake } from '../test/fakes/gemini.js';
import { falJobCost, geminiCallOf, type GeminiCall } from './spend.js';
import { specOf, type ChildMessage, type DoneMessage, type ProbeMessage, type ProfileMessage, type RunMessage, type ScenarioName } from './protocol.js';

export interface Fakes {
  gemini: GeminiFake;
  fal: FalFake;
}

export interface RunResult extends Omit<RunMessage, 'type'> {
  /** decoded inlineData bytes the Gemini fake received */
  geminiBytes: number;
  geminiCalls: number;
  falJobs: number;
  falStatusPolls: number;
  /** bytes PUT to fal storage (REFERENCE uploads) */
  falUploadBytes: number;
  /** REFERENCE: first storage upload initiated → job submitted */
  falUploadMs: number;
  /** Etalase: the generator call split with the fal fake's log (ms) */
  falSplit: Record<string, number> | null;
  /** per job: result fetched − (submitted + job latency), summed over the run's jobs */
  pollLagMs: number;
  /** what each Gemini call asked for (model, image sizes, text, media_resolution): its token cost */
  geminiSent: GeminiCall[];
  /** what each fal job asked for, at list price */
  falSent: Array<ReturnType<typeof falJobCost>>;
}

export interface ScenarioResult {
  name: ScenarioName;
  runs: RunResult[];
  done: DoneMessage | null;
  probe: ProbeMessage | null;
  profile: ProfileMessage | null;
  geminiMaxInFlight: number;
  error: string | null;
}

function inWindow<T extends { at: number }>(list: T[], from: number, to: number) {
  return list.filter((r) => r.at >= from && r.at <= to);
}

function observe(message: RunMessage, { gemini, fal }: Fakes): RunResult {
  const { startEpoch: from, endEpoch: to } = message;
  const geminiRequests = inWindow(gemini.requests, from, to);
  const falRequests = inWindow(fal.requests, from, to);
  const jobs = fal.jobs.filter((j) => j.submittedAt >= from && j.submittedAt <= to);
  let pollLagMs = 0;
  for (const job of jobs) {
    const result = falRequests.find((r) => r.stage === 'result' && r.path.includes(job.id));
    if (result) pollLagMs += result.at - job.submittedAt - job.latencyMs;
  }
  const { type: _, ...run } = message;
  const observed: RunResult = {
    ...run,
    geminiBytes: geminiRequests.reduce((sum, r) => {
      const parts: any[] = r.body?.contents?.flatMap((c: any) => c?.parts ?? []) ?? [];
      return sum + parts.reduce((s, p) => s + (p?.inlineData?.data ? Buffer.from(p.inlineData.data, 'base64').byteLength : 0), 0);
    }, 0),
    geminiCalls: geminiRequests.length,
    geminiSent: geminiRequests.map(geminiCallOf),
    falSent: jobs.map(falJobCost),
    falJobs: jobs.length,
    falStatusPolls: falRequests.filter((r) => r.stage === 'status').length,
    falUploadBytes: falRequests.filter((r) => r.stage === 'upload').reduce((sum, r) => sum + r.bytes, 0),
    pollLagMs,
    falSplit: falSplit(message, falRequests, jobs),
    falUploadMs: (() => {
      const initiate = falRequests.find((r) => r.stage === 'initiate');
      const submit = falRequests.find((r) => r.stage === 'submit');
      return initiate && submit ? submit.at - initiate.at : 0;
    })(),
  };
  // The fakes keep every request (Gemini bodies hold the base64 photos): drop what has been read.
  for (const list of [gemini.requests, fal.requests] as Array<Array<{ at: number }>>) {
    const keep = list.filter((r) => r.at > to);
    list.length = 0;
    list.push(...keep);
  }
  return observed;
}

function falSplit(message: RunMessage, requests: FalFake['requests'], jobs: FalFake['jobs']): Record<string, number> | null {
  const g = message.generatorEpochs;
  const job = jobs[0];
  const submit = requests.find((r) => r.stage === 'submit');
  const result = job && requests.find((r) => r.stage === 'result' && r.path.includes(job.id));
  if (!g || !job || !submit || !result) return null;
  // REFERENCE copies are staged on fal storage while the vision call runs: only what is still
  // uploading once the adapter starts is on the path.
  const initiates = requests.filter((r) => r.stage === 'initiate');
  const lateInitiate = initiates.find((r) => r.at >= g.start);
  const staged = initiates.filter((r) => r.at < g.start).length;
  return {
    'adapter start → first fal request': (lateInitiate ?? submit).at - g.start,
    'storage uploads (initiate → submit)': lateInitiate ? submit.at - lateInitiate.at : 0,
    'references staged before the adapter started': staged,
    'job running (fake latency)': job.latencyMs,
    'poll lag (done → result fetched)': result.at - job.submittedAt - job.latencyMs,
    'result answer → adapter returns': g.end - result.at,
  };
}

export function runScenario(name: ScenarioName, fakes: Fakes, runs: number, onRun: (run: RunResult) => void): Promise<ScenarioResult> {
  fakes.gemini.reset();
  fakes.fal.reset();
  const falLatencyMs = specOf(name).falLatencyMs;
  if (falLatencyMs !== undefined) fakes.fal.script({ latencyMs: falLatencyMs });
  const result: ScenarioResult = { name, runs: [], done: null, probe: null, profile: null, geminiMaxInFlight: 0, error: null };
  const child = fork(new URL('./scenario.ts', import.meta.url), [name], {
    execArgv: [...process.execArgv, '--expose-gc'],
    env: { ...process.env, BENCH_RUNS: String(runs), BENCH_GEMINI_URL: fakes.gemini.url, BENCH_FAL_URL: fakes.fal.url },
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-4000)));
  child.on('message', (message: ChildMessage) => {
    if (message.type === 'done') result.done = message;
    else if (message.type === 'probe') result.probe = message;
    else if (message.type === 'profile') result.profile = message;
    else {
      const run = observe(message, fakes);
      result.runs.push(run);
      onRun(run);
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      result.geminiMaxInFlight = fakes.gemini.maxInFlight;
      if (code !== 0 || !result.done) result.error = `exited with ${signal ?? code}: ${stderr.trim().split('\n').slice(-8).join('\n')}`;
      resolve(result);
    });
  });
}
