/**
 * `npm run bench`: synth cost of generated environments from 10 to 1,000 FTEs, against
 * floors measured in the same processes, plus `cdk8s synth` of the real stacks end to end.
 *
 *   node lib/bench/run.js [--sizes 10,100,1000] [--repeat 3] [--via ftekit|app-synth] [--pulumi-ftes 100] [--json FILE]
 *   node lib/bench/run.js --pulumi-live [--live-sizes 10,100] [--json FILE]
 *
 * `--via ftekit` (the default) times what `src/main.ts` does; `--via app-synth` times
 * cdk8s's own `app.synth()` on the same environments, for comparison. `--pulumi-ftes N`
 * sizes the Pulumi program run under runtime mocks (bench/pulumi-worker.ts); 0 skips it.
 * `--pulumi-live` instead runs a real `pulumi up` of each size against a live control plane
 * (bench/pulumi-live.ts), next to the same program under mocks.
 *
 * Every measurement runs in a fresh `node` process (bench/worker.ts), so wall time and
 * peak RSS belong to one size. Runs are interleaved (10, 100, 1000, 10, 100, ...) so a
 * burst of load elsewhere on the machine hits every size alike. Ratios are taken within
 * one process (ours / floor on the same objects) or one round (1,000 / 100), then the
 * median over repeats is reported: they hold on a noisy machine where absolute times don't.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { PulumiResult } from './pulumi-worker';
import type { SynthPath, WorkerResult } from './worker';

/** Full synth of 1,000 FTEs may cost at most this many times the yaml floor of its objects. */
export const MAX_SYNTH_OVER_YAML_FLOOR = 1.5;
/** 1,000 FTEs may cost at most this many times 100 FTEs. */
export const MAX_COST_1000_OVER_100 = 11;

/** A worker's result with the parent's view of the process. */
export interface Run extends WorkerResult {
  /** Spawn to exit of the worker process, ms. */
  readonly wallMs: number;
}

/** A Pulumi worker's result with the parent's view of the process. */
export interface PulumiRun extends PulumiResult {
  /** Spawn to exit of the worker process, ms. */
  readonly wallMs: number;
}

/** Median and minimum of repeated measurements. */
export interface Stat {
  readonly median: number;
  readonly min: number;
}

/** Everything one `npm run bench` measured. */
export interface BenchReport {
  /** The synth path timed. */
  readonly via: SynthPath;
  readonly sizes: number[];
  readonly repeat: number;
  /** Every run, per size, in run order. */
  readonly runs: Record<number, Run[]>;
  /** `cdk8s synth` wall times, ms, in run order. */
  readonly cdk8sSynthMs: number[];
  /** Pulumi program runs under mocks, in run order (none when skipped). */
  readonly pulumi: PulumiRun[];
}

const ROOT = path.resolve(__dirname, '../..');

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Median and minimum of `values` (at least one). */
export function stat(values: number[]): Stat {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0] };
}

function runWorker(ftes: number, via: SynthPath): Run {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(__dirname, 'worker.js'), '--ftes', String(ftes), '--via', via], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`worker for ${ftes} FTEs failed (exit ${child.status}):\n${child.stderr}`);
  return { ...(JSON.parse(child.stdout) as WorkerResult), wallMs };
}

function runPulumiWorker(ftes: number): PulumiRun {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(__dirname, 'pulumi-worker.js'), '--ftes', String(ftes)], { encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`Pulumi worker for ${ftes} FTEs failed (exit ${child.status}):\n${child.stderr}`);
  return { ...(JSON.parse(child.stdout) as PulumiResult), wallMs };
}

function runCdk8sSynth(): number {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-cdk8s-'));
  try {
    const start = process.hrtime.bigint();
    const child = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', outdir], { cwd: ROOT, encoding: 'utf8' });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (child.status !== 0) throw new Error(`cdk8s synth failed (exit ${child.status}):\n${child.stdout}${child.stderr}`);
    return ms;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Runs every measurement; `log` receives progress lines. */
export function runBench(sizes: number[], repeat: number, via: SynthPath, pulumiFtes: number, log: (line: string) => void): BenchReport {
  const runs: Record<number, Run[]> = {};
  for (const n of sizes) runs[n] = [];
  const cdk8sSynthMs: number[] = [];
  const pulumi: PulumiRun[] = [];
  for (let r = 1; r <= repeat; r++) {
    for (const n of sizes) {
      const run = runWorker(n, via);
      runs[n].push(run);
      log(`round ${r}/${repeat}: ${n} FTEs, ${run.objects} objects, synth ${run.synthMs.toFixed(0)} ms, wall ${run.wallMs.toFixed(0)} ms`);
    }
    cdk8sSynthMs.push(runCdk8sSynth());
    log(`round ${r}/${repeat}: cdk8s synth ${cdk8sSynthMs[cdk8sSynthMs.length - 1].toFixed(0)} ms`);
    if (pulumiFtes > 0) {
      const run = runPulumiWorker(pulumiFtes);
      pulumi.push(run);
      log(`round ${r}/${repeat}: Pulumi program, ${pulumiFtes} FTEs, ${run.registrations} registrations in ${run.registerMs.toFixed(0)} ms`);
    }
  }
  return { via, sizes, repeat, runs, cdk8sSynthMs, pulumi };
}

const fmt = (s: Stat, digits = 0): string => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)})`;

/** The report as Markdown: the table, the ratios and a PASS/MISS line per target. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const of = (n: number, f: (r: Run) => number): Stat => stat(report.runs[n].map(f));
  lines.push(`Synth path: ${report.via === 'ftekit' ? 'ftekit (src/main.ts: resolveCharts + writeManifests)' : "cdk8s app.synth()"}. Median (min) of ${report.repeat} run(s) per size, each in a fresh process. Times in ms.`);
  lines.push('');
  lines.push('| FTEs | objects | YAML MiB | build | resolve | serialise | full synth | yaml floor | JSON floor | synth / yaml floor | synth / JSON floor | serialise / yaml floor | process wall | peak RSS MiB |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const n of report.sizes) {
    const first = report.runs[n][0];
    lines.push(`| ${n} | ${first.objects} | ${(first.bytes / 2 ** 20).toFixed(1)} | ${[
      of(n, (r) => r.buildMs), of(n, (r) => r.resolveMs), of(n, (r) => r.serialiseMs), of(n, (r) => r.synthMs),
      of(n, (r) => r.yamlFloorMs), of(n, (r) => r.jsonFloorMs),
    ].map((s) => fmt(s)).join(' | ')} | ${[
      of(n, (r) => r.synthMs / r.yamlFloorMs), of(n, (r) => r.synthMs / r.jsonFloorMs), of(n, (r) => r.serialiseMs / r.yamlFloorMs),
    ].map((s) => fmt(s, 2)).join(' | ')} | ${fmt(of(n, (r) => r.wallMs))} | ${fmt(of(n, (r) => r.peakRssMiB))} |`);
  }
  lines.push('');
  const identical = report.sizes.every((n) => report.runs[n].every((r) => r.yamlFloorIdentical));
  lines.push(`yaml floor output byte-identical to synth output: ${identical ? 'yes' : 'NO'}`);
  lines.push(`cdk8s synth, all stacks end to end: ${fmt(stat(report.cdk8sSynthMs))} ms`);
  if (report.pulumi.length > 0) {
    const p = (f: (r: PulumiRun) => number): string => fmt(stat(report.pulumi.map(f)));
    lines.push(`Pulumi program under runtime mocks, ${report.pulumi[0].ftes} FTEs: ${report.pulumi[0].registrations} registrations, all resolved in ${p((r) => r.registerMs)} ms `
      + `(module load ${p((r) => r.loadMs)} ms, process wall ${p((r) => r.wallMs)} ms, peak RSS ${p((r) => r.peakRssMiB)} MiB)`);
  }

  const pairs = (a: number, b: number): Stat | undefined => (report.runs[a] && report.runs[b]
    ? stat(report.runs[a].map((r, i) => r.synthMs / report.runs[b][i].synthMs))
    : undefined);
  for (let i = 1; i < report.sizes.length; i++) {
    const [small, big] = [report.sizes[i - 1], report.sizes[i]];
    const p = pairs(big, small) as Stat;
    lines.push(`full synth ${big} / ${small} FTEs: ${fmt(p, 2)}x for ${(report.runs[big][0].objects / report.runs[small][0].objects).toFixed(2)}x the objects`);
  }

  lines.push('');
  lines.push('Targets:');
  if (report.runs[1000]) {
    const ratio = stat(report.runs[1000].map((r) => r.synthMs / r.yamlFloorMs));
    lines.push(`- ${ratio.median <= MAX_SYNTH_OVER_YAML_FLOOR ? 'PASS' : 'MISS'} full synth of 1000 FTEs within ${MAX_SYNTH_OVER_YAML_FLOOR}x the yaml floor: ${fmt(ratio, 2)}x`);
  } else {
    lines.push(`- n/a full synth of 1000 FTEs within ${MAX_SYNTH_OVER_YAML_FLOOR}x the yaml floor: 1000 not in --sizes`);
  }
  const cost = pairs(1000, 100);
  lines.push(cost
    ? `- ${cost.median <= MAX_COST_1000_OVER_100 ? 'PASS' : 'MISS'} 1000 FTEs cost at most ${MAX_COST_1000_OVER_100}x 100 FTEs: ${fmt(cost, 2)}x`
    : `- n/a 1000 FTEs cost at most ${MAX_COST_1000_OVER_100}x 100 FTEs: needs 100 and 1000 in --sizes`);
  const rss = report.sizes.map((n) => `${n}: ${stat(report.runs[n].map((r) => r.peakRssMiB)).median.toFixed(0)} MiB`).join(', ');
  lines.push(`- reported peak RSS: ${rss}`);
  return lines.join('\n');
}

async function mainLive(argv: string[]): Promise<void> {
  const sizes = (argValue(argv, '--live-sizes') ?? '10,100').split(',').map(Number);
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`ftekit bench --pulumi-live: Node ${process.version}, ${os.cpus().length} x ${cpu}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const { formatLive, runLive } = await import('./pulumi-live');
  const live = await runLive(sizes, (line) => process.stderr.write(`${line}\n`));
  const mocks = sizes.map((n) => runPulumiWorker(n));
  process.stdout.write(`\n${formatLive(live)}\n\nThe same program under runtime mocks (no engine, no cluster):\n\n| FTEs | registrations | registered in ms | process wall ms | peak RSS MiB |\n|---:|---:|---:|---:|---:|\n`);
  for (const m of mocks) process.stdout.write(`| ${m.ftes} | ${m.registrations} | ${m.registerMs.toFixed(0)} | ${m.wallMs.toFixed(0)} | ${m.peakRssMiB.toFixed(0)} |\n`);
  process.stdout.write(`load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const json = argValue(argv, '--json');
  if (json) fs.writeFileSync(json, `${JSON.stringify({ live, mocks }, null, 2)}\n`);
}

if (require.main === module && process.argv.includes('--pulumi-live')) {
  mainLive(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
} else if (require.main === module) {
  const argv = process.argv.slice(2);
  const sizes = [...new Set((argValue(argv, '--sizes') ?? '10,100,1000').split(',').map(Number))].sort((a, b) => a - b);
  const repeat = Number(argValue(argv, '--repeat') ?? '3');
  const via = argValue(argv, '--via') ?? 'ftekit';
  const pulumiFtes = Number(argValue(argv, '--pulumi-ftes') ?? '100');
  if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(repeat) || repeat < 1 || (via !== 'ftekit' && via !== 'app-synth') || !Number.isInteger(pulumiFtes) || pulumiFtes < 0) {
    process.stderr.write('usage: node lib/bench/run.js [--sizes 10,100,1000] [--repeat 3] [--via ftekit|app-synth] [--pulumi-ftes 100] [--json FILE]\n');
    process.exit(2);
  }
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`ftekit bench: Node ${process.version}, ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}\n`);
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  const report = runBench(sizes, repeat, via, pulumiFtes, (line) => process.stderr.write(`${line}\n`));
  process.stdout.write(`load average (1, 5, 15 min): ${loadBefore} at start, ${load()} at end\n`);
  process.stdout.write(`\n${formatReport(report)}\n`);
  const json = argValue(argv, '--json');
  if (json) fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
}
