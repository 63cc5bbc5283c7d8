import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Names, YamlOutputType } from 'cdk8s';
import * as YAML from 'yaml';
import { buildEnvironment } from '../environment/build';
import { ExampleClusterChart, ExampleFtesChart } from './example-environment';
import { writePolicyConstructMetadata } from '../policy/construct-metadata';
import { loadAllStackSpecs } from '../environment/stack-files';

/** Builds the single-namespace example app (the README's walkthrough environment). */
export function buildExampleApp(outdir = process.env.CDK8S_OUTDIR ?? 'dist'): App {
  const app = new App({ outdir });
  new ExampleClusterChart(app, 'cluster');
  new ExampleFtesChart(app, 'digital-ftes');
  return app;
}

/** One chart's resolved objects and the file `synthesizeApp` writes them to. */
export interface ChartManifest {
  /** Path of the YAML file: `<outdir>/<chart>.k8s.yaml`, as `App.synth()` names it. */
  readonly file: string;
  /** The chart's Kubernetes objects, in dependency order (`chart.toJson()`). */
  readonly objects: unknown[];
}

/** What cdk8s 2.70's `Yaml.stringify` passes to the `yaml` package, plus `directives: false`. */
const YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1', directives: false } as const;

/**
 * Whether `writeManifests` would write exactly what `app.synth()` writes: one file per
 * chart named after the chart, which holds unless charts are nested or depend on each other
 * (cdk8s then prefixes file names with an index) or construct metadata is recorded.
 * `recordsConstructMetadata` is what the App was given (cdk8s keeps it private); by default
 * cdk8s's own default, the `CDK8S_RECORD_CONSTRUCT_METADATA` environment variable.
 */
export function writesLikeAppSynth(app: App, recordsConstructMetadata = process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true'): boolean {
  if (app.yamlOutputType !== YamlOutputType.FILE_PER_CHART || recordsConstructMetadata) return false;
  return app.node.findAll().every((c) => {
    if (c === app) return true;
    if (Chart.isChart(c) && c.node.scope !== app) return false;
    return c.node.dependencies.every((dep) => Chart.of(dep) === Chart.of(c));
  });
}

/** Resolves every chart of `app`: validation, dependency order and objects (`chart.toJson()`). */
export function resolveCharts(app: App): ChartManifest[] {
  return app.charts.map((chart) => ({
    file: path.join(app.outdir, `${Names.toDnsLabel(chart)}${app.outputFileExtension}`),
    objects: chart.toJson(),
  }));
}

/**
 * Writes each manifest as multi-document YAML, byte for byte what cdk8s's `Yaml.save`
 * writes. It calls the `yaml` package directly with `directives: false`: we never emit
 * directives, and without it `yaml` walks every document looking for tags to declare,
 * about a tenth of the serialisation time.
 */
export function writeManifests(manifests: ChartManifest[]): void {
  for (const m of manifests) {
    fs.mkdirSync(path.dirname(m.file), { recursive: true });
    fs.writeFileSync(m.file, m.objects.map((o) => (o === undefined ? '\n' : YAML.stringify(o, YAML_OPTIONS))).join('---\n'), { encoding: 'utf8' });
  }
}

/**
 * `app.synth()`, faster: the same files with the same bytes (see {@link writeManifests}).
 * Falls back to `app.synth()` where the output would differ (see {@link writesLikeAppSynth}).
 * Pass `recordsConstructMetadata` when the App was created with an explicit
 * `recordConstructMetadata`.
 */
export function synthesizeApp(app: App, options: { readonly recordsConstructMetadata?: boolean } = {}): void {
  if (!writesLikeAppSynth(app, options.recordsConstructMetadata)) {
    app.synth();
    return;
  }
  fs.mkdirSync(app.outdir, { recursive: true });
  writeManifests(resolveCharts(app));
}

/**
 * Synthesises every stack in `stacksDir` (`Pulumi.<env>.yaml`) to `<outdir>/<env>/`:
 * `cluster.k8s.yaml` (cluster-scoped objects) and `ftes.k8s.yaml` (the namespace's).
 * Every spec is validated before anything is written.
 */
export function synthesizeStacks(stacksDir: string, outdir: string): string[] {
  const specs = loadAllStackSpecs(stacksDir);
  // Under `cdk8s synth` with validations, the construct paths of every stack go to one
  // <outdir>/construct-metadata.json for the policy report (which then removes it), not
  // one per <env>/ folder.
  const recordMetadata = process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
  const apps = specs.map((spec) => {
    const app = new App({ outdir: path.join(outdir, spec.name), recordConstructMetadata: false });
    buildEnvironment(app, spec);
    return app;
  });
  apps.forEach((app) => synthesizeApp(app, { recordsConstructMetadata: false }));
  if (recordMetadata) writePolicyConstructMetadata(apps, outdir);
  return specs.map((s) => s.name);
}

if (require.main === module) {
  try {
    const root = path.resolve(__dirname, '../..');
    synthesizeStacks(path.join(root, 'stacks'), process.env.CDK8S_OUTDIR ?? path.join(root, 'dist'));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  }
}
