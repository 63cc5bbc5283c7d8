import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { OperatorsSpec } from '../spec/platform-spec';

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
} as const;

/** Where each operator comes from. */
export const OPERATOR_SOURCES = {
  agentSandbox: `https://github.com/kubernetes-sigs/agent-sandbox/releases/download/${OPERATOR_VERSIONS.agentSandbox}/sandbox-with-extensions.yaml`,
  daprChartRepo: 'https://dapr.github.io/helm-charts/',
  vaultSecretsOperatorChartRepo: 'https://helm.releases.hashicorp.com',
  prometheusOperatorCrds: ['servicemonitors', 'podmonitors', 'prometheusrules'].map((plural) =>
    `https://raw.githubusercontent.com/prometheus-operator/prometheus-operator/${OPERATOR_VERSIONS.prometheusOperator}/example/prometheus-operator-crd/monitoring.coreos.com_${plural}.yaml`),
} as const;

/**
 * Helm values of the Dapr install. The injector drops ALL capabilities from the daprd
 * sidecar: without it a Dapr-injected pod fails Pod Security `restricted`.
 */
export const DAPR_HELM_VALUES = {
  dapr_sidecar_injector: { sidecarDropALLCapabilities: true },
} as const;

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
}

/**
 * Installs the operators `spec` asks for, at the pinned versions, as children of `parent`.
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
    agentSandbox: spec.agentSandbox
      ? new k8s.yaml.ConfigFile(`${name}-agent-sandbox`, { file: OPERATOR_SOURCES.agentSandbox, transformations: [agentSandboxCrds] }, opts)
      : undefined,
    dapr: spec.dapr
      ? new k8s.helm.v3.Release(`${name}-dapr`, {
        name: 'dapr',
        chart: 'dapr',
        version: OPERATOR_VERSIONS.dapr,
        namespace: 'dapr-system',
        createNamespace: true,
        repositoryOpts: { repo: OPERATOR_SOURCES.daprChartRepo },
        values: DAPR_HELM_VALUES,
        atomic: true,
      }, opts)
      : undefined,
    vaultSecretsOperator: spec.vaultSecretsOperator
      ? new k8s.helm.v3.Release(`${name}-vault-secrets-operator`, {
        name: 'vault-secrets-operator',
        chart: 'vault-secrets-operator',
        version: OPERATOR_VERSIONS.vaultSecretsOperator,
        namespace: 'vault-secrets-operator-system',
        createNamespace: true,
        repositoryOpts: { repo: OPERATOR_SOURCES.vaultSecretsOperatorChartRepo },
        atomic: true,
      }, opts)
      : undefined,
    prometheusOperatorCrds: spec.prometheusOperatorCrds
      ? new k8s.yaml.ConfigGroup(`${name}-prometheus-operator-crds`, { files: [...OPERATOR_SOURCES.prometheusOperatorCrds], transformations: [prometheusCrds] }, opts)
      : undefined,
  };
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
};

/**
 * The operator installs `obj` must wait for: the one serving its API group, and Dapr for
 * workloads whose pods are Dapr-enabled (the injector must exist when the pods are created).
 */
export function operatorsNeededBy(obj: { apiVersion?: string; spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } }, installs: OperatorInstalls): pulumi.Resource[] {
  const needed = new Set<pulumi.Resource>();
  const group = (obj.apiVersion ?? '').includes('/') ? (obj.apiVersion as string).split('/')[0] : '';
  const byGroup = GROUP_OPERATOR[group] ? installs[GROUP_OPERATOR[group]] : undefined;
  if (byGroup) needed.add(byGroup);
  if (obj.spec?.template?.metadata?.annotations?.['dapr.io/enabled'] === 'true' && installs.dapr) needed.add(installs.dapr);
  return [...needed];
}
