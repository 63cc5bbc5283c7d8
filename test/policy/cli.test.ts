import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { stringify } from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { loadAllStackSpecs } from '../../src/environment/stack-files';
import { PolicyEvaluator } from '../../src/policy';
import { runCheck } from '../../src/policy/cli';
import { defaultDeny, NS, podObject, templateOf } from '../support/policy-fixtures';

/* `npm run check` / `ftekit-check`: the compiled CLI, spawned on files. */

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'lib/policy/cli.js');

beforeAll(() => {
  if (!fs.existsSync(CLI)) throw new Error('lib/policy/cli.js is missing: run `npm run build` (npm test does) before this test');
});

function check(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function tmp(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-check-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const yamlDocs = (...objs: unknown[]): string => objs.map((o) => stringify(o)).join('---\n');

describe('ftekit-check', () => {
  test('a clean set in YAML and JSON (object, array, List), across nested folders: exit 0', () => {
    const dir = tmp({
      'ns/policy.yaml': yamlDocs(defaultDeny()),
      'apps/deploy.json': JSON.stringify(podObject('Deployment')),
      'apps/more/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [podObject('Job', undefined, 'job')] }),
      'apps/array.json': JSON.stringify([podObject('CronJob', undefined, 'cron')]),
      'apps/multi.yml': `---\n${yamlDocs(podObject('StatefulSet', undefined, 'sts'), podObject('Pod', undefined, 'pod'))}\n---\n`,
      '.hidden/bad.yaml': 'not: [valid',
      'README.md': '# not a manifest',
    });
    const r = check(dir);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ftekit policy: PASSED: 0 errors, 0 warnings, 0 excepted findings in 6 objects');
    expect(r.status).toBe(0);
  });

  test('YAML is read as Kubernetes reads it (1.1, with merge keys): a privileged field cannot hide in <<', () => {
    const dir = tmp({
      'policy.yaml': yamlDocs(defaultDeny()),
      'pod.yaml': `apiVersion: v1
kind: Pod
metadata: { name: sneaky, namespace: ${NS} }
spec:
  securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
  containers:
    - name: app
      image: ghcr.io/acme/app:1.0.0
      resources: { requests: { cpu: 100m, memory: 64Mi }, limits: { cpu: 100m, memory: 64Mi } }
      securityContext:
        <<: { privileged: true }
        allowPrivilegeEscalation: false
        capabilities: { drop: [ALL] }
`,
    });
    const r = check(dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[pss-privileged] v1 Pod agents/sneaky');
  });

  test('violations: exit 1, with rule ids, objects and files', () => {
    const bad = podObject('Deployment');
    templateOf(bad).spec.containers[0].image = 'nginx:latest';
    templateOf(bad).spec.hostPID = true;
    const dir = tmp({ 'policy.yaml': yamlDocs(defaultDeny()), 'bad.yaml': yamlDocs(bad) });
    const r = check(path.join(dir, 'policy.yaml'), path.join(dir, 'bad.yaml'));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('FAILED: 2 errors');
    expect(r.stdout).toContain(`ERROR [pss-host-namespaces] apps/v1 Deployment agents/agent (${path.join(dir, 'bad.yaml')})`);
    expect(r.stdout).toContain('ERROR [pinned-image]');
    expect(r.stdout).toContain('fix: Use an explicit version tag');
    const json = JSON.parse(check('--json', dir).stdout);
    expect(json.ok).toBe(false);
    expect(json.findings.map((f: any) => [f.ruleId, path.basename(f.file)])).toEqual([['pss-host-namespaces', 'bad.yaml'], ['pinned-image', 'bad.yaml']]);
  });

  test('a missing namespace policy in the files checked is an error (the gate is conservative)', () => {
    const r = check(tmp({ 'deploy.yaml': yamlDocs(podObject('Deployment')) }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[namespace-default-deny]');
    expect(r.stdout).toContain('[pod-egress-policy]');
  });

  test('--sandboxed-runtime-class accepts another runtime', () => {
    const obj = podObject('Deployment');
    templateOf(obj).spec.runtimeClassName = 'my-vm';
    const dir = tmp({ 'all.yaml': yamlDocs(defaultDeny(), obj) });
    expect(check(dir).status).toBe(1);
    expect(check('--sandboxed-runtime-class', 'my-vm', dir).status).toBe(0);
  });

  test('unparsable or unreadable input, no input and bad options: exit 2 with a clear message', () => {
    const dir = tmp({ 'bad.yaml': 'kind: Pod\nmetadata: [unclosed\n', 'bad.json': '{"kind":' });
    const yaml = check(path.join(dir, 'bad.yaml'));
    expect(yaml.status).toBe(2);
    expect(yaml.stderr).toBe(`ftekit-check: ${path.join(dir, 'bad.yaml')}: document 1, line 3: cannot be parsed as YAML: Flow sequence in block collection must be sufficiently indented and end with a ]\n`);
    const json = check(path.join(dir, 'bad.json'));
    expect(json.status).toBe(2);
    expect(json.stderr).toContain('cannot be parsed as JSON');
    const missing = check(path.join(dir, 'nope.yaml'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('nope.yaml: cannot be read: ENOENT');
    expect(check(tmp({ 'a.txt': 'x' })).stderr).toContain('no *.yaml, *.yml or *.json files found');
    expect(check().status).toBe(2);
    expect(check('--frobnicate', dir).stderr).toContain('unknown option --frobnicate');
    expect(check('--help').status).toBe(0);
  });

  test('--kubernetes-version selects the Pod Security version: a 1.32 sysctl passes from 1.32 on; unknown versions are usage errors', () => {
    const obj = podObject('Deployment');
    templateOf(obj).spec.securityContext.sysctls = [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }];
    const dir = tmp({ 'all.yaml': yamlDocs(defaultDeny(), obj) });
    const floor = check(dir);
    expect(floor.status).toBe(1);
    expect(floor.stdout).toContain('sysctl "net.ipv4.tcp_rmem" is not in the safe set of Kubernetes 1.28');
    expect(check('--kubernetes-version', '1.31', dir).status).toBe(1);
    expect(check('--kubernetes-version', '1.32', dir).status).toBe(0);
    expect(check('--kubernetes-version', 'v1.37.2', dir).status).toBe(0);
    for (const bad of ['1.27', '1.38', 'latest']) {
      const r = check('--kubernetes-version', bad, dir);
      expect([bad, r.status, r.stderr.split('\n')[0]]).toEqual([bad, 2, `ftekit-check: --kubernetes-version ${JSON.stringify(bad)} is not supported; expected 1.28 to 1.37 (e.g. 1.32)`]);
    }
    expect(check(dir, '--kubernetes-version').stderr).toContain('--kubernetes-version needs a version');
  });

  test('--json: the same keys whatever happens; findings carry file, document and line; input and usage errors are listed', () => {
    const bad = podObject('Deployment');
    templateOf(bad).spec.hostPID = true;
    const dir = tmp({ 'a.yaml': `# two documents\n---\n${yamlDocs(defaultDeny(), bad)}` });
    const report = JSON.parse(check('--json', '--kubernetes-version', '1.30', dir).stdout);
    expect(Object.keys(report)).toEqual(['ok', 'kubernetesVersion', 'objectCount', 'inputErrors', 'findings', 'excepted']);
    expect(report).toMatchObject({ ok: false, kubernetesVersion: '1.30', objectCount: 2, inputErrors: [], excepted: [] });
    const docLine = 3 + yamlDocs(defaultDeny()).split('\n').length - 1;
    expect(report.findings.map((f: any) => [f.ruleId, path.basename(f.file), f.document, f.line])).toEqual([['pss-host-namespaces', 'a.yaml', 2, docLine]]);

    const broken = tmp({ 'ok.yaml': yamlDocs(defaultDeny()), 'z.yaml': 'kind: Pod\n---\nkind: [\n' });
    const r = check('--json', broken);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false, kubernetesVersion: '1.28', objectCount: 0, findings: [], excepted: [],
      inputErrors: [{ file: path.join(broken, 'z.yaml'), document: 2, line: 4, message: expect.stringMatching(/^.*z\.yaml: document 2, line 4: cannot be parsed as YAML: /) }],
    });
    const usage = check('--json', '--frobnicate', broken);
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stdout).inputErrors).toEqual([{ message: 'unknown option --frobnicate' }]);
  });

  test('no objects at all is an input error (exit 2) for YAML and JSON alike, unless --allow-empty', () => {
    const dir = tmp({ 'empty.yaml': '', 'dashes.yml': '---\n---\n# nothing\n', 'empty.json': '', 'blank.json': ' \n', 'array.json': '[]', 'list.json': '{"apiVersion":"v1","kind":"List","items":[]}' });
    const r = check(dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ftekit-check: no Kubernetes objects in ${dir}; pass --allow-empty if an empty set is expected\n`);
    for (const f of ['empty.yaml', 'dashes.yml', 'empty.json', 'blank.json', 'array.json', 'list.json']) expect([f, check(path.join(dir, f)).status]).toEqual([f, 2]);
    const allowed = check('--allow-empty', dir);
    expect([allowed.status, allowed.stdout]).toEqual([0, 'ftekit policy: PASSED: 0 errors, 0 warnings, 0 excepted findings in 0 objects\n']);
    expect(check('--allow-empty', tmp({ 'README.md': '# no manifests' })).status).toBe(0);
    // An empty file next to real objects is fine.
    expect(check(tmp({ 'empty.yaml': '', 'policy.yaml': yamlDocs(defaultDeny()) })).status).toBe(0);
  });

  test('an internal error is exit 2, never 1, with valid --json', () => {
    const dir = tmp({ 'all.yaml': yamlDocs(defaultDeny(), podObject('Deployment')) });
    const finish = jest.spyOn(PolicyEvaluator.prototype, 'finish').mockImplementation(() => { throw new Error('boom'); });
    try {
      let out = '';
      let err = '';
      expect(runCheck(['--json', dir], (s) => { out += s; }, (s) => { err += s; })).toBe(2);
      expect(err).toBe('ftekit-check: internal error: boom\n');
      expect(JSON.parse(out)).toMatchObject({ ok: false, inputErrors: [{ message: 'internal error: boom' }], findings: [] });
    } finally {
      finish.mockRestore();
    }
  });

  test('malformed documents are policy errors (exit 1), not crashes', () => {
    const r = check(tmp({ 'odd.yaml': '--- 42\n---\nkind: Deployment\n---\n- a\n- b\n' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('[object-malformed]');
  });

  test('the synthesised output of every stack passes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-check-dist-'));
    for (const spec of loadAllStackSpecs(path.join(ROOT, 'stacks'))) {
      const charts = buildEnvironment(Testing.app(), spec);
      fs.mkdirSync(path.join(dir, spec.name));
      fs.writeFileSync(path.join(dir, spec.name, 'cluster.k8s.yaml'), yamlDocs(...Testing.synth(charts.cluster)));
      fs.writeFileSync(path.join(dir, spec.name, 'ftes.k8s.yaml'), yamlDocs(...Testing.synth(charts.ftes)));
      const r = check(path.join(dir, spec.name));
      expect([spec.name, r.status, r.stdout]).toEqual([spec.name, 0, expect.stringContaining('PASSED: 0 errors')]);
    }
    expect(check(dir).status).toBe(0);
  });
});
