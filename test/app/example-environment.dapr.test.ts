import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildExampleApp } from '../../src/app/synth';
import { describeWithShared, expectSchemaValid } from '../support/schema';
import { ofKind, one, podSpecOf } from '../support/synth';

function exampleObjects(): any[] {
  const app = buildExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-dapr-')));
  return app.charts.flatMap((c) => Testing.synth(c));
}

/**
 * The pod as the Dapr injector (v1.18, Helm `sidecarDropALLCapabilities=true`) turns it into:
 * a `daprd` container whose security context comes from the chart values and the
 * `dapr.io/sidecar-seccomp-profile-type` annotation, and whose resources come from the
 * `dapr.io/sidecar-*` annotations.
 */
function injected(template: any): any {
  const a = template.metadata.annotations;
  const daprd = {
    name: 'daprd',
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
  };
  return { ...template.spec, containers: [...template.spec.containers, daprd] };
}

/** Pod Security Standard "restricted" (container-level and pod-level rules); returns violations. */
function restrictedViolations(pod: any): string[] {
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
  }
  for (const v of pod.volumes ?? []) {
    if (v.hostPath) out.push(`volume ${v.name}: hostPath`);
  }
  return out;
}

describe('example environment: Dapr worker, Vault sync, monitors', () => {
  const objs = exampleObjects();

  test('the research-analyst worker is a Dapr-injected Deployment on gVisor', () => {
    const dep = one(objs, 'Deployment', 'research-analyst-worker');
    const tpl = dep.spec.template;
    expect(tpl.metadata.annotations).toMatchObject({
      'dapr.io/enabled': 'true',
      'dapr.io/app-id': 'research-analyst-worker',
      'dapr.io/app-port': '8000',
      'dapr.io/config': 'research-analyst-worker',
      'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault',
    });
    expect(podSpecOf(dep).runtimeClassName).toBe('gvisor');
    expect(one(objs, 'PodDisruptionBudget', 'research-analyst-worker').spec.maxUnavailable).toBe(1);
    expect(one(objs, 'Service', 'research-analyst-worker').spec.selector).toEqual(dep.spec.selector.matchLabels);
  });

  test('after injection the worker pod is still Pod Security restricted, every container with limits', () => {
    const tpl = one(objs, 'Deployment', 'research-analyst-worker').spec.template;
    const pod = injected(tpl);
    expect(pod.containers.map((c: any) => c.name)).toEqual(['agent', 'daprd']);
    expect(restrictedViolations(pod)).toEqual([]);
    // Without the seccomp annotation the injected pod would be rejected: the check bites.
    const { ['dapr.io/sidecar-seccomp-profile-type']: _drop, ...rest } = tpl.metadata.annotations;
    const bare = injected({ ...tpl, metadata: { ...tpl.metadata, annotations: rest }, spec: { ...tpl.spec, securityContext: { ...tpl.spec.securityContext, seccompProfile: undefined } } });
    expect(restrictedViolations(bare)).toEqual(['daprd: seccomp undefined']);
  });

  test('Dapr components, configuration, resiliency and subscription, scoped to the worker', () => {
    const components = ofKind(objs, 'Component');
    expect(components.map((c) => `${c.metadata.name}:${c.spec.type}`).sort()).toEqual(['pubsub:pubsub.kafka', 'statestore:state.redis']);
    for (const c of components) expect(c.scopes).toEqual(['research-analyst-worker']);
    expect(one(objs, 'Component', 'pubsub').spec.metadata).toContainEqual({ name: 'saslPassword', secretKeyRef: { name: 'kafka-credentials', key: 'password' } });
    expect(one(objs, 'Component', 'statestore').spec.metadata).toContainEqual({ name: 'redisPassword', secretKeyRef: { name: 'redis-credentials', key: 'password' } });
    expect(one(objs, 'Configuration', 'research-analyst-worker').spec.metric.enabled).toBe(true);
    expect(one(objs, 'Resiliency', 'resiliency').spec.targets.components.pubsub.outbound.circuitBreaker).toBe('pubsub-outbound-cb');
    expect(one(objs, 'Subscription', 'research-requests').spec).toMatchObject({ pubsubname: 'pubsub', topic: 'research-requests', deadLetterTopic: 'research-requests-dead' });
  });

  test('LLM keys come from Vault: files for the sandbox, env plus rollout restart for the worker', () => {
    const llm = one(objs, 'VaultStaticSecret', 'llm-api-keys');
    expect(llm.spec).toMatchObject({ type: 'kv-v2', hmacSecretData: true, destination: { name: 'llm-api-keys', create: true } });
    expect(llm.spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'research-analyst-worker' }]);
    expect(one(objs, 'VaultStaticSecret', 'kafka-credentials').spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'research-analyst-worker' }]);
    const analyst = podSpecOf(one(objs, 'Sandbox', 'research-analyst'));
    expect(analyst.volumes).toContainEqual({ name: 'secret-0', secret: { secretName: 'llm-api-keys', defaultMode: 0o440 } });
    expect(analyst.containers[0].volumeMounts).toContainEqual({ name: 'secret-0', mountPath: '/var/run/secrets/llm', readOnly: true });
    expect(analyst.containers[0].env ?? []).toEqual([]);
    expect(one(objs, 'VaultAuth', 'vault').spec.kubernetes.serviceAccount).toBe('vault-vault-auth');
    expect(ofKind(objs, 'Secret')).toEqual([]);
  });

  test('monitors and alerts carry the kube-prometheus-stack selection label', () => {
    const monitoring = objs.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1');
    expect(monitoring.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'PodMonitor/research-analyst',
      'PodMonitor/research-analyst-worker-dapr',
      'PrometheusRule/ftekit-alerts',
      'ServiceMonitor/research-analyst-worker',
    ]);
    for (const o of monitoring) expect(o.metadata.labels.release).toBe('kube-prometheus-stack');
    const alerts = one(objs, 'PrometheusRule').spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(['FtePodNotReady', 'FteContainerRestartLoop', 'FteContainerOOMKilled', 'FteCpuThrottled', 'FteWarmPoolEmpty', 'FteClaimStartupSlow']));
  });

  test('the namespace quota counts the worker and its sidecars', () => {
    const hard = one(objs, 'ResourceQuota').spec.hard;
    // analyst 1 + pool 3 + 2 claims + worker 2 = 8 pods, x1.25 = 10.
    expect(hard.pods).toBe('10');
  });
});

describeWithShared('example environment (Dapr, Vault, monitors) schema', () => {
  test('every object, including the new kinds, is schema-valid', () => {
    const objs = exampleObjects();
    const kinds = new Set(objs.map((o) => o.kind));
    for (const k of ['Deployment', 'Component', 'Configuration', 'Resiliency', 'Subscription', 'VaultConnection', 'VaultAuth', 'VaultStaticSecret', 'ServiceMonitor', 'PodMonitor', 'PrometheusRule']) {
      expect(kinds.has(k)).toBe(true);
    }
    expectSchemaValid(objs);
  });
});
