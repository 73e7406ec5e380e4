/**
 * The benchmark harness: each benchmark measures its subject and a baseline in the same
 * run, on the same data, and reports the figure beside the baseline, as a line for people
 * and a JSON line for machines. Targets live here, never in timed tests.
 */
export interface BenchResult {
  readonly bench: string;
  /** What one operation processes, e.g. `participants`. */
  readonly unit: string;
  readonly value: number;
  readonly baseline: { readonly name: string; readonly value: number };
  /** How many times costlier than the baseline (time per item ÷ baseline time per item). */
  readonly ratio: number;
  /**
   * The target: by default the highest acceptable ratio; `at-least` the lowest acceptable
   * ratio (throughput against a baseline); `value-at-most` a ceiling on the value itself
   * (a latency), the baseline then only for context.
   */
  readonly target: number;
  readonly targetOn?: 'ratio-at-most' | 'at-least' | 'value-at-most';
  /** False when the value is a quantity (bytes kept), not a rate: printed without `/s`. */
  readonly perSecond?: boolean;
  readonly pass: boolean;
  readonly extra?: Readonly<Record<string, number | string>>;
}

export interface Timing {
  /** Median seconds per call. */
  readonly secondsPerCall: number;
  readonly samples: number;
}

/** `global.gc` when the process runs with `--expose-gc` (`npm run bench` does). */
const collect = (globalThis as { gc?: () => void }).gc;

/**
 * Runs `fn` repeatedly for about `budgetMs`, after a warm-up, and returns the median time per
 * call. Each measurement starts from a collected heap, so that neither side pays for the
 * garbage the other (or an earlier benchmark of the run) left behind.
 */
export function time(fn: () => unknown, budgetMs = 1500): Timing {
  collect?.();
  const warmUntil = performance.now() + budgetMs / 4;
  while (performance.now() < warmUntil) fn();
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 5) {
    const start = performance.now();
    fn();
    samples.push((performance.now() - start) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { secondsPerCall: samples[Math.floor(samples.length / 2)] ?? 0, samples: samples.length };
}

/** Alternates subject and baseline measurements and keeps the median of each, so drift hits both. */
export function compare(
  subject: () => unknown,
  baseline: () => unknown,
  rounds = 3,
  budgetMs = 600,
): { subject: number; baseline: number } {
  const s: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    s.push(time(subject, budgetMs).secondsPerCall);
    b.push(time(baseline, budgetMs).secondsPerCall);
  }
  const median = (values: number[]) =>
    [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
  return { subject: median(s), baseline: median(b) };
}

const fmt = (n: number): string =>
  n.toLocaleString('en-US', { maximumFractionDigits: n < 10 ? 2 : 0 });

export function report(result: BenchResult): void {
  const verdict = result.pass ? 'PASS' : 'FAIL';
  if (result.targetOn === 'value-at-most') {
    console.log(
      `${verdict}  ${result.bench}: ${fmt(result.value)} ${result.unit} (target ≤ ${result.target})` +
        `  | baseline ${result.baseline.name}: ${fmt(result.baseline.value)} ${result.unit}`,
    );
  } else {
    const target = result.targetOn === 'at-least' ? `≥ ${result.target}×` : `≤ ${result.target}×`;
    const unit = result.perSecond === false ? result.unit : `${result.unit}/s`;
    console.log(
      `${verdict}  ${result.bench}: ${fmt(result.value)} ${unit}` +
        `  | baseline ${result.baseline.name}: ${fmt(result.baseline.value)} ${unit}` +
        `  | ratio ${result.ratio.toFixed(2)}× (target ${target})`,
    );
  }
  console.log(JSON.stringify(result));
}

/** Runs `task` from `workers` concurrent loops until `total` are done. */
export async function inParallel(
  total: number,
  workers: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let i = next++; i < total; i = next++) await task(i);
    }),
  );
}

/** Tasks per second: `total` tasks run by `workers` concurrent loops. */
export async function throughput(
  total: number,
  workers: number,
  task: (i: number) => Promise<unknown>,
): Promise<number> {
  const started = performance.now();
  await inParallel(total, workers, task);
  return total / ((performance.now() - started) / 1000);
}
