/**
 * `npm run bench`: synth cost of generated environments from 10 to 1,000 FTEs, against
 * floors measured in the same processes, plus `cdk8s synth` of the real stacks end to end.
 * `npm run bench -- --check`: `ftekit-check` on large multi-document files instead.
 *
 *   node build/bench/run.js [--sizes 10,100,1000] [--repeat 3] [--via ftekit|app-synth] [--pulumi-ftes 100] [--json FILE]
 *   node build/bench/run.js --check [--check-sizes 50,200] [--repeat 3] [--floor-max-mb 50] [--check-ftes 1000] [--json FILE]
 *   node build/bench/run.js --pulumi-live [--live-sizes 10,100] [--json FILE]
 *
 * `--via ftekit` (the default) times what `src/app/synth.ts` does; `--via app-synth` times
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
import { CheckInput, environmentDocuments, writeCheckInput } from './check-input';
import type { CheckResult } from './check-worker';
import type { PulumiResult } from './pulumi-worker';
import type { SynthPath, WorkerResult } from './worker';

/** Full synth of 1,000 FTEs may cost at most this many times the yaml floor of its objects. */
export const MAX_SYNTH_OVER_YAML_FLOOR = 1.5;
/** 1,000 FTEs may cost at most this many times 100 FTEs. */
export const MAX_COST_1000_OVER_100 = 11;

/** ftekit-check on 50 MB must read at least this many MB (10^6 bytes) per second... */
export const MIN_CHECK_MB_PER_S = 10;
/** ...within this peak RSS... */
export const MAX_CHECK_RSS_MIB = 400;
/** ...and within this many times what the yaml package alone needs to read the same file. */
export const MAX_CHECK_OVER_YAML_FLOOR = 2;
/** The size the three targets above are about, MB. */
export const CHECK_TARGET_MB = 50;
/** This size must complete, MB. */
export const CHECK_COMPLETE_MB = 200;

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
    const child = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', outdir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
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

/** A check worker's result with the parent's view of the process (undefined result: it failed). */
export interface CheckRun {
  readonly result?: CheckResult;
  /** Spawn to exit, ms. */
  readonly wallMs: number;
  /** Why the process failed (exit code and last stderr line), when it did. */
  readonly failure?: string;
}

/** Everything one `npm run bench -- --check` measured. */
export interface CheckBenchReport {
  readonly repeat: number;
  /** FTEs of the environment each namespace holds a copy of. */
  readonly ftes: number;
  /** Input sizes asked for, MB, ascending; `inputs` in the same order. */
  readonly sizesMB: number[];
  readonly inputs: CheckInput[];
  /** Floors are run only up to this size, MB (the yaml package needs about 36 MiB per MB). */
  readonly floorMaxMB: number;
  /** Per input size (MB): the check runs and the floor runs, in run order. */
  readonly runs: Record<number, { check: CheckRun[]; floor: CheckRun[] }>;
}

function runCheckWorker(mode: 'check' | 'yaml-floor', file: string): CheckRun {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [path.join(__dirname, 'check-worker.js'), '--mode', mode, '--file', file], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) {
    const last = (child.stderr ?? '').trim().split('\n').filter((l) => /error|heap|memory/i.test(l)).slice(-1)[0] ?? '';
    return { wallMs, failure: `exit ${child.status ?? child.signal}${last ? `: ${last.trim()}` : ''}` };
  }
  return { result: JSON.parse(child.stdout) as CheckResult, wallMs };
}

/** Generates one input per size, then times check and floor on each, interleaved, `repeat` times. */
export function runCheckBench(sizesMB: number[], repeat: number, floorMaxMB: number, log: (line: string) => void, ftes = 1000): CheckBenchReport {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-check-'));
  try {
    const docs = environmentDocuments(ftes);
    const inputs = sizesMB.map((mb) => writeCheckInput(path.join(dir, `manifests-${mb}mb.yaml`), mb, docs));
    for (const i of inputs) log(`input ${path.basename(i.file)}: ${(i.bytes / 1e6).toFixed(1)} MB, ${i.objects} objects in ${i.copies} namespaces`);
    const runs: CheckBenchReport['runs'] = {};
    for (const mb of sizesMB) runs[mb] = { check: [], floor: [] };
    for (let r = 1; r <= repeat; r++) {
      inputs.forEach((input, k) => {
        const mb = sizesMB[k];
        const check = runCheckWorker('check', input.file);
        runs[mb].check.push(check);
        log(`round ${r}/${repeat}: ${mb} MB check ${check.result ? `${check.result.ms.toFixed(0)} ms, ${check.result.peakRssMiB.toFixed(0)} MiB` : check.failure}`);
        if (mb <= floorMaxMB) {
          const floor = runCheckWorker('yaml-floor', input.file);
          runs[mb].floor.push(floor);
          log(`round ${r}/${repeat}: ${mb} MB yaml floor ${floor.result ? `${floor.result.ms.toFixed(0)} ms, ${floor.result.peakRssMiB.toFixed(0)} MiB` : floor.failure}`);
        }
      });
    }
    return { repeat, ftes, sizesMB, inputs, floorMaxMB, runs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (s: Stat, digits = 0): string => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)})`;

/** The check report as Markdown: the table and a PASS/MISS line per target. */
export function formatCheckReport(report: CheckBenchReport): string {
  const lines: string[] = [];
  lines.push(`ftekit-check --json on multi-document YAML of the ${report.ftes.toLocaleString('en-US')}-FTE environment, one copy per namespace. Median (min) of ${report.repeat} run(s) per size, each in a fresh process; times in ms, MB = 10^6 bytes.`);
  lines.push('');
  lines.push('| input MB | objects | check | check MB/s | check CPU ms | MB per CPU s | check peak RSS MiB | yaml floor | floor CPU ms | floor peak RSS MiB | check / floor | exit |');
  lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const ok = (runs: CheckRun[]): CheckResult[] => runs.flatMap((r) => (r.result ? [r.result] : []));
  report.inputs.forEach((input, k) => {
    const mb = report.sizesMB[k];
    const { check, floor } = report.runs[mb];
    const c = ok(check);
    const f = ok(floor);
    const failed = check.find((r) => r.failure)?.failure;
    const paired = check.flatMap((r, i) => (r.result && floor[i]?.result ? [r.result.ms / (floor[i].result as CheckResult).ms] : []));
    const floorCell = mb > report.floorMaxMB ? 'not run' : f.length ? fmt(stat(f.map((r) => r.ms))) : `failed: ${floor[0]?.failure ?? '?'}`;
    const cells = c.length
      ? [fmt(stat(c.map((r) => r.ms))), fmt(stat(c.map((r) => r.bytes / 1e6 / (r.ms / 1000))), 1), fmt(stat(c.map((r) => r.cpuMs))), fmt(stat(c.map((r) => r.bytes / 1e6 / (r.cpuMs / 1000))), 1), fmt(stat(c.map((r) => r.peakRssMiB)))]
      : [`failed: ${failed}`, '-', '-', '-', '-'];
    const floorCells = [floorCell, f.length ? fmt(stat(f.map((r) => r.cpuMs))) : '-', f.length ? fmt(stat(f.map((r) => r.peakRssMiB))) : '-'];
    lines.push(`| ${(input.bytes / 1e6).toFixed(1)} | ${input.objects} | ${[...cells, ...floorCells].join(' | ')} | ${paired.length ? fmt(stat(paired), 2) : '-'} | ${[...new Set(c.map((r) => r.exitCode))].join(', ') || '-'} |`);
  });
  lines.push('');
  const counted = (mb: number): boolean => report.runs[mb].check.every((r) => r.result && r.result.objects === report.inputs[report.sizesMB.indexOf(mb)].objects && r.result.exitCode === 0);
  lines.push(`every object checked and passed, every run: ${report.sizesMB.every(counted) ? 'yes' : 'NO'}`);
  lines.push('');
  lines.push('Targets:');
  const target = report.runs[CHECK_TARGET_MB];
  const results = target ? ok(target.check) : [];
  if (results.length) {
    const speed = stat(results.map((r) => r.bytes / 1e6 / (r.ms / 1000)));
    const rss = stat(results.map((r) => r.peakRssMiB));
    lines.push(`- ${speed.median >= MIN_CHECK_MB_PER_S ? 'PASS' : 'MISS'} ${CHECK_TARGET_MB} MB checked at >= ${MIN_CHECK_MB_PER_S} MB/s: ${fmt(speed, 1)} MB/s`);
    lines.push(`- ${rss.median <= MAX_CHECK_RSS_MIB ? 'PASS' : 'MISS'} ${CHECK_TARGET_MB} MB within ${MAX_CHECK_RSS_MIB} MiB peak RSS: ${fmt(rss)} MiB`);
    const paired = target.check.flatMap((r, i) => (r.result && target.floor[i]?.result ? [r.result.ms / (target.floor[i].result as CheckResult).ms] : []));
    lines.push(paired.length
      ? `- ${stat(paired).median <= MAX_CHECK_OVER_YAML_FLOOR ? 'PASS' : 'MISS'} ${CHECK_TARGET_MB} MB within ${MAX_CHECK_OVER_YAML_FLOOR}x the yaml floor: ${fmt(stat(paired), 2)}x`
      : `- n/a ${CHECK_TARGET_MB} MB within ${MAX_CHECK_OVER_YAML_FLOOR}x the yaml floor: no floor measured`);
  } else {
    lines.push(`- n/a the ${CHECK_TARGET_MB} MB targets: ${CHECK_TARGET_MB} not in --check-sizes`);
  }
  const big = report.runs[CHECK_COMPLETE_MB];
  lines.push(big
    ? `- ${counted(CHECK_COMPLETE_MB) ? 'PASS' : 'MISS'} ${CHECK_COMPLETE_MB} MB completes: ${big.check.map((r) => (r.result ? `${r.result.objects} objects, exit ${r.result.exitCode}` : r.failure)).join('; ')}`
    : `- n/a ${CHECK_COMPLETE_MB} MB completes: ${CHECK_COMPLETE_MB} not in --check-sizes`);
  return lines.join('\n');
}

/** The report as Markdown: the table, the ratios and a PASS/MISS line per target. */
export function formatReport(report: BenchReport): string {
  const lines: string[] = [];
  const of = (n: number, f: (r: Run) => number): Stat => stat(report.runs[n].map(f));
  lines.push(`Synth path: ${report.via === 'ftekit' ? 'ftekit (src/app/synth.ts: resolveCharts + writeManifests)' : "cdk8s app.synth()"}. Median (min) of ${report.repeat} run(s) per size, each in a fresh process. Times in ms.`);
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

/** `--cluster`: the live-control-plane benchmark (bench/cluster.ts) instead of the synth one. */
async function clusterMain(argv: string[]): Promise<void> {
  const { formatClusterBench, runClusterBench } = await import('./cluster');
  const ftes = Number(argValue(argv, '--cluster-ftes') ?? '1000');
  const claims = Number(argValue(argv, '--claims') ?? '100');
  const shared = process.env.FTEKIT_SHARED_DIR ?? path.resolve(ROOT, '../shared');
  if (!Number.isInteger(ftes) || ftes < 10 || !Number.isInteger(claims) || claims < 1) {
    process.stderr.write('usage: node build/bench/run.js --cluster [--cluster-ftes 1000] [--claims 100] [--json FILE]\n');
    process.exit(2);
  }
  if (!fs.existsSync(path.join(shared, 'crds'))) {
    process.stderr.write(`--cluster needs the CRDs in ${path.join(shared, 'crds')} (set FTEKIT_SHARED_DIR)\n`);
    process.exit(2);
  }
  const result = await runClusterBench({ ftes, claims, crdDir: path.join(shared, 'crds'), log: (l) => process.stderr.write(`${l}\n`) });
  process.stdout.write(`${formatClusterBench(result)}\n`);
  const json = argValue(argv, '--json');
  if (json) fs.writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
}

function mainCheck(argv: string[]): void {
  const sizes = [...new Set((argValue(argv, '--check-sizes') ?? `${CHECK_TARGET_MB},${CHECK_COMPLETE_MB}`).split(',').map(Number))].sort((a, b) => a - b);
  const repeat = Number(argValue(argv, '--repeat') ?? '3');
  const floorMax = Number(argValue(argv, '--floor-max-mb') ?? String(CHECK_TARGET_MB));
  const ftes = Number(argValue(argv, '--check-ftes') ?? '1000');
  if (sizes.some((n) => !(n > 0)) || !Number.isInteger(repeat) || repeat < 1 || !(floorMax >= 0) || !Number.isInteger(ftes) || ftes < 1) {
    process.stderr.write('usage: node build/bench/run.js --check [--check-sizes 50,200] [--repeat 3] [--floor-max-mb 50] [--check-ftes 1000] [--json FILE]\n');
    process.exit(2);
  }
  const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const loadBefore = load();
  const report = runCheckBench(sizes, repeat, floorMax, (line) => process.stderr.write(`${line}\n`), ftes);
  process.stdout.write(`load average (1, 5, 15 min): ${loadBefore} at start, ${load()} at end\n`);
  process.stdout.write(`\n${formatCheckReport(report)}\n`);
  const json = argValue(argv, '--json');
  if (json) fs.writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
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

if (require.main === module && process.argv.includes('--cluster')) {
  clusterMain(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
} else if (require.main === module && process.argv.includes('--check')) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  process.stdout.write(`ftekit bench --check: Node ${process.version}, ${os.cpus().length} x ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}\n`);
  mainCheck(process.argv.slice(2));
} else if (require.main === module && process.argv.includes('--pulumi-live')) {
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
    process.stderr.write('usage: node build/bench/run.js [--sizes 10,100,1000] [--repeat 3] [--via ftekit|app-synth] [--pulumi-ftes 100] [--json FILE]\n');
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
