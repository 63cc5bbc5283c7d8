import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { DAPR_ANNOTATIONS } from '../_labels';
import { DAPR_HELM_VALUES } from '../_pod';
import { ChartSource, ManifestSource, OperatorsSpec, readManifestObjects } from '../environment/operator-sources';

export { OPERATOR_SOURCES, OPERATOR_VERSIONS } from '../environment/operator-sources';

// Decided with the rest of the sidecar's hardening, in _pod.ts.
export { DAPR_HELM_VALUES };

/** The operator installs of one environment; absent when the stack does not install it. */
export interface OperatorInstalls {
  /** agent-sandbox controller (CRDs `agents.x-k8s.io`, `extensions.agents.x-k8s.io`). */
  readonly agentSandbox?: pulumi.Resource;
  /** Dapr (CRDs `dapr.io`, and the injector every Dapr-enabled pod needs at creation). */
  readonly dapr?: pulumi.Resource;
  /** Vault Secrets Operator (CRDs `secrets.hashicorp.com`). */
  readonly vaultSecretsOperator?: pulumi.Resource;
  /** Prometheus Operator CRDs (`monitoring.coreos.com`). */
  readonly prometheusOperatorCrds?: pulumi.Resource;
  /** KEDA (CRDs `keda.sh`). */
  readonly keda?: pulumi.Resource;
  /** SnapScheduler (CRD `snapscheduler.backube`). */
  readonly snapScheduler?: pulumi.Resource;
}

/**
 * Installs the operators `spec` asks for, from the sources it names (pinned public ones by
 * default, local files or mirrors for air-gapped clusters), as children of `parent`.
 * `opts` carries the data-safety options: removing the agent-sandbox install would delete
 * its CRDs and, with them, every Sandbox and its workspace; `agentSandboxOpts.protect`
 * makes Pulumi refuse that outright.
 */
export function installOperators(name: string, spec: OperatorsSpec, opts: pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions, agentSandboxOpts: { readonly protect?: boolean } = {}): OperatorInstalls {
  // The manifests are v1 groups: the program reads them and registers each object itself, so
  // the CRDs get their options for certain (a component's options do not reliably reach the
  // children a provider creates for it, pulumi-kubernetes#3065).
  const agentSandboxCrds = keepCustomResourceDefinitions({ retainOnDelete: opts.retainOnDelete, protect: agentSandboxOpts.protect });
  const prometheusCrds = keepCustomResourceDefinitions({ retainOnDelete: opts.retainOnDelete });
  return {
    agentSandbox: spec.agentSandbox ? manifests(`${name}-agent-sandbox`, spec.agentSandbox, agentSandboxCrds, opts) : undefined,
    dapr: spec.dapr ? chartRelease(`${name}-dapr`, spec.dapr, 'dapr-system', DAPR_HELM_VALUES, opts) : undefined,
    vaultSecretsOperator: spec.vaultSecretsOperator ? chartRelease(`${name}-vault-secrets-operator`, spec.vaultSecretsOperator, 'vault-secrets-operator-system', undefined, opts) : undefined,
    prometheusOperatorCrds: spec.prometheusOperatorCrds ? manifests(`${name}-prometheus-operator-crds`, spec.prometheusOperatorCrds, prometheusCrds, opts) : undefined,
    keda: spec.keda ? chartRelease(`${name}-keda`, spec.keda, 'keda', undefined, opts) : undefined,
    snapScheduler: spec.snapScheduler ? chartRelease(`${name}-snapscheduler`, spec.snapScheduler, 'backube-snapscheduler', undefined, opts) : undefined,
  };
}

type Transformation = (obj: { kind?: string }, opts: pulumi.CustomResourceOptions) => void;

/**
 * An operator's manifests as a v1 group. Local files are read by the program itself and
 * registered as objects (nothing is fetched: air-gapped clusters); the default public source
 * is one URL (a ConfigFile, as before) or several (a ConfigGroup).
 */
function manifests(name: string, source: ManifestSource, keep: Transformation, opts: pulumi.ComponentResourceOptions): pulumi.Resource {
  if (source.local) return new k8s.yaml.ConfigGroup(name, { objs: source.files.flatMap((f) => readManifestObjects(f)), transformations: [keep] }, opts);
  if (source.files.length === 1) return new k8s.yaml.ConfigFile(name, { file: source.files[0], transformations: [keep] }, opts);
  return new k8s.yaml.ConfigGroup(name, { files: [...source.files], transformations: [keep] }, opts);
}

/** A Helm release of an operator's chart from its repository (public or a mirror) or a local archive. */
function chartRelease(name: string, source: ChartSource, namespace: string, values: Record<string, unknown> | undefined, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
  return new k8s.helm.v3.Release(name, {
    name: source.chart,
    // A local archive is the chart (its version is checked against the stack file when it is read).
    chart: source.archive ?? source.chart,
    version: source.archive ? undefined : source.version,
    namespace,
    createNamespace: true,
    repositoryOpts: source.repository ? { repo: source.repository } : undefined,
    values,
    atomic: true,
  }, opts);
}

/**
 * A v1 group transformation for an operator's manifest: `retainOnDelete` on every object
 * (a component's option does not reach these children), `protect` on its
 * CustomResourceDefinitions. Deleting the agent-sandbox CRDs deletes every Sandbox and, with
 * it, its workspace; deleting the Prometheus Operator's deletes every monitor in the cluster.
 */
export function keepCustomResourceDefinitions(options: { readonly retainOnDelete?: boolean; readonly protect?: boolean }): (obj: { kind?: string }, opts: pulumi.CustomResourceOptions) => void {
  return (obj, opts) => {
    if (options.retainOnDelete) opts.retainOnDelete = true;
    if (options.protect && obj?.kind === 'CustomResourceDefinition') opts.protect = true;
  };
}

/** API groups whose objects need an operator's CRDs. */
const GROUP_OPERATOR: Record<string, keyof OperatorInstalls> = {
  'agents.x-k8s.io': 'agentSandbox',
  'extensions.agents.x-k8s.io': 'agentSandbox',
  'dapr.io': 'dapr',
  'secrets.hashicorp.com': 'vaultSecretsOperator',
  'monitoring.coreos.com': 'prometheusOperatorCrds',
  'keda.sh': 'keda',
  'snapscheduler.backube': 'snapScheduler',
};

/**
 * The operator installs `obj` must wait for: the one serving its API group, and Dapr for
 * workloads whose pods are Dapr-enabled, Deployments and Dapr-enabled Sandboxes and
 * SandboxTemplates alike (the injector must exist when the pods are created).
 */
export function operatorsNeededBy(obj: { apiVersion?: string; spec?: { template?: PodTemplateMetadata; podTemplate?: PodTemplateMetadata } }, installs: OperatorInstalls): pulumi.Resource[] {
  const needed = new Set<pulumi.Resource>();
  const group = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion as string).split('/')[0] : '';
  const byGroup = GROUP_OPERATOR[group] ? installs[GROUP_OPERATOR[group]] : undefined;
  if (byGroup) needed.add(byGroup);
  // A Deployment's pod template, or a Sandbox's or SandboxTemplate's.
  const pod = obj.spec?.template ?? obj.spec?.podTemplate;
  if (pod?.metadata?.annotations?.[DAPR_ANNOTATIONS.enabled] === 'true' && installs.dapr) needed.add(installs.dapr);
  return [...needed];
}

/** The metadata part of a pod template. */
interface PodTemplateMetadata {
  readonly metadata?: { readonly annotations?: Record<string, string> };
}
