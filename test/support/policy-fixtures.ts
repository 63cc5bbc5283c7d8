/** Plain-object fixtures for policy tests: a compliant pod in every pod-bearing kind. */

export const NS = 'agents';

/** A pod template (metadata + spec) that passes every rule. */
export function compliantTemplate(): { metadata: any; spec: any } {
  const container = (name: string): any => ({
    name,
    image: 'ghcr.io/acme/agent:1.2.3',
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'API_KEY', valueFrom: { secretKeyRef: { name: 'keys', key: 'api' } } }],
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
  });
  return {
    metadata: { labels: { 'ftekit.dev/workload': 'agent', 'app.kubernetes.io/name': 'agent' } },
    spec: {
      runtimeClassName: 'gvisor',
      automountServiceAccountToken: false,
      hostNetwork: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
      initContainers: [container('init')],
      containers: [container('agent')],
      ephemeralContainers: [{ ...container('debug'), resources: undefined }],
      volumes: [{ name: 'tmp', emptyDir: {} }, { name: 'keys', secret: { secretName: 'keys' } }],
    },
  };
}

/** Where each pod-bearing kind keeps its pod template. */
export const POD_KINDS: ReadonlyArray<{ apiVersion: string; kind: string; templatePath: string[] }> = [
  { apiVersion: 'v1', kind: 'Pod', templatePath: [] },
  { apiVersion: 'apps/v1', kind: 'Deployment', templatePath: ['spec', 'template'] },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', templatePath: ['spec', 'template'] },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', templatePath: ['spec', 'template'] },
  { apiVersion: 'batch/v1', kind: 'Job', templatePath: ['spec', 'template'] },
  { apiVersion: 'batch/v1', kind: 'CronJob', templatePath: ['spec', 'jobTemplate', 'spec', 'template'] },
  { apiVersion: 'agents.x-k8s.io/v1beta1', kind: 'Sandbox', templatePath: ['spec', 'podTemplate'] },
  { apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxTemplate', templatePath: ['spec', 'podTemplate'] },
];

/** A pod-bearing object of `kind` around `template` (a Pod takes the template's metadata). */
export function podObject(kind: string, template = compliantTemplate(), name = 'agent'): any {
  const k = POD_KINDS.find((p) => p.kind === kind)!;
  if (k.templatePath.length === 0) {
    return { apiVersion: k.apiVersion, kind, metadata: { name, namespace: NS, labels: template.metadata.labels, ...(template.metadata.annotations ? { annotations: template.metadata.annotations } : {}) }, spec: template.spec };
  }
  const obj: any = { apiVersion: k.apiVersion, kind, metadata: { name, namespace: NS } };
  let cur = obj;
  k.templatePath.forEach((key, i) => {
    if (i === k.templatePath.length - 1) cur[key] = template;
    else cur = cur[key] ??= {};
  });
  return obj;
}

/** The pod template inside an object made by {@link podObject}. */
export function templateOf(obj: any): { metadata: any; spec: any } {
  const k = POD_KINDS.find((p) => p.kind === obj.kind)!;
  if (k.templatePath.length === 0) return obj;
  return k.templatePath.reduce((o, key) => o[key], obj);
}

/** The JSON path prefix of the pod spec in `kind`. */
export function specPath(kind: string): string {
  const k = POD_KINDS.find((p) => p.kind === kind)!;
  return [...k.templatePath, 'spec'].join('.');
}

/** A namespace's default-deny policy (both directions) with DNS egress, as FteNamespace writes it. */
export function defaultDeny(ns = NS): any {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'default-deny', namespace: ns },
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    },
  };
}
