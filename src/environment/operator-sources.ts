import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { parse, parseAllDocuments } from 'yaml';
import { ConfigReader } from './config-reader';

/**
 * The operator versions `pulumi up` installs. Each matches the CRD versions ftekit's output
 * is validated against; bump them together with the schema tests.
 */
export const OPERATOR_VERSIONS = {
  /** agent-sandbox controller and extensions (release manifest `sandbox-with-extensions.yaml`). */
  agentSandbox: 'v1.0.3',
  /** Dapr Helm chart (control plane and sidecar injector). */
  dapr: '1.18.3',
  /** HashiCorp Vault Secrets Operator Helm chart. */
  vaultSecretsOperator: '1.4.1',
  /** Prometheus Operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule) from the release tag. */
  prometheusOperator: 'v0.93.0',
  /** KEDA Helm chart (operator, metrics API server, admission webhooks): autoscales warm pools. */
  keda: '2.20.2',
  /** backube SnapScheduler Helm chart (SnapshotSchedule CRD and controller; AGPL-3.0). */
  snapScheduler: '3.5.0',
} as const;

/** Where each operator comes from unless the stack file names a local or mirrored source. */
export const OPERATOR_SOURCES = {
  agentSandbox: `https://github.com/kubernetes-sigs/agent-sandbox/releases/download/${OPERATOR_VERSIONS.agentSandbox}/sandbox-with-extensions.yaml`,
  daprChartRepo: 'https://dapr.github.io/helm-charts/',
  vaultSecretsOperatorChartRepo: 'https://helm.releases.hashicorp.com',
  kedaChartRepo: 'https://kedacore.github.io/charts',
  snapSchedulerChartRepo: 'https://backube.github.io/helm-charts/',
  prometheusOperatorCrds: ['servicemonitors', 'podmonitors', 'prometheusrules'].map((plural) =>
    `https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${OPERATOR_VERSIONS.prometheusOperator}/example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml`),
} as const;

/**
 * Where an operator shipped as plain manifests comes from: the pinned public URLs, or local
 * files (an air-gapped cluster's copy of the release).
 */
export interface ManifestSource {
  /** The manifest URLs (default source) or absolute paths of the local files, in apply order. */
  readonly files: readonly string[];
  /** True when `files` are local paths named in the stack file. */
  readonly local: boolean;
  /** The version these manifests are (the pin unless overridden). */
  readonly version: string;
}

/** Where an operator shipped as a Helm chart comes from. */
export interface ChartSource {
  /** Chart name (`dapr`, `vault-secrets-operator`). */
  readonly chart: string;
  /** Chart version (the pin unless overridden). */
  readonly version: string;
  /** Helm repository: the public one by default, or a mirror. Absent for a local archive. */
  readonly repository?: string;
  /** Absolute path of a local chart archive (`.tgz`). */
  readonly archive?: string;
}

/** Operators `pulumi up` installs; absent = not installed. */
export interface OperatorsSpec {
  /** agent-sandbox controller with extensions. */
  readonly agentSandbox?: ManifestSource;
  /** Dapr control plane (sidecar injector hardened). */
  readonly dapr?: ChartSource;
  /** HashiCorp Vault Secrets Operator. */
  readonly vaultSecretsOperator?: ChartSource;
  /** Prometheus Operator CRDs (ServiceMonitor, PodMonitor, PrometheusRule). */
  readonly prometheusOperatorCrds?: ManifestSource;
  /** KEDA, which scales autoscaled warm pools (`ScaledObject`). */
  readonly keda?: ChartSource;
  /** backube SnapScheduler (scheduled CSI snapshots of workspaces). */
  readonly snapScheduler?: ChartSource;
}

/** The CRDs each manifest operator must bring: ftekit's objects use them. */
const REQUIRED_CRDS = {
  agentSandbox: ['sandboxes.agents.x-k8s.io', 'sandboxtemplates.extensions.agents.x-k8s.io', 'sandboxwarmpools.extensions.agents.x-k8s.io', 'sandboxclaims.extensions.agents.x-k8s.io'],
  prometheusOperatorCrds: ['servicemonitors.monitoring.coreos.com', 'podmonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com'],
} as const;

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/**
 * Reads `operators`; every operator defaults to off. Each is `true` (the pinned public
 * source), `false`, or a source: `{ manifest }` for agent-sandbox and the Prometheus Operator
 * CRDs, `{ chart }` (a local archive) or `{ repository }` (a mirror) for Dapr, the Vault
 * Secrets Operator, KEDA and SnapScheduler, with an optional `version` that must be the pin unless `versionOverride`.
 * Relative paths are resolved against `projectDir` (where Pulumi.yaml is; `pulumi up` runs there).
 */
export function parseOperators(r: ConfigReader, projectDir: string): OperatorsSpec {
  if (!r.absent) r.object(['agentSandbox', 'dapr', 'vaultSecretsOperator', 'prometheusOperatorCrds', 'keda', 'snapScheduler']);
  return {
    agentSandbox: manifestOperator(r.field('agentSandbox'), projectDir, 'agentSandbox', OPERATOR_VERSIONS.agentSandbox, [OPERATOR_SOURCES.agentSandbox]),
    dapr: chartOperator(r.field('dapr'), projectDir, 'dapr', OPERATOR_VERSIONS.dapr, OPERATOR_SOURCES.daprChartRepo),
    vaultSecretsOperator: chartOperator(r.field('vaultSecretsOperator'), projectDir, 'vault-secrets-operator', OPERATOR_VERSIONS.vaultSecretsOperator, OPERATOR_SOURCES.vaultSecretsOperatorChartRepo),
    prometheusOperatorCrds: manifestOperator(r.field('prometheusOperatorCrds'), projectDir, 'prometheusOperatorCrds', OPERATOR_VERSIONS.prometheusOperator, OPERATOR_SOURCES.prometheusOperatorCrds),
    keda: chartOperator(r.field('keda'), projectDir, 'keda', OPERATOR_VERSIONS.keda, OPERATOR_SOURCES.kedaChartRepo),
    snapScheduler: chartOperator(r.field('snapScheduler'), projectDir, 'snapscheduler', OPERATOR_VERSIONS.snapScheduler, OPERATOR_SOURCES.snapSchedulerChartRepo),
  };
}

/** `true`/`false`/absent, or undefined when the value is a source mapping. */
function onOff(r: ConfigReader): boolean | undefined {
  if (r.absent) return false;
  if (typeof r.value === 'boolean') return r.value;
  if (typeof r.value !== 'object' || Array.isArray(r.value)) r.fail(`${JSON.stringify(r.value)} is not true, false or a source mapping`);
  return undefined;
}

/** The declared version: the pin, or another one only with `versionOverride: true`. */
function declaredVersion(r: ConfigReader, pin: string): string {
  const version = r.field('version').optionalString() ?? pin;
  const override = r.field('versionOverride').optionalBoolean() ?? false;
  if (sameVersion(version, pin) && override) r.field('versionOverride').fail(`is set but version ${version} is the pinned one; expected it only with another version`);
  if (!sameVersion(version, pin) && !override) {
    r.field('version').fail(`${JSON.stringify(version)} is not the pinned ${pin}; expected ${pin} (the version ftekit's output is validated against), or versionOverride: true to install another one`);
  }
  return version;
}

function sameVersion(a: string, b: string): boolean {
  return a.replace(/^v/, '') === b.replace(/^v/, '');
}

function manifestOperator(r: ConfigReader, projectDir: string, which: keyof typeof REQUIRED_CRDS, pin: string, defaults: readonly string[]): ManifestSource | undefined {
  const on = onOff(r);
  if (on === false) return undefined;
  if (on === true) return { files: [...defaults], local: false, version: pin };
  r.object(['manifest', 'version', 'versionOverride']);
  const version = declaredVersion(r, pin);
  const m = r.field('manifest');
  const given = m.string();
  const resolved = path.resolve(projectDir, given);
  let files: string[];
  if (!fs.existsSync(resolved)) m.fail(`${JSON.stringify(given)} does not exist (resolved to ${resolved}); expected a manifest file or a directory of them`);
  if (fs.statSync(resolved).isDirectory()) {
    files = fs.readdirSync(resolved).filter((f) => MANIFEST_FILE.test(f)).sort().map((f) => path.join(resolved, f));
    if (files.length === 0) m.fail(`${JSON.stringify(given)} is a directory without .yaml, .yml or .json files; expected the operator's manifests`);
  } else {
    files = [resolved];
  }
  const objects = files.flatMap((f) => {
    try {
      return readManifestObjects(f);
    } catch (e) {
      return m.fail(`${f} cannot be read as Kubernetes manifests: ${(e as Error).message}`);
    }
  });
  const crds = new Set(objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => String(o.metadata?.name)));
  const missing = REQUIRED_CRDS[which].filter((n) => !crds.has(n));
  if (missing.length) m.fail(`${JSON.stringify(given)} lacks the CustomResourceDefinitions ${missing.join(', ')}; expected the operator's release manifests`);
  const found = manifestVersion(which, objects);
  if (found !== undefined && !sameVersion(found.version, version)) {
    m.fail(`${JSON.stringify(given)} is version ${found.version} (${found.where}), but the stack expects ${version}; expected the manifests of ${version}, or version: ${found.version} with versionOverride: true`);
  }
  return { files, local: true, version };
}

/** The version a manifest states about itself, where it states one. */
function manifestVersion(which: keyof typeof REQUIRED_CRDS, objects: readonly ManifestObject[]): { version: string; where: string } | undefined {
  if (which === 'prometheusOperatorCrds') {
    for (const o of objects) {
      const v = o.metadata?.annotations?.['operator.prometheus.io/version'];
      if (typeof v === 'string') return { version: v, where: `annotation operator.prometheus.io/version of ${String(o.metadata?.name)}` };
    }
    return undefined;
  }
  for (const o of objects) {
    if (o.kind !== 'Deployment') continue;
    for (const c of o.spec?.template?.spec?.containers ?? []) {
      const m = /\/agent-sandbox-controller:(v?\d[^@\s]*)/.exec(String(c.image ?? ''));
      if (m) return { version: m[1], where: `image of Deployment ${String(o.metadata?.name)}` };
    }
  }
  return undefined;
}

function chartOperator(r: ConfigReader, projectDir: string, chart: string, pin: string, defaultRepo: string): ChartSource | undefined {
  const on = onOff(r);
  if (on === false) return undefined;
  if (on === true) return { chart, version: pin, repository: defaultRepo };
  r.object(['chart', 'repository', 'version', 'versionOverride']);
  const version = declaredVersion(r, pin);
  const archive = r.field('chart').optionalString();
  const repository = r.field('repository').optionalString();
  if ((archive === undefined) === (repository === undefined)) r.fail('expected exactly one of chart (a local chart archive) or repository (a mirror of the Helm repository)');
  if (repository !== undefined) {
    if (!/^(https?|oci):\/\/[^\s/]+/.test(repository)) r.field('repository').fail(`${JSON.stringify(repository)} is not a Helm repository URL; expected https://host/path (or oci://)`);
    return { chart, version, repository };
  }
  const a = r.field('chart');
  const resolved = path.resolve(projectDir, archive!);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isFile()) a.fail(`${JSON.stringify(archive)} does not exist (resolved to ${resolved}); expected a chart archive (helm pull ${chart} --version ${version})`);
  let meta: { name?: unknown; version?: unknown };
  try {
    meta = chartMetadata(resolved);
  } catch (e) {
    return a.fail(`${JSON.stringify(archive)} is not a Helm chart archive: ${(e as Error).message}`);
  }
  if (meta.name !== chart) a.fail(`${JSON.stringify(archive)} is the chart ${JSON.stringify(meta.name)}; expected the ${chart} chart`);
  if (!sameVersion(String(meta.version), version)) {
    a.fail(`${JSON.stringify(archive)} is ${chart} ${String(meta.version)}, but the stack expects ${version}; expected the archive of ${version}, or version: ${String(meta.version)} with versionOverride: true`);
  }
  return { chart, version, archive: resolved };
}

/** A Kubernetes object as read from a manifest file. */
export type ManifestObject = Record<string, any>;

/** The objects of a manifest file (YAML, one or more documents, or JSON), in order. */
export function readManifestObjects(file: string): ManifestObject[] {
  const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'));
  const out: ManifestObject[] = [];
  for (const d of docs) {
    if (d.errors.length) throw new Error(d.errors[0].message);
    const o = d.toJS() as ManifestObject | null;
    if (o === null || o === undefined) continue;
    if (typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.apiVersion !== 'string') throw new Error('a document is not a Kubernetes object (apiVersion and kind)');
    if (o.kind === 'List' && Array.isArray(o.items)) out.push(...(o.items as ManifestObject[]));
    else out.push(o);
  }
  return out;
}

/** `Chart.yaml` of a chart archive (a gzipped tar whose top folder is the chart). */
export function chartMetadata(archive: string): { name?: unknown; version?: unknown } {
  const tar = zlib.gunzipSync(fs.readFileSync(archive));
  let longName: string | undefined;
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number): string => header.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const body = tar.subarray(off + 512, off + 512 + size);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    if (type === 'x') {
      // PAX extended header: a `path` record renames the next entry.
      const m = /\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) longName = m[1];
    } else if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
    } else if ((type === '0' || type === '') && /^[^/]+\/Chart\.yaml$/.test(name.replace(/^\.\//, ''))) {
      const meta = parse(body.toString('utf8')) as { name?: unknown; version?: unknown } | null;
      if (!meta || typeof meta !== 'object') throw new Error('its Chart.yaml is empty');
      return meta;
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('it has no <chart>/Chart.yaml');
}
