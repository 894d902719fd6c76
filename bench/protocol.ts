// What the parent (run.ts / harness.ts) and the scenario child processes (scenario.ts) agree on.

export const LATENCY = { describeMs: 800, generateMs: 1500 } as const;
export const COUNT = 4;

export interface ScenarioSpec {
  label: string;
  /** counted in the goals (the others are diagnostics) */
  judged: boolean;
  mode?: 'REFERENCE' | 'TEXT_TO_IMAGE';
  /** fal job latency for this scenario only */
  falLatencyMs?: number;
  /** 'local': no PromptWriter call, the composer writes the prompt */
  promptWriter?: 'local';
  /** every run sends the warm-up's photos again: the descriptions come from the cache */
  repeatPhotos?: boolean;
  /** GEMINI_MEDIA_RESOLUTION: the products' level (faces, backgrounds and outputs are read at low/medium) */
  mediaResolution?: 'low' | 'medium' | 'high';
  /** 'local': the review's measured layer alone, no Gemini review call (what the model review adds) */
  reviewer?: 'local';
}

export const SCENARIOS = {
  baseline: { label: 'Baseline: sequential SDK calls', judged: true },
  'etalase-reference': { label: 'Etalase REFERENCE', judged: true, mode: 'REFERENCE' },
  'etalase-text': { label: 'Etalase TEXT_TO_IMAGE', judged: true, mode: 'TEXT_TO_IMAGE' },
  'etalase-text-composer': { label: 'diag: TEXT_TO_IMAGE, composer only (no PromptWriter)', judged: false, mode: 'TEXT_TO_IMAGE', promptWriter: 'local' },
  'etalase-text-low-res': { label: 'diag: TEXT_TO_IMAGE, products at GEMINI_MEDIA_RESOLUTION=low', judged: false, mode: 'TEXT_TO_IMAGE', mediaResolution: 'low' },
  'etalase-reference-high-res': { label: 'diag: REFERENCE, products at GEMINI_MEDIA_RESOLUTION=high', judged: false, mode: 'REFERENCE', mediaResolution: 'high' },
  'etalase-text-repeat': { label: 'diag: TEXT_TO_IMAGE, the same six photos again', judged: false, mode: 'TEXT_TO_IMAGE', repeatPhotos: true },
  'etalase-reference-measured-review': { label: 'diag: REFERENCE, measured review only (REVIEWER=local)', judged: false, mode: 'REFERENCE', reviewer: 'local' },
  'etalase-reference-fal1600': { label: 'diag: REFERENCE, fal job 1600 ms', judged: false, mode: 'REFERENCE', falLatencyMs: 1600 },
} satisfies Record<string, ScenarioSpec>;
export type ScenarioName = keyof typeof SCENARIOS;
export const specOf = (name: ScenarioName): ScenarioSpec => SCENARIOS[name];

export interface MemoryPeaks {
  rssMb: number;
  /** peak RSS minus RSS when the run started */
  rssGrowthMb: number;
  heapUsedMb: number;
  /** Buffers and other memory outside the V8 heap that V8 knows of */
  externalMb: number;
}

/** one measured request (Etalase) or one sequential pass (baseline), as the child saw it */
export interface RunMessage {
  type: 'run';
  run: number;
  warmup: boolean;
  ms: number;
  startEpoch: number;
  endEpoch: number;
  /** bytes of the six files as uploaded (multipart parts / what the baseline read) */
  uploadedBytes: number;
  /** where the time went, ms; names depend on the scenario */
  phases: Record<string, number>;
  /** Etalase: when the generator call started and returned (epoch ms), to split it with the fal fake's log */
  generatorEpochs?: { start: number; end: number };
  memory: MemoryPeaks;
}

export interface DoneMessage {
  type: 'done';
  idleRssMb: number;
  maxRssMb: number;
  sharpConcurrency: number | null;
}

/** one request with six of noisy()'s 5.9 MB photos, which Yoga's default 25 MB body limit refuses */
export interface ProbeMessage {
  type: 'probe';
  photoBytes: number;
  accepted: boolean;
  answer: string;
}

/** sharp alone on the run photos, after the runs (REFERENCE scenario only), ms */
export interface ProfileMessage {
  type: 'profile';
  steps: Record<string, number>;
}

export type ChildMessage = RunMessage | DoneMessage | ProbeMessage | ProfileMessage;
