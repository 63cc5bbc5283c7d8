import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/*
 * The published package as a user gets it: `npm pack`, installed from the registry's
 * dependencies into fresh projects. A cdk8s-only project on another cdk8s 2.x minor (the floor
 * of our peer range) without any @pulumi package compiles an app with the project's own
 * TypeScript settings (those of `cdk8s init typescript-app`) and synthesises it with
 * `cdk8s synth` and the policy plugin from the package; a second project with @pulumi/*
 * type-checks `ftekit/pulumi` with Node16 resolution (the exports map's `types`).
 * Needs the npm registry; slow (two installs), so it runs the build's lib/ as packed.
 */

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const CDK8S = path.join(ROOT, 'node_modules/.bin/cdk8s');
/** The floor of our cdk8s peer range: another minor than our own devDependency. */
const USER_CDK8S = '2.69.0';
const PEERS = [`cdk8s@${USER_CDK8S}`, 'constructs@^10.3.0', 'cdk8s-plus-28@^2.5.6'];
const ENV = { ...process.env, CDK8S_CHECK_UPGRADE: 'false', FORCE_COLOR: '0', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
const timings: Record<string, number> = {};

function timed<T>(name: string, f: () => T): T {
  const start = Date.now();
  try {
    return f();
  } finally {
    timings[name] = Date.now() - start;
  }
}

function run(cmd: string, args: string[], cwd: string): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: ENV, maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

function mustRun(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}) in ${cwd}:\n${r.out}`);
  return r.out;
}

/** The tsconfig `cdk8s init typescript-app` writes: CommonJS, so TypeScript's node10 resolution. */
const CDK8S_INIT_TSCONFIG = {
  compilerOptions: {
    alwaysStrict: true, declaration: true, experimentalDecorators: true, inlineSourceMap: true, inlineSources: true,
    lib: ['es2016'], module: 'CommonJS', noEmitOnError: true, noFallthroughCasesInSwitch: true, noImplicitAny: true,
    noImplicitReturns: true, noImplicitThis: true, noUnusedLocals: true, noUnusedParameters: true, resolveJsonModule: true,
    strict: true, strictNullChecks: true, strictPropertyInitialization: true, stripInternal: true, target: 'ES2017', types: [],
  },
  include: ['**/*.ts'],
  exclude: ['node_modules'],
};

const APP = `import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FteNamespace, FteSandbox, RuntimeClasses } from 'ftekit';
import { PolicyException } from 'ftekit/policy';
import type { EnvironmentSpec } from 'ftekit/environment';

const app = new App();
new RuntimeClasses(new Chart(app, 'runtimes'), 'RuntimeClasses');
const chart = new Chart(app, 'ftes', { namespace: 'digital-ftes' });
new FteNamespace(chart, 'Namespace');
const analyst = new FteSandbox(chart, 'research-analyst', {
  image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
  resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } },
});
export const spec: EnvironmentSpec | undefined = undefined;
export const exception: typeof PolicyException = PolicyException;
void analyst;
// VIOLATION
app.synth();
`;

const VIOLATION = `import { ApiObject } from 'cdk8s';
new ApiObject(chart, 'debugger', {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debugger' },
  spec: { containers: [{ name: 'debug', image: 'busybox:1.36', securityContext: { privileged: true } }] },
});`;

const CDK8S_YAML = `language: typescript
app: node main.js
output: dist
validations:
  - package: ./node_modules/ftekit/policy/cdk8s-plugin
    version: 0.1.0
    class: FtekitPolicyValidation
`;

let work: string;
let tarball: string;

beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'lib/index.js'))) throw new Error('lib/ is missing: run `npm run build` (npm test does) before this test');
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-package-'));
  const packed = timed('npm pack', () => JSON.parse(mustRun('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT)));
  tarball = path.join(work, packed[0].filename);
}, 120_000);

afterAll(() => {
  // eslint-disable-next-line no-console
  console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function project(name: string, packages: string[]): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', private: true }, null, 2));
  timed(`npm install (${name})`, () => mustRun('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...packages], dir));
  return dir;
}

describe('the packed package in a cdk8s-only project on another cdk8s minor', () => {
  let dir: string;
  beforeAll(() => {
    dir = project('cdk8s-user', PEERS);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(CDK8S_INIT_TSCONFIG, null, 2));
    fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), CDK8S_YAML);
  }, 600_000);

  test('ships lib/index.js, the plugin shim, LICENSE and README, and no lib/src or lib/app', () => {
    const pkg = path.join(dir, 'node_modules/ftekit');
    for (const f of ['lib/index.js', 'lib/index.d.ts', 'policy/cdk8s-plugin.js', 'LICENSE', 'README.md']) expect(fs.existsSync(path.join(pkg, f))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'lib/src'))).toBe(false);
    expect(fs.existsSync(path.join(pkg, 'lib/app'))).toBe(false);
    expect(fs.readFileSync(path.join(pkg, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  test('installs no second cdk8s, constructs or cdk8s-plus-28, and no @pulumi package', () => {
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/cdk8s/package.json'), 'utf8')).version).toBe(USER_CDK8S);
    for (const p of ['cdk8s', 'constructs', 'cdk8s-plus-28']) expect(fs.existsSync(path.join(dir, 'node_modules/ftekit/node_modules', p))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules/@pulumi'))).toBe(false);
    const resolved = mustRun('node', ['-p', "require.resolve('cdk8s', { paths: [require.resolve('ftekit')] })"], dir).trim();
    expect(resolved).toBe(path.join(dir, 'node_modules/cdk8s/lib/index.js'));
  });

  test('every subpath but ftekit/pulumi loads without @pulumi/*; deep lib/ paths are closed', () => {
    const out = mustRun('node', ['-e', `
      for (const p of ['ftekit', 'ftekit/policy', 'ftekit/policy/cdk8s-plugin', 'ftekit/environment', 'ftekit/package.json']) console.log(p, Object.keys(require(p)).length > 0);
      try { require('ftekit/lib/index.js'); console.log('deep open'); } catch (e) { console.log('deep', e.code); }
      try { require('ftekit/pulumi'); console.log('pulumi loaded'); } catch (e) { console.log('pulumi', e.code, /@pulumi/.test(e.message)); }
    `], dir);
    expect(out).toContain('ftekit/policy/cdk8s-plugin true');
    expect(out).toContain('ftekit/environment true');
    expect(out).toContain('deep ERR_PACKAGE_PATH_NOT_EXPORTED');
    expect(out).toContain('pulumi MODULE_NOT_FOUND true');
  });

  test('an app compiles with the cdk8s init tsconfig and `cdk8s synth` writes manifests through the policy gate', () => {
    fs.writeFileSync(path.join(dir, 'main.ts'), APP);
    timed('tsc (cdk8s-user)', () => mustRun('node', [TSC, '-p', '.'], dir));
    const r = timed('cdk8s synth (passing)', () => run(CDK8S, ['synth'], dir));
    expect(r.out).toContain('Validations ended succesfully');
    expect(r.out).toMatch(/Objects\s*│ \d+/);
    expect(r.out).toMatch(/Errors\s*│ 0/);
    expect(r.out).not.toMatch(/new version .* of cdk8s-cli/);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'dist')).sort()).toEqual(['ftes.k8s.yaml', 'runtimes.k8s.yaml']);
    expect(fs.readFileSync(path.join(dir, 'dist/ftes.k8s.yaml'), 'utf8')).toContain('runtimeClassName: gvisor');
  });

  test('a violating app fails synth with the rule in the report', () => {
    fs.writeFileSync(path.join(dir, 'main.ts'), APP.replace('// VIOLATION', VIOLATION.split('\n').slice(1).join('\n')).replace("import { App, Chart, Size } from 'cdk8s';", "import { ApiObject, App, Chart, Size } from 'cdk8s';"));
    mustRun('node', [TSC, '-p', '.'], dir);
    const r = timed('cdk8s synth (failing)', () => run(CDK8S, ['synth'], dir));
    expect(r.status).not.toBe(0);
    expect(r.out).toContain('Validation failed');
    expect(r.out).toContain('pss-privileged (error)');
    expect(fs.existsSync(path.join(dir, 'dist/construct-metadata.json'))).toBe(false);
  });
});

describe('the packed package in a Pulumi project', () => {
  test('ftekit/pulumi type-checks with @pulumi/* installed (Node16 resolution: the exports map)', () => {
    const dir = project('pulumi-user', [...PEERS, '@pulumi/pulumi@^3.142.0', '@pulumi/kubernetes@^4.34.0', '@types/node@^20']);
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'Node16', moduleResolution: 'Node16', strict: true, noEmit: true, types: ['node'] },
      include: ['index.ts'],
    }, null, 2));
    fs.writeFileSync(path.join(dir, 'index.ts'), `import * as pulumi from '@pulumi/pulumi';
import { FtekitEnvironment } from 'ftekit/pulumi';
import { loadEnvironment } from 'ftekit/environment';

const config = new pulumi.Config();
const environment = new FtekitEnvironment('dev', { spec: loadEnvironment('stacks/Pulumi.dev.yaml'), secretValues: { token: config.requireSecret('token') } });
export const namespace = environment.namespace;
`);
    for (const p of ['cdk8s', 'constructs', 'cdk8s-plus-28']) expect(fs.existsSync(path.join(dir, 'node_modules/ftekit/node_modules', p))).toBe(false);
    timed('tsc (pulumi-user)', () => mustRun('node', [TSC, '-p', '.'], dir));
  }, 900_000);
});
