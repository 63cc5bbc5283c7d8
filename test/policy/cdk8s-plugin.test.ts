import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FtekitPolicyValidation, FtekitPolicyValidationProps, writePolicyConstructMetadata } from '../../src/policy';
import { Chart, Testing } from 'cdk8s';
import { FteNamespace } from '../../src';
import { defaultDeny, podObject, templateOf } from '../support/policy-fixtures';

/*
 * The cdk8s validation plugin, through the real `cdk8s synth` CLI: a user's app with a
 * hand-written violating object and an escape-hatch patch fails synth with a readable
 * report; the repository's own stacks pass and leave only manifests in the output.
 */

const ROOT = path.resolve(__dirname, '../..');
const CDK8S = path.join(ROOT, 'node_modules/.bin/cdk8s');
const PLUGIN = path.join(ROOT, 'lib/policy/cdk8s-plugin.js');

beforeAll(() => {
  if (!fs.existsSync(PLUGIN)) throw new Error('lib/policy/cdk8s-plugin.js is missing: run `npm run build` (npm test does) before this test');
});

/** A user's project: cdk8s.yaml with the plugin, and an app using ftekit plus its own objects. */
function userProject(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-user-app-'));
  fs.writeFileSync(path.join(dir, 'cdk8s.yaml'), [
    'language: typescript',
    'app: node app.js',
    'output: dist',
    'validations:',
    `  - package: ${PLUGIN}`,
    '    version: 0.1.0',
    '    class: FtekitPolicyValidation',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'app.js'), `
const { ApiObject, App, Chart, JsonPatch, Size } = require(${JSON.stringify(path.join(ROOT, 'node_modules/cdk8s'))});
const { Cpu } = require(${JSON.stringify(path.join(ROOT, 'node_modules/cdk8s-plus-28'))});
const { FteNamespace, FteSandbox } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
const { PolicyException } = require(${JSON.stringify(path.join(ROOT, 'lib/policy'))});
const app = new App();
const chart = new Chart(app, 'ftes', { namespace: 'digital-ftes' });
new FteNamespace(chart, 'Namespace');
const analyst = new FteSandbox(chart, 'research-analyst', {
  image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
  resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) } },
});
${body}
app.synth();
`);
  return dir;
}

function synth(cwd: string): { status: number | null; out: string } {
  const r = spawnSync(CDK8S, ['synth'], { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0', CDK8S_CHECK_UPGRADE: 'false' } });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '') };
}

const HAND_WRITTEN = `
new ApiObject(chart, 'debugger', {
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debugger' },
  spec: { containers: [{ name: 'debug', image: 'busybox:1.36', securityContext: { privileged: true } }] },
});`;
const ESCAPE_HATCH = `ApiObject.of(analyst).addJsonPatch(JsonPatch.add('/spec/podTemplate/spec/hostNetwork', true));`;

describe('`cdk8s synth` with the policy plugin', () => {
  test('a violating hand-written object and an unsafe JSON patch make synth fail with rule, object, construct path and fix', () => {
    const { status, out } = synth(userProject(`${HAND_WRITTEN}\n${ESCAPE_HATCH}`));
    expect(status).not.toBe(0);
    expect(out).toContain('Validation failed');
    // The hand-written Pod: rule, object, construct path, location, fix.
    expect(out).toContain('pss-privileged (error)');
    expect(out).toContain('Construct Path: ftes/debugger');
    expect(out).toContain('> spec.containers[0].securityContext.privileged');
    expect(out).toContain('Recommendation: v1 Pod digital-ftes/debugger: container "debug" is privileged');
    expect(out).toContain('How to fix: Remove securityContext.privileged or set it to false.');
    // Its missing limits, runtime-free is fine (not an agent pod).
    expect(out).toContain('container-resources (error)');
    // The patched Sandbox: its name is shared with its ServiceAccount and Service, so cdk8s's
    // name-keyed metadata cannot tell its construct path (see the next test).
    expect(out).toContain('pss-host-namespaces (error)');
    expect(out).toContain('> spec.podTemplate.spec.hostNetwork');
    expect(out).toContain('agents.x-k8s.io/v1beta1 Sandbox digital-ftes/research-analyst: hostNetwork is true');
  });

  test('with writePolicyConstructMetadata, objects that share a name get their exact construct path, and the output holds manifests only', () => {
    const dir = userProject(ESCAPE_HATCH);
    const app = path.join(dir, 'app.js');
    fs.writeFileSync(app, fs.readFileSync(app, 'utf8').replace('app.synth();', `app.synth();
if (process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true') require(${JSON.stringify(path.join(ROOT, 'lib/policy'))}).writePolicyConstructMetadata([app], app.outdir);`));
    const { status, out } = synth(dir);
    expect(status).not.toBe(0);
    expect(out).toContain('Construct Path: ftes/research-analyst/Resource');
    expect(out).toContain('Resource Name: Sandbox digital-ftes/research-analyst');
    expect(fs.readdirSync(path.join(dir, 'dist'))).toEqual(['ftes.k8s.yaml']);
  });

  test('exceptions pass synth and are listed with their reasons; a reasonless one fails', () => {
    const excepted = userProject(`${ESCAPE_HATCH}
PolicyException.add(analyst, 'pss-host-namespaces', 'benchmark node, approved in SEC-7');`);
    const ok = synth(excepted);
    expect(ok.out).toContain('Validations ended succesfully');
    expect(ok.status).toBe(0);
    expect(ok.out).toMatch(/Excepted: pss-host-namespaces agents\.x-k8s\.io\/v1beta1 Sandbox digital-ftes\/research-analyst\s*│ benchmark node, approved in SEC-7/);
    // cdk8s's own construct-metadata.json (a plain App) is removed too.
    expect(fs.readdirSync(path.join(excepted, 'dist'))).toEqual(['ftes.k8s.yaml']);

    const reasonless = synth(userProject(`${ESCAPE_HATCH}
ApiObject.of(analyst).metadata.addAnnotation('policy.ftekit.dev/exception.pss-host-namespaces', '');`));
    expect(reasonless.status).not.toBe(0);
    expect(reasonless.out).toContain('policy-exception-invalid (error)');
    expect(reasonless.out).toContain('pss-host-namespaces (error)');
  });

  test("the repository's own `cdk8s synth` passes and leaves only manifests", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-own-synth-'));
    const r = spawnSync(CDK8S, ['synth', '--output', outdir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
    expect(r.stdout).toContain('Validations ended succesfully');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Errors\s*│ 0/);
    const files = fs.readdirSync(outdir, { recursive: true }).map(String).sort();
    expect(files).toEqual(['dev', 'dev/cluster.k8s.yaml', 'dev/ftes.k8s.yaml', 'prod', 'prod/cluster.k8s.yaml', 'prod/ftes.k8s.yaml', 'staging', 'staging/cluster.k8s.yaml', 'staging/ftes.k8s.yaml']);
  });
});

describe('FtekitPolicyValidation kubernetesVersion', () => {
  /** Runs the plugin on `objects` as one manifest, through a stand-in for cdk8s-cli's context. */
  async function validate(props: FtekitPolicyValidationProps, objects: unknown[]): Promise<string> {
    let status = '';
    await new FtekitPolicyValidation(props).validate({
      manifests: ['dist/ftes.k8s.yaml'],
      parseManifest: () => objects,
      report: { addViolation: () => undefined, submit: (s) => { status = s; } },
    });
    return status;
  }

  test('selects the Pod Security version (a 1.32 sysctl passes only with "1.32"); throws when the version is unknown', async () => {
    const pod = podObject('Deployment');
    templateOf(pod).spec.securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }];
    expect(await validate({}, [defaultDeny(), pod])).toBe('failure');
    expect(await validate({ kubernetesVersion: '1.32' }, [defaultDeny(), pod])).toBe('success');
    expect(() => new FtekitPolicyValidation({ kubernetesVersion: '1.27' })).toThrow('kubernetesVersion: "1.27" is not a supported Kubernetes version; expected 1.28 to 1.37');
  });
});

describe('FtekitPolicyValidation removes the construct metadata on every path', () => {
  /** An output folder with one manifest and the metadata an App with one FteNamespace records. */
  function outdirWithMetadata(ftekitWriter: boolean): { dir: string; file: string; metadata: Record<string, { path: string }> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-metadata-'));
    const app = Testing.app({ outdir: dir, recordConstructMetadata: !ftekitWriter });
    new FteNamespace(new Chart(app, 'ftes', { namespace: 'digital-ftes' }), 'Namespace');
    app.synth();
    if (ftekitWriter) writePolicyConstructMetadata([app], dir);
    const file = path.join(dir, 'construct-metadata.json');
    const resources = JSON.parse(fs.readFileSync(file, 'utf8')).resources as Record<string, { path: string }>;
    return { dir, file, metadata: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { path: v.path }])) };
  }

  function context(dir: string, metadata: Record<string, { path: string }>, submit: (s: string) => void = () => undefined) {
    return {
      manifests: [path.join(dir, 'ftes.k8s.yaml')],
      metadata,
      parseManifest: () => [defaultDeny()],
      report: { addViolation: () => undefined, submit },
    };
  }

  test.each([['ftekit\'s writer', true], ['a plain cdk8s App', false]])('when the gate passes (%s)', async (_name, ftekitWriter) => {
    const { dir, file, metadata } = outdirWithMetadata(ftekitWriter as boolean);
    let status = '';
    await new FtekitPolicyValidation().validate(context(dir, metadata, (s) => { status = s; }));
    expect(status).toBe('success');
    expect(fs.existsSync(file)).toBe(false);
  });

  test('when the gate fails', async () => {
    const { dir, file, metadata } = outdirWithMetadata(false);
    let status = '';
    const failing = { ...context(dir, metadata, (s) => { status = s; }), parseManifest: () => [podObject('Deployment')] };
    await new FtekitPolicyValidation().validate(failing);
    expect(status).toBe('failure');
    expect(fs.existsSync(file)).toBe(false);
  });

  test('when the validation throws', async () => {
    const { dir, file, metadata } = outdirWithMetadata(true);
    const throwing = { ...context(dir, metadata), parseManifest: () => [podObject('Deployment')], report: { addViolation: () => { throw new Error('report broke'); }, submit: () => undefined } };
    await expect(new FtekitPolicyValidation().validate(throwing)).rejects.toThrow('report broke');
    expect(fs.existsSync(file)).toBe(false);
  });

  test('keeps a construct-metadata.json whose entries are not the ones the report was built from', async () => {
    const { dir, file, metadata } = outdirWithMetadata(false);
    await new FtekitPolicyValidation().validate(context(dir, { ...metadata, 'another': { path: 'elsewhere' } }));
    expect(fs.existsSync(file)).toBe(true);
  });
});
