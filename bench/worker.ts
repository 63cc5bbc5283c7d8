/**
 * One benchmark measurement, in a fresh process: synthesise a generated environment of N
 * FTEs the way `src/app/synth.ts` does (or with cdk8s's `app.synth()`: `--via app-synth`), then
 * serialise the same objects with the floors. Prints one JSON line ({@link WorkerResult}).
 *
 *   node build/bench/worker.js --ftes 1000 [--via ftekit|app-synth] [--outdir DIR]
 *
 * Run it under `node --cpu-prof` to profile one size.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { App, Yaml } from 'cdk8s';
import type * as YAML from 'yaml';
import { ChartManifest, resolveCharts, writeManifests } from '../src/app/synth';
import { buildBenchEnvironment } from './generate';

/** What one worker measured. Times are milliseconds. */
export interface WorkerResult {
  /** FTEs generated. */
  readonly ftes: number;
  /** The synth path timed. */
  readonly via: SynthPath;
  /** Kubernetes objects written. */
  readonly objects: number;
  /** Bytes of YAML written. */
  readonly bytes: number;
  /** Process start until the benchmark code runs (Node start-up and module loading). */
  readonly startupMs: number;
  /** `new App()` plus every construct of the environment. */
  readonly buildMs: number;
  /** Synth before serialisation: validation, dependency order, `chart.toJson()` of every chart. */
  readonly resolveMs: number;
  /** YAML text of every chart, written to the outdir. */
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

/**
 * A fresh instance of the `yaml` package (its modules reloaded). The floor runs on it so
 * that it starts as cold as synth did: synth's own serialisation may have warmed up (JIT
 * compiled) the instance it used, which would make the floor look cheaper than it is.
 */
function freshYamlPackage(): typeof YAML {
  const root = path.dirname(require.resolve('yaml/package.json'));
  for (const id of Object.keys(require.cache)) {
    if (id.startsWith(`${root}${path.sep}`)) delete require.cache[id];
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml') as typeof YAML;
}

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** Which synth path to time. */
export type SynthPath = 'ftekit' | 'app-synth';

/** Synth of an app: the time spent serialising and the manifests it wrote. */
interface Synthesised {
  readonly serialiseMs: number;
  readonly manifests: ChartManifest[];
}

/** What `src/app/synth.ts` does for each stack: resolve every chart, then write it. */
function synthFtekit(app: App): Synthesised {
  const manifests = resolveCharts(app);
  const t = process.hrtime.bigint();
  writeManifests(manifests);
  return { serialiseMs: ms(t), manifests };
}

/**
 * cdk8s's own `app.synth()`, for comparison. Its serialisation step is timed from the
 * inside: it hands each chart's resolved objects to `Yaml.save` (stringify, then write);
 * everything else in `synth()` is resolution.
 */
function synthCdk8s(app: App): Synthesised {
  const manifests: ChartManifest[] = [];
  let serialiseNs = 0n;
  const save = Yaml.save;
  Yaml.save = (file: string, docs: unknown[]): void => {
    const t = process.hrtime.bigint();
    save.call(Yaml, file, docs);
    serialiseNs += process.hrtime.bigint() - t;
    manifests.push({ file, objects: docs });
  };
  try {
    app.synth();
  } finally {
    Yaml.save = save;
  }
  return { serialiseMs: Number(serialiseNs) / 1e6, manifests };
}

/**
 * Runs one measurement of `ftes` FTEs through `via`, writing into `outdir` (`synth/`,
 * `yaml/`, `json/`).
 */
export function measure(ftes: number, outdir: string, via: SynthPath = 'ftekit'): WorkerResult {
  const startupMs = performance.now();

  let t = process.hrtime.bigint();
  const app = new App({ outdir: path.join(outdir, 'synth') });
  buildBenchEnvironment(app, ftes);
  const buildMs = ms(t);
  t = process.hrtime.bigint();
  const { serialiseMs, manifests } = via === 'ftekit' ? synthFtekit(app) : synthCdk8s(app);
  const synthCallMs = ms(t);

  // Floors on the very same objects, each written as synth writes.
  fs.mkdirSync(path.join(outdir, 'yaml'), { recursive: true });
  fs.mkdirSync(path.join(outdir, 'json'), { recursive: true });
  const yamlTexts: string[] = [];
  const floorYaml = freshYamlPackage();
  t = process.hrtime.bigint();
  for (const { file, objects } of manifests) {
    const text = objects.map((o) => floorYaml.stringify(o, CDK8S_YAML_OPTIONS)).join('---\n');
    fs.writeFileSync(path.join(outdir, 'yaml', path.basename(file)), text);
    yamlTexts.push(text);
  }
  const yamlFloorMs = ms(t);
  t = process.hrtime.bigint();
  for (const { file, objects } of manifests) {
    fs.writeFileSync(path.join(outdir, 'json', path.basename(file)), JSON.stringify(objects));
  }
  const jsonFloorMs = ms(t);

  const written = manifests.map(({ file }) => fs.readFileSync(file, 'utf8'));
  return {
    ftes,
    via,
    objects: manifests.reduce((n, m) => n + m.objects.length, 0),
    bytes: written.reduce((n, text) => n + Buffer.byteLength(text), 0),
    startupMs,
    buildMs,
    resolveMs: synthCallMs - serialiseMs,
    serialiseMs,
    synthMs: buildMs + synthCallMs,
    yamlFloorMs,
    jsonFloorMs,
    yamlFloorIdentical: written.every((text, i) => text === yamlTexts[i]),
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const ftes = Number(argValue(argv, '--ftes') ?? '100');
  const keep = argValue(argv, '--outdir');
  const outdir = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-'));
  fs.mkdirSync(outdir, { recursive: true });
  try {
    const via = argValue(argv, '--via') ?? 'ftekit';
    if (via !== 'ftekit' && via !== 'app-synth') throw new Error(`--via ${via}: expected ftekit or app-synth`);
    process.stdout.write(`${JSON.stringify(measure(ftes, outdir, via))}\n`);
  } finally {
    if (keep === undefined) fs.rmSync(outdir, { recursive: true, force: true });
  }
}
