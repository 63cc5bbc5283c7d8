import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, YamlOutputType } from 'cdk8s';
import { buildEnvironment } from '../../src/environment/build';
import { buildExampleApp, synthesizeApp, writesLikeAppSynth } from '../../src/app/synth';
import { loadAllStackSpecs } from '../../src/environment/stack-files';

const STACKS = path.resolve(__dirname, '../..', 'stacks');

/** Every file under `dir`, relative path to content. */
function readTree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      files[path.relative(dir, file)] = fs.readFileSync(file, 'utf8');
    }
  }
  return files;
}

/** Writes the app `make(outdir)` builds with `synthesizeApp` and with `app.synth()`; returns both trees. */
function bothWays(make: (outdir: string) => App): { ours: Record<string, string>; cdk8s: Record<string, string> } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-main-'));
  try {
    synthesizeApp(make(path.join(tmp, 'ours')));
    make(path.join(tmp, 'cdk8s')).synth();
    return { ours: readTree(path.join(tmp, 'ours')), cdk8s: readTree(path.join(tmp, 'cdk8s')) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

describe('synthesizeApp', () => {
  test('writes the same files, byte for byte, as app.synth() for every stack and the example', () => {
    for (const spec of loadAllStackSpecs(STACKS)) {
      const { ours, cdk8s } = bothWays((outdir) => {
        const app = new App({ outdir });
        buildEnvironment(app, spec);
        expect(writesLikeAppSynth(app)).toBe(true);
        return app;
      });
      expect(Object.keys(ours).sort()).toEqual(['cluster.k8s.yaml', 'ftes.k8s.yaml']);
      expect(ours).toEqual(cdk8s);
    }
    const { ours, cdk8s } = bothWays((outdir) => buildExampleApp(outdir));
    expect(Object.keys(ours).length).toBe(2);
    expect(ours).toEqual(cdk8s);
  });

  test('falls back to app.synth() where cdk8s would name files differently', () => {
    const nested = (outdir: string): App => {
      const app = new App({ outdir });
      new ApiObject(new Chart(new Chart(app, 'outer'), 'inner'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' });
      return app;
    };
    const dependent = (outdir: string): App => {
      const app = new App({ outdir });
      const a = new ApiObject(new Chart(app, 'a'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' });
      a.addDependency(new ApiObject(new Chart(app, 'b'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' }));
      return app;
    };
    const perResource = (outdir: string): App => {
      const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
      new ApiObject(new Chart(app, 'a'), 'cm', { apiVersion: 'v1', kind: 'ConfigMap' });
      return app;
    };
    for (const make of [nested, dependent, perResource]) {
      expect(writesLikeAppSynth(make('unused'))).toBe(false);
      const { ours, cdk8s } = bothWays(make);
      expect(ours).toEqual(cdk8s);
    }
    expect(Object.keys(bothWays(dependent).ours).sort()).toEqual(['0000-b.k8s.yaml', '0001-a.k8s.yaml']);
  });
});
