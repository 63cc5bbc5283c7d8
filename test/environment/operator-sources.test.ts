import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { FteValidationError } from '../../src/errors';
import { chartMetadata, OPERATOR_SOURCES, OPERATOR_VERSIONS } from '../../src/environment/operator-sources';
import { loadStackSpec, specFromStackConfig } from '../../src/environment/stack-files';

const STACKS = path.resolve(__dirname, '../..', 'stacks');

/** A project folder of its own: relative sources resolve against it. */
const project = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-operator-sources-'));
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const crd = (name: string, annotations: Record<string, string> = {}): object => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name, annotations },
  spec: {},
});
const AGENT_SANDBOX_CRDS = ['sandboxes.agents.x-k8s.io', 'sandboxtemplates.extensions.agents.x-k8s.io', 'sandboxwarmpools.extensions.agents.x-k8s.io', 'sandboxclaims.extensions.agents.x-k8s.io'];
const PROMETHEUS_CRDS = ['servicemonitors', 'podmonitors', 'prometheusrules'].map((p) => `${p}.monitoring.coreos.com`);

function write(rel: string, docs: object[]): string {
  const file = path.join(project, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}

/** A chart archive as `helm package` makes it: `<name>/Chart.yaml` in a gzipped tar. */
function chartArchive(rel: string, name: string, version: string): string {
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-chart-'));
  fs.mkdirSync(path.join(src, name));
  fs.writeFileSync(path.join(src, name, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: ${version}\n`);
  fs.mkdirSync(path.join(src, name, 'templates'));
  fs.writeFileSync(path.join(src, name, 'values.yaml'), '{}\n');
  const file = path.join(project, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  execFileSync('tar', ['czf', file, '-C', src, `${name}/values.yaml`, `${name}/templates`, `${name}/Chart.yaml`]);
  fs.rmSync(src, { recursive: true, force: true });
  return file;
}

const controller = (tag: string): object => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'agent-sandbox-controller', namespace: 'agent-sandbox-system' },
  spec: { template: { spec: { containers: [{ name: 'controller', image: `registry.k8s.io/agent-sandbox/agent-sandbox-controller:${tag}` }] } } },
});

beforeAll(() => {
  write('operators/agent-sandbox/crds.yaml', AGENT_SANDBOX_CRDS.map((n) => crd(n)));
  write('operators/agent-sandbox/controller.yaml', [controller('v1.0.3')]);
  write('operators/agent-sandbox-crds-only/crds.yml', AGENT_SANDBOX_CRDS.map((n) => crd(n)));
  write('operators/agent-sandbox-next/all.yaml', [...AGENT_SANDBOX_CRDS.map((n) => crd(n)), controller('v1.1.0')]);
  write('operators/prometheus-crds.yaml', PROMETHEUS_CRDS.map((n) => crd(n, { 'operator.prometheus.io/version': '0.93.0' })));
  write('operators/prometheus-crds-old.yaml', PROMETHEUS_CRDS.map((n) => crd(n, { 'operator.prometheus.io/version': '0.80.0' })));
  write('operators/half.yaml', [crd('sandboxes.agents.x-k8s.io')]);
  fs.mkdirSync(path.join(project, 'operators/empty'), { recursive: true });
  fs.writeFileSync(path.join(project, 'operators/broken.yaml'), 'kind: [unclosed\n');
  chartArchive('charts/dapr-1.18.3.tgz', 'dapr', '1.18.3');
  chartArchive('charts/dapr-1.17.0.tgz', 'dapr', '1.17.0');
  chartArchive('charts/vault-secrets-operator-1.4.1.tgz', 'vault-secrets-operator', '1.4.1');
  chartArchive('charts/keda-2.20.2.tgz', 'keda', '2.20.2');
  chartArchive('charts/keda-2.19.0.tgz', 'keda', '2.19.0');
  chartArchive('charts/snapscheduler-3.5.0.tgz', 'snapscheduler', '3.5.0');
  fs.writeFileSync(path.join(project, 'charts/not-a-chart.tgz'), 'plain text');
});

function devConfig(): Record<string, any> {
  return parse(fs.readFileSync(path.join(STACKS, 'Pulumi.dev.yaml'), 'utf8')).config;
}

/** The dev stack with `operators` replaced, parsed as if its project were `project`. */
function operatorsOf(operators: Record<string, unknown>) {
  const config = devConfig();
  config['ftekit:environment'].operators = operators;
  return specFromStackConfig('dev', config, 'stacks/Pulumi.dev.yaml', project).deploy.operators;
}

function errorFor(operators: Record<string, unknown>): string {
  try {
    operatorsOf(operators);
  } catch (e) {
    expect(e).toBeInstanceOf(FteValidationError);
    return (e as Error).message;
  }
  throw new Error('expected the operators to be rejected');
}

describe('operator sources', () => {
  test('true installs from the pinned public sources; absent or false installs nothing', () => {
    expect(operatorsOf({ agentSandbox: true, dapr: true, vaultSecretsOperator: true, prometheusOperatorCrds: true, keda: true })).toEqual({
      agentSandbox: { files: [OPERATOR_SOURCES.agentSandbox], local: false, version: 'v1.0.3' },
      dapr: { chart: 'dapr', version: '1.18.3', repository: 'https://dapr.github.io/helm-charts/' },
      vaultSecretsOperator: { chart: 'vault-secrets-operator', version: '1.4.1', repository: 'https://helm.releases.hashicorp.com' },
      prometheusOperatorCrds: { files: [...OPERATOR_SOURCES.prometheusOperatorCrds], local: false, version: 'v0.93.0' },
      keda: { chart: 'keda', version: '2.20.2', repository: 'https://kedacore.github.io/charts' },
    });
    const none = operatorsOf({ dapr: false });
    expect(none).toEqual({ agentSandbox: undefined, dapr: undefined, vaultSecretsOperator: undefined, prometheusOperatorCrds: undefined, keda: undefined });
    expect(Object.values(none).every((o) => o === undefined)).toBe(true);
  });

  test('SnapScheduler: the pinned chart from backube\'s repository, a local archive or a mirror, checked like the other charts', () => {
    expect(operatorsOf({ snapScheduler: true }).snapScheduler).toEqual({ chart: 'snapscheduler', version: '3.5.0', repository: 'https://backube.github.io/helm-charts/' });
    expect(operatorsOf({ snapScheduler: { chart: 'charts/snapscheduler-3.5.0.tgz' } }).snapScheduler).toEqual({ chart: 'snapscheduler', version: '3.5.0', archive: path.join(project, 'charts/snapscheduler-3.5.0.tgz') });
    expect(operatorsOf({ snapScheduler: { repository: 'oci://registry.internal/backube' } }).snapScheduler).toEqual({ chart: 'snapscheduler', version: '3.5.0', repository: 'oci://registry.internal/backube' });
    expect(operatorsOf({ snapScheduler: false }).snapScheduler).toBeUndefined();
    expect(errorFor({ snapScheduler: { chart: 'charts/dapr-1.18.3.tgz' } })).toContain('ftekit:environment.operators.snapScheduler.chart: "charts/dapr-1.18.3.tgz" is the chart "dapr"; expected the snapscheduler chart');
    expect(errorFor({ snapScheduler: { repository: 'https://mirror.internal/backube', version: '3.6.0' } })).toContain('ftekit:environment.operators.snapScheduler.version: "3.6.0" is not the pinned 3.5.0');
  });

  test('a local manifest directory: every YAML file in it, in name order, resolved against the project', () => {
    const ops = operatorsOf({ agentSandbox: { manifest: 'operators/agent-sandbox' }, prometheusOperatorCrds: { manifest: 'operators/prometheus-crds.yaml' } });
    expect(ops.agentSandbox).toEqual({ files: ['controller.yaml', 'crds.yaml'].map((f) => path.join(project, 'operators/agent-sandbox', f)), local: true, version: OPERATOR_VERSIONS.agentSandbox });
    expect(ops.prometheusOperatorCrds).toEqual({ files: [path.join(project, 'operators/prometheus-crds.yaml')], local: true, version: 'v0.93.0' });
    // CRDs alone (the controller runs elsewhere) state no version: the pin is assumed.
    expect(operatorsOf({ agentSandbox: { manifest: path.join(project, 'operators/agent-sandbox-crds-only') } }).agentSandbox?.files).toHaveLength(1);
  });

  test('a local chart archive or a mirror repository for Dapr and the Vault Secrets Operator', () => {
    const ops = operatorsOf({ dapr: { chart: 'charts/dapr-1.18.3.tgz' }, vaultSecretsOperator: { repository: 'https://charts.mirror.internal/hashicorp', version: '1.4.1' } });
    expect(ops.dapr).toEqual({ chart: 'dapr', version: '1.18.3', archive: path.join(project, 'charts/dapr-1.18.3.tgz') });
    expect(ops.vaultSecretsOperator).toEqual({ chart: 'vault-secrets-operator', version: '1.4.1', repository: 'https://charts.mirror.internal/hashicorp' });
    expect(operatorsOf({ vaultSecretsOperator: { chart: 'charts/vault-secrets-operator-1.4.1.tgz' } }).vaultSecretsOperator?.archive).toMatch(/vault-secrets-operator-1\.4\.1\.tgz$/);
  });

  test('KEDA from a local chart archive or a mirror, checked like the other charts', () => {
    expect(operatorsOf({ keda: { chart: 'charts/keda-2.20.2.tgz' } }).keda).toEqual({ chart: 'keda', version: '2.20.2', archive: path.join(project, 'charts/keda-2.20.2.tgz') });
    expect(operatorsOf({ keda: { repository: 'https://charts.mirror.internal/kedacore' } }).keda).toEqual({ chart: 'keda', version: '2.20.2', repository: 'https://charts.mirror.internal/kedacore' });
    expect(errorFor({ keda: { chart: 'charts/keda-2.19.0.tgz' } })).toContain('ftekit:environment.operators.keda.chart: "charts/keda-2.19.0.tgz" is keda 2.19.0, but the stack expects 2.20.2');
    expect(errorFor({ keda: { chart: 'charts/dapr-1.18.3.tgz' } })).toContain('is the chart "dapr"; expected the keda chart');
  });

  test('another version only with versionOverride, and the source must be that version', () => {
    expect(operatorsOf({ agentSandbox: { manifest: 'operators/agent-sandbox-next', version: 'v1.1.0', versionOverride: true } }).agentSandbox?.version).toBe('v1.1.0');
    expect(operatorsOf({ dapr: { chart: 'charts/dapr-1.17.0.tgz', version: '1.17.0', versionOverride: true } }).dapr?.version).toBe('1.17.0');
    expect(operatorsOf({ dapr: { repository: 'oci://registry.internal/charts', version: '1.19.0', versionOverride: true } }).dapr).toEqual({ chart: 'dapr', version: '1.19.0', repository: 'oci://registry.internal/charts' });
  });

  test('relative paths in a stack file resolve against its project (the parent of stacks/)', () => {
    const stacks = path.join(project, 'stacks');
    fs.mkdirSync(stacks, { recursive: true });
    const config = devConfig();
    config['ftekit:environment'].operators = { agentSandbox: { manifest: 'operators/agent-sandbox' }, dapr: { chart: './charts/dapr-1.18.3.tgz' } };
    fs.writeFileSync(path.join(stacks, 'Pulumi.dev.yaml'), stringify({ config }));
    const spec = loadStackSpec(stacks, 'dev');
    expect(spec.deploy.operators.agentSandbox?.files[0]).toBe(path.join(project, 'operators/agent-sandbox/controller.yaml'));
    expect(spec.deploy.operators.dapr?.archive).toBe(path.join(project, 'charts/dapr-1.18.3.tgz'));
  });

  describe('throws when', () => {
    const at = 'stacks/Pulumi.dev.yaml: ftekit:environment.operators';
    test.each<[string, Record<string, unknown>, string]>([
      ['a manifest does not exist', { agentSandbox: { manifest: 'operators/nope' } }, `${at}.agentSandbox.manifest: "operators/nope" does not exist (resolved to ${path.join(project, 'operators/nope')}); expected a manifest file or a directory of them`],
      ['a manifest directory holds no manifests', { agentSandbox: { manifest: 'operators/empty' } }, `${at}.agentSandbox.manifest: "operators/empty" is a directory without .yaml, .yml or .json files`],
      ['a manifest is not YAML', { prometheusOperatorCrds: { manifest: 'operators/broken.yaml' } }, `${at}.prometheusOperatorCrds.manifest: ${path.join(project, 'operators/broken.yaml')} cannot be read as Kubernetes manifests:`],
      ['a manifest lacks CRDs ftekit uses', { agentSandbox: { manifest: 'operators/half.yaml' } }, `${at}.agentSandbox.manifest: "operators/half.yaml" lacks the CustomResourceDefinitions sandboxtemplates.extensions.agents.x-k8s.io, sandboxwarmpools.extensions.agents.x-k8s.io, sandboxclaims.extensions.agents.x-k8s.io`],
      ['the manifest is another release than the pin', { agentSandbox: { manifest: 'operators/agent-sandbox-next' } }, `${at}.agentSandbox.manifest: "operators/agent-sandbox-next" is version v1.1.0 (image of Deployment agent-sandbox-controller), but the stack expects v1.0.3; expected the manifests of v1.0.3, or version: v1.1.0 with versionOverride: true`],
      ['the CRDs are another release than the pin', { prometheusOperatorCrds: { manifest: 'operators/prometheus-crds-old.yaml' } }, `${at}.prometheusOperatorCrds.manifest: "operators/prometheus-crds-old.yaml" is version 0.80.0 (annotation operator.prometheus.io/version of servicemonitors.monitoring.coreos.com), but the stack expects v0.93.0`],
      ['a version is not the pin and not overridden', { dapr: { repository: 'https://mirror.internal/dapr', version: '1.19.0' } }, `${at}.dapr.version: "1.19.0" is not the pinned 1.18.3; expected 1.18.3 (the version ftekit's output is validated against), or versionOverride: true to install another one`],
      ['versionOverride is set for the pinned version', { dapr: { repository: 'https://mirror.internal/dapr', versionOverride: true } }, `${at}.dapr.versionOverride: is set but version 1.18.3 is the pinned one`],
      ['a chart archive does not exist', { dapr: { chart: 'charts/dapr.tgz' } }, `${at}.dapr.chart: "charts/dapr.tgz" does not exist (resolved to ${path.join(project, 'charts/dapr.tgz')}); expected a chart archive (helm pull dapr --version 1.18.3)`],
      ['a chart archive is not one', { dapr: { chart: 'charts/not-a-chart.tgz' } }, `${at}.dapr.chart: "charts/not-a-chart.tgz" is not a Helm chart archive:`],
      ['a chart archive is another chart', { dapr: { chart: 'charts/vault-secrets-operator-1.4.1.tgz' } }, `${at}.dapr.chart: "charts/vault-secrets-operator-1.4.1.tgz" is the chart "vault-secrets-operator"; expected the dapr chart`],
      ['a chart archive is another version', { dapr: { chart: 'charts/dapr-1.17.0.tgz' } }, `${at}.dapr.chart: "charts/dapr-1.17.0.tgz" is dapr 1.17.0, but the stack expects 1.18.3; expected the archive of 1.18.3, or version: 1.17.0 with versionOverride: true`],
      ['both an archive and a repository', { dapr: { chart: 'charts/dapr-1.18.3.tgz', repository: 'https://mirror.internal/dapr' } }, `${at}.dapr: expected exactly one of chart (a local chart archive) or repository (a mirror of the Helm repository)`],
      ['a repository is not a URL', { vaultSecretsOperator: { repository: 'mirror.internal/hashicorp' } }, `${at}.vaultSecretsOperator.repository: "mirror.internal/hashicorp" is not a Helm repository URL`],
      ['a chart source on a manifest operator', { agentSandbox: { chart: 'charts/dapr-1.18.3.tgz' } }, `${at}.agentSandbox.chart: unknown field "chart"; expected one of manifest, version, versionOverride`],
      ['a manifest source on a chart operator', { vaultSecretsOperator: { manifest: 'operators/agent-sandbox' } }, `${at}.vaultSecretsOperator.manifest: unknown field "manifest"; expected one of chart, repository, version, versionOverride`],
      ['a source that is a list', { agentSandbox: ['operators/agent-sandbox'] }, `${at}.agentSandbox: ["operators/agent-sandbox"] is not true, false or a source mapping`],
    ])('%s', (_name, operators, message) => {
      expect(errorFor(operators).slice(0, message.length)).toBe(message);
    });
  });

  test('chartMetadata reads Chart.yaml from a gzipped tar, wherever it sits among the entries', () => {
    expect(chartMetadata(path.join(project, 'charts/dapr-1.18.3.tgz'))).toMatchObject({ name: 'dapr', version: '1.18.3' });
    expect(() => chartMetadata(path.join(project, 'charts/not-a-chart.tgz'))).toThrow();
  });
});
