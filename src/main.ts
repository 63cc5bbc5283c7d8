import { App } from 'cdk8s';
import { ExampleClusterChart, ExampleFtesChart } from './charts/example-environment';

/** Builds the example app; `main` synthesises it to `outdir`. */
export function buildExampleApp(outdir = process.env.CDK8S_OUTDIR ?? 'dist'): App {
  const app = new App({ outdir });
  new ExampleClusterChart(app, 'cluster');
  new ExampleFtesChart(app, 'digital-ftes');
  return app;
}

if (require.main === module) {
  buildExampleApp().synth();
}
