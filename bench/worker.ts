/**
 * One benchmark measurement, in a fresh process: synthesise a generated environment of N
 * FTEs the way `src/main.ts` does, then serialise the same objects with the floors.
 * Prints one JSON line ({@link WorkerResult}) on stdout.
 *
 *   node lib/bench/worker.js --ftes 1000 [--outdir DIR]
 *
 * Run it under `node --cpu-prof` to profile one size.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { buildBenchEnvironment } from './generate';

/** What one worker measured. Times are milliseconds. */
export interface WorkerResult {
  /** FTEs generated. */
  readonly ftes: number;
  /** Kubernetes objects written. */
  readonly objects: number;
  /** Bytes of YAML written. */
  readonly bytes: number;
  /** Process start until the benchmark code runs (Node start-up and module loading). */
  readonly startupMs: number;
  /** `new App()` plus every construct of the environment. */
  readonly buildMs: number;
  /** The part of `app.synth()` before serialisation: validation, dependencies, `chart.toJson()`. */
  readonly resolveMs: number;
  /** The serialisation part of `app.synth()`: YAML text of every chart, written to the outdir. */
  readonly serialiseMs: number;
  /** `build + resolve + serialise`: the full synth of the environment. */
  readonly synthMs: number;
  /** Floor: the same objects, `yaml` package `stringify` per document joined by `---`, written. */
  readonly yamlFloorMs: number;
  /** Floor: the same objects, `JSON.stringify` per chart, written. */
  readonly jsonFloorMs: number;
  /** Whether the floor's YAML text is byte-identical to what synth wrote. */
  readonly yamlFloorIdentical: boolean;
  /** Peak resident set size of this process, MiB. */
  readonly peakRssMiB: number;
}

/** Options cdk8s's `Yaml.stringify` passes to the `yaml` package (cdk8s 2.70). */
const CDK8S_YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Runs one measurement of `ftes` FTEs, writing into `outdir` (`synth/`, `yaml/`, `json/`). */
export function measure(ftes: number, outdir: string): WorkerResult {
  const startupMs = performance.now();

  // Time the serialisation step of App.synth() from the inside: it hands each chart's
  // resolved objects to Yaml.save (stringify, then write). Everything else in synth() is
  // resolution. The objects are kept for the floors.
  const files: Array<{ file: string; docs: unknown[] }> = [];
  let serialiseNs = 0n;
  const save = Yaml.save;
  Yaml.save = (file: string, docs: unknown[]): void => {
    const t = process.hrtime.bigint();
    save.call(Yaml, file, docs);
    serialiseNs += process.hrtime.bigint() - t;
    files.push({ file, docs });
  };

  let t = process.hrtime.bigint();
  const app = new App({ outdir: path.join(outdir, 'synth') });
  buildBenchEnvironment(app, ftes);
  const buildMs = ms(t);
  t = process.hrtime.bigint();
  app.synth();
  const synthCallMs = ms(t);
  Yaml.save = save;
  const serialiseMs = Number(serialiseNs) / 1e6;

  // Floors on the very same objects, each written as synth writes.
  fs.mkdirSync(path.join(outdir, 'yaml'), { recursive: true });
  fs.mkdirSync(path.join(outdir, 'json'), { recursive: true });
  const yamlTexts: string[] = [];
  t = process.hrtime.bigint();
  for (const { file, docs } of files) {
    const text = docs.map((d) => YAML.stringify(d, CDK8S_YAML_OPTIONS)).join('---\n');
    fs.writeFileSync(path.join(outdir, 'yaml', path.basename(file)), text);
    yamlTexts.push(text);
  }
  const yamlFloorMs = ms(t);
  t = process.hrtime.bigint();
  for (const { file, docs } of files) {
    fs.writeFileSync(path.join(outdir, 'json', path.basename(file)), JSON.stringify(docs));
  }
  const jsonFloorMs = ms(t);

  const written = files.map(({ file }) => fs.readFileSync(file, 'utf8'));
  const result: WorkerResult = {
    ftes,
    objects: files.reduce((n, f) => n + f.docs.length, 0),
    bytes: written.reduce((n, s) => n + Buffer.byteLength(s), 0),
    startupMs,
    buildMs,
    resolveMs: synthCallMs - serialiseMs,
    serialiseMs,
    synthMs: buildMs + synthCallMs,
    yamlFloorMs,
    jsonFloorMs,
    yamlFloorIdentical: written.every((s, i) => s === yamlTexts[i]),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  return result;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const ftes = Number(argValue(argv, '--ftes') ?? '100');
  const keep = argValue(argv, '--outdir');
  const outdir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-'));
  fs.mkdirSync(outdir, { recursive: true });
  try {
    process.stdout.write(`${JSON.stringify(measure(ftes, outdir))}\n`);
  } finally {
    if (keep === undefined) fs.rmSync(outdir, { recursive: true, force: true });
  }
}
