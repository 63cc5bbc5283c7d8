/**
 * A simulation of the Dapr sidecar injector (no injector runs in the tests: there is no Dapr
 * control plane here). It turns a pod template that asks for injection (`dapr.io/enabled`)
 * into the pod the injector (v1.18, Helm `dapr_sidecar_injector.sidecarDropALLCapabilities=true`)
 * would admit: a `daprd` container whose security context comes from the injector defaults,
 * the Helm value and the `dapr.io/sidecar-seccomp-profile-type` annotation, whose resources
 * come from the `dapr.io/sidecar-*` annotations, with its ports, its projected identity token
 * and the `dapr.io/sidecar-injected` and `dapr.io/app-id` labels.
 */
import { OPERATOR_VERSIONS } from '../../src/environment/operator-sources';

/** Whether a pod template asks for a Dapr sidecar. */
export function asksForDapr(template: any): boolean {
  return template?.metadata?.annotations?.['dapr.io/enabled'] === 'true';
}

/** The pod template `template` after injection (a new object; `template` is unchanged). */
export function injectDaprd(template: any): any {
  const a = template.metadata.annotations;
  const daprd = {
    name: 'daprd',
    image: `ghcr.io/dapr/daprd:${OPERATOR_VERSIONS.dapr}`,
    args: ['--mode', 'kubernetes', '--app-id', a['dapr.io/app-id'], '--config', a['dapr.io/config']],
    ports: [
      { name: 'dapr-http', containerPort: 3500 },
      { name: 'dapr-grpc', containerPort: 50001 },
      { name: 'dapr-internal', containerPort: 50002 },
      { name: 'dapr-metrics', containerPort: Number(a['dapr.io/metrics-port']) },
    ],
    resources: {
      requests: { cpu: a['dapr.io/sidecar-cpu-request'], memory: a['dapr.io/sidecar-memory-request'] },
      limits: { cpu: a['dapr.io/sidecar-cpu-limit'], memory: a['dapr.io/sidecar-memory-limit'] },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      ...(a['dapr.io/sidecar-seccomp-profile-type'] ? { seccompProfile: { type: a['dapr.io/sidecar-seccomp-profile-type'] } } : {}),
    },
    volumeMounts: [{ name: 'dapr-identity-token', mountPath: '/var/run/secrets/dapr.io/sentrytoken', readOnly: true }],
  };
  const token = { name: 'dapr-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'dapr.io/sentry', expirationSeconds: 7200, path: 'token' } }] } };
  return {
    metadata: { ...template.metadata, labels: { ...template.metadata.labels, 'dapr.io/sidecar-injected': 'true', 'dapr.io/app-id': a['dapr.io/app-id'] } },
    spec: { ...template.spec, containers: [...template.spec.containers, daprd], volumes: [...(template.spec.volumes ?? []), token] },
  };
}

/** The pod template of a workload object (Deployment, Sandbox, SandboxTemplate). */
export function podTemplateOf(obj: any): any {
  return obj.kind === 'Sandbox' || obj.kind === 'SandboxTemplate' ? obj.spec.podTemplate : obj.spec.template;
}

/** `obj` (Deployment, Sandbox, SandboxTemplate) with its pod template injected. */
export function withInjectedPod(obj: any): any {
  const copy = JSON.parse(JSON.stringify(obj));
  const injected = injectDaprd(podTemplateOf(copy));
  if (copy.kind === 'Sandbox' || copy.kind === 'SandboxTemplate') copy.spec.podTemplate = injected;
  else copy.spec.template = injected;
  return copy;
}

/** Pod Security Standard "restricted" (container-level and pod-level rules) on a pod spec; returns violations. */
export function restrictedViolations(pod: any): string[] {
  const out: string[] = [];
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) out.push('host namespaces');
  const podSc = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) out.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) out.push(`${c.name}: allowPrivilegeEscalation`);
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) out.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? podSc.runAsUser) === 0) out.push(`${c.name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? podSc.seccompProfile)?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) out.push(`${c.name}: seccomp ${seccomp}`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) out.push(`${c.name}: capabilities not dropped`);
    if ((sc.capabilities?.add ?? []).some((x: string) => x !== 'NET_BIND_SERVICE')) out.push(`${c.name}: capabilities added`);
    if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) out.push(`${c.name}: no limits`);
    if ((c.ports ?? []).some((p: any) => p.hostPort)) out.push(`${c.name}: host port`);
  }
  for (const v of pod.volumes ?? []) {
    if (v.hostPath) out.push(`volume ${v.name}: hostPath`);
  }
  return out;
}
