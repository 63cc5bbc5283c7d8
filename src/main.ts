import * as path from 'path';
import { App } from 'cdk8s';
import { buildEnvironment } from './charts/environment';
import { ExampleClusterChart, ExampleFtesChart } from './charts/example-environment';
import { writePolicyConstructMetadata } from './policy/construct-metadata';
import { loadAllStackSpecs } from './spec/stack-files';

/** Builds the single-namespace example app (the README's walkthrough environment). */
export function buildExampleApp(outdir = process.env.CDK8S_OUTDIR ?? 'dist'): App {
  const app = new App({ outdir });
  new ExampleClusterChart(app, 'cluster');
  new ExampleFtesChart(app, 'digital-ftes');
  return app;
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
  apps.forEach((app) => app.synth());
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
