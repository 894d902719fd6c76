// Medians, goals, the stdout table and bench/results/latest.json.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { RunResult, ScenarioResult } from './harness.js';
import { COUNT, LATENCY, SCENARIOS, specOf, type ScenarioName } from './protocol.js';
import { PHOTO, PHOTOS_PER_RUN } from './photos.js';
import { callTokens } from './spend.js';

/** Issue 21's goals, as ratios to what the fakes alone take: one Gemini call, one fal job and one
 *  review call (the reviews run at once, so one call's latency). The issue's TEXT_TO_IMAGE floor had
 *  no review; every image is now reviewed (REVIEWER=gemini, the default with a key), in both modes,
 *  so its floor counts the review call too: a floor the design leaves out would be a goal no run meets. */
const FLOOR_GOAL = 1.05;
const BYTES_GOAL = 0.15;
/** Gemini input tokens per batch, every call included (the review too), ÷ the original design's */
const SPEND_GOAL = 1.0;
/** the models a run's Gemini calls are also priced at: the original design's, and Etalase's default */
const PRICED_AT = ['gemini-2.5-flash-lite', 'gemini-3.5-flash-lite'] as const;
/** what the fakes alone cost, with zero overhead anywhere */
const FLOOR = {
  baselineMs: PHOTOS_PER_RUN * LATENCY.describeMs + COUNT * LATENCY.generateMs,
  etalaseMs: LATENCY.describeMs + LATENCY.generateMs,
  TEXT_TO_IMAGE: LATENCY.describeMs + LATENCY.generateMs + LATENCY.describeMs,
  REFERENCE: LATENCY.describeMs + LATENCY.generateMs + LATENCY.describeMs,
};

/** the sharp profile's step that runs before the vision call (bench/sharp-profile.ts) */
export const INSPECT_ALL = 'inspect(), 6 photos at once: before the reserve (median of 3)';

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function summarise(result: ScenarioResult) {
  const measured = result.runs.filter((r) => !r.warmup);
  const warmup = result.runs.find((r) => r.warmup);
  const med = (f: (r: RunResult) => number) => round(median(measured.map(f)));
  const phaseNames = Object.keys(measured[0]?.phases ?? {});
  const falNames = Object.keys(measured[0]?.falSplit ?? {});
  return {
    label: SCENARIOS[result.name].label,
    judged: SCENARIOS[result.name].judged,
    error: result.error,
    medianMs: med((r) => r.ms),
    minMs: round(Math.min(...measured.map((r) => r.ms))),
    maxMs: round(Math.max(...measured.map((r) => r.ms))),
    runsMs: measured.map((r) => round(r.ms)),
    warmupMs: warmup ? round(warmup.ms) : null,
    phasesMedianMs: Object.fromEntries(phaseNames.map((p) => [p, med((r) => r.phases[p] ?? NaN)])),
    ...(falNames.length ? { generateSplitMedianMs: Object.fromEntries(falNames.map((p) => [p, med((r) => r.falSplit?.[p] ?? NaN)])) } : {}),
    geminiCallsPerRun: med((r) => r.geminiCalls),
    geminiMaxInFlight: result.geminiMaxInFlight,
    falJobsPerRun: med((r) => r.falJobs),
    falStatusPollsPerRun: med((r) => r.falStatusPolls),
    pollLagMsPerRun: med((r) => r.pollLagMs),
    falUploadMsPerRun: med((r) => r.falUploadMs),
    bytes: {
      uploadedPerRun: med((r) => r.uploadedBytes),
      sentToGeminiPerRun: med((r) => r.geminiBytes),
      geminiRatio: round(sum(measured.map((r) => r.geminiBytes)) / sum(measured.map((r) => r.uploadedBytes)), 4),
      sentToFalStoragePerRun: med((r) => r.falUploadBytes),
    },
    spend: spendOf(measured, med),
    memoryMb: {
      idleRss: result.done?.idleRssMb ?? null,
      peakRssDuringRuns: Math.max(...measured.map((r) => r.memory.rssMb)),
      rssGrowthDuringRun: Math.max(...measured.map((r) => r.memory.rssGrowthMb)),
      peakHeapUsedDuringRuns: Math.max(...measured.map((r) => r.memory.heapUsedMb)),
      peakExternalDuringRuns: Math.max(...measured.map((r) => r.memory.externalMb)),
      processMaxRss: result.done?.maxRssMb ?? null,
    },
    sharpConcurrency: result.done?.sharpConcurrency ?? null,
    ...(result.probe
      ? { bodyLimitProbe: { photos: `6 × ${round(result.probe.photoBytes / 6 / 1e6, 2)} MB`, accepted: result.probe.accepted, answer: result.probe.answer } }
      : {}),
    ...(result.profile ? { sharpProfileMs: result.profile.steps } : {}),
  };
}
export type Summary = ReturnType<typeof summarise>;

/** Median per run: Gemini input tokens as sent and as if every call had gone to each PRICED_AT model
 *  (same images, same media_resolution), and fal's list price for the images asked for. */
function spendOf(runs: RunResult[], med: (f: (r: RunResult) => number) => number) {
  const tokens = (r: RunResult, model?: string) => r.geminiSent.reduce((sum, c) => {
    const t = callTokens(c, model);
    return sum + t.image + t.text;
  }, 0);
  const imageTokens = (r: RunResult) => r.geminiSent.reduce((sum, c) => sum + callTokens(c).image, 0);
  return {
    geminiModels: [...new Set(runs.flatMap((r) => r.geminiSent.map((c) => c.model)))],
    geminiInputTokens: med((r) => tokens(r)),
    geminiImageTokens: med(imageTokens),
    geminiInputTokensAt: Object.fromEntries(PRICED_AT.map((m) => [m, med((r) => tokens(r, m))])),
    falImages: med((r) => r.falSent.reduce((sum, j) => sum + j.images, 0)),
    falMegapixels: round(median(runs.map((r) => r.falSent.reduce((sum, j) => sum + j.megapixels, 0))), 2),
    falUsd: round(median(runs.map((r) => r.falSent.reduce((sum, j) => sum + (j.usd ?? NaN), 0))), 4),
  };
}

export function goals(s: Partial<Record<ScenarioName, Summary>>) {
  const base = s.baseline?.medianMs ?? NaN;
  const list: Array<{ id: string; goal: string; target: number; value: number; actual: string; pass: boolean }> = [];
  for (const [name, mode] of [['etalase-reference', 'REFERENCE'], ['etalase-text', 'TEXT_TO_IMAGE']] as const) {
    const ms = s[name]?.medianMs ?? NaN;
    const ratio = round(ms / FLOOR[mode], 2);
    const floor = 'one Gemini call + one fal job + one review call';
    list.push({ id: `floor-${mode}`, goal: `${mode}: median ≤ ${FLOOR_GOAL} × (${floor}) = ${Math.round(FLOOR_GOAL * FLOOR[mode])} ms`, target: FLOOR_GOAL, value: ratio, actual: `${ms} ms, ${ratio}×`, pass: ratio <= FLOOR_GOAL });
    // What no scheduling can hide on this machine: the six uploads are decoded before the vision call
    // can be made (sharp alone, measured in this run), on top of the vendors' floor.
    const decodeMs = s['etalase-reference']?.sharpProfileMs?.[INSPECT_ALL];
    if (decodeMs !== undefined) {
      const cpuFloor = FLOOR[mode] + decodeMs;
      const cpuRatio = round(ms / cpuFloor, 2);
      list.push({ id: `cpu-floor-${mode}`, goal: `${mode}: vs (${floor} + decoding the six uploads, ${decodeMs} ms here) (information)`, target: FLOOR_GOAL, value: cpuRatio, actual: `${cpuFloor} ms, ${cpuRatio}×`, pass: cpuRatio <= FLOOR_GOAL });
    }
    const speedup = round(base / ms, 2);
    list.push({ id: `speedup-${mode}`, goal: `${mode}: faster than the baseline (information)`, target: 1, value: speedup, actual: `${speedup}×`, pass: speedup >= 1 });
  }
  const ratios = [s['etalase-reference'], s['etalase-text']].map((x) => x?.bytes.geminiRatio ?? NaN);
  const worst = Math.max(...ratios);
  list.push({
    id: 'gemini-bytes',
    goal: `bytes sent to Gemini ≤ ${BYTES_GOAL * 100}% of bytes uploaded`,
    target: BYTES_GOAL,
    value: worst,
    actual: `${round(worst * 100, 2)}%`,
    pass: worst <= BYTES_GOAL,
  });
  // Spend: every Gemini call of a batch (the vision call or descriptions and the PromptWriter, the
  // review or output screening), against the original design's calls priced at the same model.
  for (const model of PRICED_AT) {
    const original = s.baseline?.spend.geminiInputTokensAt[model] ?? NaN;
    const worstRatio = Math.max(...[s['etalase-reference'], s['etalase-text']].map((x) => (x?.spend.geminiInputTokensAt[model] ?? NaN) / original));
    list.push({
      id: `spend-${model}`,
      goal: `Gemini input tokens per batch, review included, ≤ ${SPEND_GOAL} × the original design's, both priced at ${model}`,
      target: SPEND_GOAL,
      value: round(worstRatio, 3),
      actual: `${round(worstRatio, 3)}×`,
      pass: worstRatio <= SPEND_GOAL,
    });
  }
  return list;
}

const pad = (v: unknown, n: number, left = false) => (left ? String(v).padStart(n) : String(v).padEnd(n));

export function printTable(s: Partial<Record<ScenarioName, Summary>>, goalList: ReturnType<typeof goals>) {
  const base = s.baseline?.medianMs ?? NaN;
  const out: string[] = [];
  out.push('', `${pad('scenario', 48)}${pad('median', 8, true)}${pad('min', 8, true)}${pad('max', 8, true)}${pad('warm-up', 9, true)}${pad('vs base', 9, true)}${pad('→Gemini', 9, true)}${pad('RSS peak/idle', 17, true)}${pad('peak heap', 11, true)}`);
  for (const [name, x] of Object.entries(s) as Array<[ScenarioName, Summary]>) {
    if (x.error) {
      out.push(`${pad(x.label, 48)}  FAILED: ${x.error.split('\n')[0]}`);
      continue;
    }
    const speed = name === 'baseline' ? '1.00×' : `${(base / x.medianMs).toFixed(2)}×`;
    out.push(
      `${pad(x.label, 48)}${pad(x.medianMs, 8, true)}${pad(x.minMs, 8, true)}${pad(x.maxMs, 8, true)}${pad(x.warmupMs ?? '-', 9, true)}${pad(speed, 9, true)}` +
        `${pad(`${(x.bytes.geminiRatio * 100).toFixed(1)}%`, 9, true)}${pad(`${Math.round(x.memoryMb.peakRssDuringRuns)}/${Math.round(x.memoryMb.idleRss ?? NaN)} MB`, 17, true)}${pad(`${x.memoryMb.peakHeapUsedDuringRuns} MB`, 11, true)}`,
    );
  }
  out.push(
    '(ms; median/min/max of the measured runs; →Gemini = image bytes the Gemini fake decoded ÷ bytes uploaded;',
    ' RSS peak = the scenario process during the measured runs, idle = after start-up, before the warm-up run)',
  );
  for (const [name, x] of Object.entries(s) as Array<[ScenarioName, Summary]>) {
    if (x.error) continue;
    const fal = specOf(name).falLatencyMs ?? LATENCY.generateMs;
    out.push('', `${x.label} — where the median run went (ms; fal job ${fal} ms, Gemini call ${LATENCY.describeMs} ms):`);
    for (const [phase, ms] of Object.entries(x.phasesMedianMs)) {
      out.push(`  ${pad(phase, 46)}${pad(ms, 7, true)}`);
      if (phase.startsWith('generate') && x.generateSplitMedianMs) {
        for (const [part, partMs] of Object.entries(x.generateSplitMedianMs)) out.push(`    ${pad(part, 44)}${pad(partMs, 7, true)}`);
      }
    }
    out.push(
      `  Gemini calls ${x.geminiCallsPerRun} (max ${x.geminiMaxInFlight} in flight), fal jobs ${x.falJobsPerRun}, status polls ${x.falStatusPollsPerRun}, ` +
        `poll lag ${x.pollLagMsPerRun} ms` +
        (x.bytes.sentToFalStoragePerRun ? `, fal storage ${(x.bytes.sentToFalStoragePerRun / 1e6).toFixed(2)} MB in ${x.falUploadMsPerRun} ms` : '') +
        (name === 'baseline' ? '' : `, sharp concurrency ${x.sharpConcurrency}`),
      `  Spend: Gemini (${x.spend.geminiModels.join(', ')}) ${x.spend.geminiInputTokens} input tokens as sent (${x.spend.geminiImageTokens} for images); ` +
        `priced at ${Object.entries(x.spend.geminiInputTokensAt).map(([m, t]) => `${m} ${t}`).join(', ')}; ` +
        `fal ${x.spend.falImages} images, ${x.spend.falMegapixels} MP, $${x.spend.falUsd}`,
    );
  }
  const profile = s['etalase-reference']?.sharpProfileMs;
  if (profile) {
    out.push('', 'sharp alone on the 12 MP photos (src/media/prepare.ts settings), ms:');
    for (const [step, ms] of Object.entries(profile)) out.push(`  ${pad(step, 56)}${pad(ms, 6, true)}`);
  }
  const probe = s['etalase-reference']?.bodyLimitProbe;
  if (probe) out.push('', `Body-size probe, ${probe.photos} in one request: ${probe.accepted ? 'accepted' : `REJECTED (${probe.answer})`}`);
  out.push('', `Floors with zero overhead: baseline ${FLOOR.baselineMs} ms, Etalase TEXT_TO_IMAGE ${FLOOR.TEXT_TO_IMAGE} ms, REFERENCE ${FLOOR.REFERENCE} ms`, '');
  for (const g of goalList) out.push(`${g.pass ? 'PASS' : 'MISS'}  ${pad(g.goal, 52)} actual ${g.actual}`);
  console.log(out.join('\n'));
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export async function writeJson(
  file: string,
  s: Partial<Record<ScenarioName, Summary>>,
  goalList: ReturnType<typeof goals>,
  extra: { runs: number; loadavgStart: number[]; durationS: number },
) {
  const cpus = os.cpus();
  const json = {
    date: new Date().toISOString(),
    commit: gitCommit(),
    machine: {
      node: process.version,
      platform: `${os.platform()} ${os.release()} ${os.arch()}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? null,
      memoryGb: round(os.totalmem() / 1024 ** 3, 1),
      uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
      // 1/5/15-minute load averages: on a shared machine, read the times with these in mind
      loadavgStart: extra.loadavgStart.map((l) => round(l, 2)).join(' '),
      loadavgEnd: os.loadavg().map((l) => round(l, 2)).join(' '),
    },
    setup: {
      describeLatencyMs: LATENCY.describeMs,
      generateLatencyMs: LATENCY.generateMs,
      photos: `${PHOTOS_PER_RUN} × ${PHOTO.width}×${PHOTO.height} JPEG (4 products + face + background), new seeds every run`,
      count: COUNT,
      measuredRuns: extra.runs,
      warmupRuns: 1,
      floorMs: FLOOR,
      floorGoal: FLOOR_GOAL,
      bestPossibleRatio: round(FLOOR.baselineMs / FLOOR.etalaseMs, 2),
      durationS: round(extra.durationS),
    },
    goals: goalList,
    scenarios: s,
  };
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
}
