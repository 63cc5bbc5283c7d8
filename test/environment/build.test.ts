import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildEnvironment } from '../../src/environment/build';
import { FteValidationError } from '../../src/errors';
import { loadAllStackSpecs, specFromStackConfig, stackNames } from '../../src/environment/stack-files';
import { describeWithShared, expectSchemaValid } from '../support/schema';
import { ofKind, one, podSpecOf } from '../support/synth';

const ROOT = path.resolve(__dirname, '../..');
const STACKS = path.join(ROOT, 'stacks');
const CLUSTER_KINDS = ['RuntimeClass', 'Namespace', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'VolumeSnapshotClass'];

function synthEnv(name: string): { cluster: any[]; ftes: any[] } {
  const spec = loadAllStackSpecs(STACKS).find((s) => s.name === name)!;
  const charts = buildEnvironment(Testing.app(), spec);
  return { cluster: Testing.synth(charts.cluster), ftes: Testing.synth(charts.ftes) };
}

function stackConfig(name: string): Record<string, any> {
  return parse(fs.readFileSync(path.join(STACKS, `Pulumi.${name}.yaml`), 'utf8')).config;
}

/**
 * Applies `edit` to a copy of the prod spec, parses and builds it as synth does, and returns
 * the error message: shape problems come from the parser, the rest from the constructs.
 */
function errorFor(edit: (env: any) => void): string {
  const config = JSON.parse(JSON.stringify(stackConfig('prod')));
  edit(config['ftekit:environment']);
  try {
    buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml'));
  } catch (e) {
    expect(e).toBeInstanceOf(FteValidationError);
    return (e as Error).message;
  }
  throw new Error('expected the spec to be rejected');
}

describe('environments', () => {
  test('three stacks: dev, prod, staging', () => {
    expect(stackNames(STACKS)).toEqual(['dev', 'prod', 'staging']);
  });

  test.each(['dev', 'staging', 'prod'])('%s: cluster-scoped objects apart from namespaced ones', (name) => {
    const { cluster, ftes } = synthEnv(name);
    for (const o of cluster) {
      expect(CLUSTER_KINDS).toContain(o.kind);
      expect(o.metadata.namespace).toBeUndefined();
    }
    expect(one(cluster, 'Namespace', 'digital-ftes').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of ftes) {
      expect(CLUSTER_KINDS).not.toContain(o.kind);
      expect(o.metadata.namespace).toBe('digital-ftes');
    }
  });

  test('dev: minikube gVisor, standard NetworkPolicy with the visible public fallback, small pool', () => {
    const { cluster, ftes } = synthEnv('dev');
    expect(one(cluster, 'RuntimeClass', 'gvisor').handler).toBe('runsc');
    expect(ofKind(ftes, 'CiliumNetworkPolicy')).toHaveLength(0);
    expect(one(ftes, 'NetworkPolicy', 'research-analyst-allowlist').metadata.annotations['ftekit.dev/hostname-fallback']).toContain('api.anthropic.com:443');
    expect(one(ftes, 'SandboxWarmPool', 'code-exec').spec.replicas).toBe(1);
    expect(ofKind(ftes, 'ScaledObject')).toHaveLength(0);
  });

  test('staging: a fixed pool sized from its demand', () => {
    const warm = one(synthEnv('staging').ftes, 'SandboxWarmPool', 'code-exec');
    // 2 claims/min x 30s = 1 in flight; ceil(1 + 2*sqrt(1)) = 3.
    expect(warm.spec.replicas).toBe(3);
    expect(warm.metadata.annotations['ftekit.dev/pool-sizing']).toMatch(/normal 2\/min x 30s = 1 -> 3 warm; fixed at 3$/);
  });

  test('prod: GKE Sandbox scheduling, GKE FQDN hostname egress, autoscaled pool, orchestrator with claim rights', () => {
    const { cluster, ftes } = synthEnv('prod');
    expect(ofKind(cluster, 'RuntimeClass')).toHaveLength(0); // GKE provides gvisor
    const pod = podSpecOf(one(ftes, 'Sandbox', 'research-analyst'));
    expect(pod.runtimeClassName).toBe('gvisor');
    expect(pod.nodeSelector).toEqual({ 'sandbox.gke.io/runtime': 'gvisor' });
    // Hostnames are GKE FQDNNetworkPolicies; prod's pods need no Cilium objects.
    expect(ofKind(ftes, 'CiliumNetworkPolicy')).toHaveLength(0);
    expect(one(ftes, 'FQDNNetworkPolicy', 'research-analyst-fqdn').spec.egress).toEqual([
      { matches: [{ pattern: '*.googleapis.com' }, { name: 'api.anthropic.com' }, { name: 'api.openai.com' }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(one(ftes, 'FQDNNetworkPolicy', 'research-analyst-worker-fqdn').spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'research-analyst-worker' } });
    // DNS (to kube-dns, which GKE's FQDN policy needs) stays in the NetworkPolicy, with no public ipBlock.
    const np = one(ftes, 'NetworkPolicy', 'research-analyst-allowlist');
    expect(np.spec.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(JSON.stringify(np)).not.toContain('0.0.0.0/0');
    // The pool is sized from its demand and scaled by KEDA on the controller's claim counter;
    // no bare External-metric HPA, and spec.replicas is explicit (the minimum).
    expect(ofKind(ftes, 'HorizontalPodAutoscaler').map((o) => o.metadata.name)).toEqual(['research-analyst-worker']);
    const warm = one(ftes, 'SandboxWarmPool', 'code-exec');
    expect(warm.spec.replicas).toBe(4);
    expect(warm.metadata.annotations['ftekit.dev/pool-sizing']).toContain('normal 6/min x 15s = 1.5 -> 4 warm; peak 24/min x 15s = 6 -> 11 warm');
    const scaled = one(ftes, 'ScaledObject', 'code-exec');
    expect(scaled.spec).toMatchObject({ minReplicaCount: 4, maxReplicaCount: 11, scaleTargetRef: { apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxWarmPool', name: 'code-exec' } });
    expect(scaled.spec.triggers[0].metadata).toMatchObject({ serverAddress: 'http://prometheus-operated.monitoring.svc:9090', threshold: '1' });
    expect(scaled.spec.triggers[0].metadata.query).toContain('agent_sandbox_claim_creation_total{warmpool_name="code-exec",sandbox_template="code-exec"}');
    // The Vault-synced LLM keys reach the sandbox as files, which follow rotation; no env.
    const analyst = pod.containers[0];
    expect(analyst.env ?? []).not.toContainEqual(expect.objectContaining({ valueFrom: expect.anything() }));
    expect(pod.volumes).toContainEqual(expect.objectContaining({ secret: expect.objectContaining({ secretName: 'llm-api-keys' }) }));
    expect(analyst.volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/var/run/secrets/llm', readOnly: true }));
    expect(one(ftes, 'Role', 'orchestrator-api')).toBeDefined();
    // The on-call group may exec into the research analyst's pod and read its logs, nothing more.
    const access = ofKind(ftes, 'Role').filter((r) => r.metadata.name.startsWith('research-analyst-access-'));
    expect(access.map((r) => r.metadata.name)).toEqual(['research-analyst-access-oidc-fte-oncall-acme-example-2f8a74d3']);
    expect(access[0].rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: ['research-analyst'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'], resourceNames: ['research-analyst'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'], resourceNames: ['research-analyst'] },
    ]);
    expect(one(ftes, 'RoleBinding', access[0].metadata.name).subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'oidc:fte-oncall@acme.example' }]);
    // Both FTEs may reach the pool, and the pool accepts exactly those two.
    expect(one(ftes, 'NetworkPolicy', 'code-exec-allowlist').spec.ingress.map((r: any) => r.from[0].podSelector.matchLabels['ftekit.dev/workload'])).toEqual(['research-analyst', 'orchestrator', 'research-analyst-worker']);
  });

  test('prod: daily SnapScheduler backups of every workspace, with a VolumeSnapshotClass for the GKE PD CSI driver', () => {
    const { cluster, ftes } = synthEnv('prod');
    const s = one(ftes, 'SnapshotSchedule', 'daily');
    expect(s.spec).toMatchObject({
      schedule: '0 3 * * *',
      retention: { maxCount: 7, expires: '168h' },
      claimSelector: { matchLabels: { 'app.kubernetes.io/component': 'workspace', 'app.kubernetes.io/part-of': 'ftekit' } },
      snapshotTemplate: { snapshotClassName: 'workspace-snapshots' },
    });
    // Every persistent workspace of the stack is selected (the pool's is ephemeral: no PVC).
    for (const name of ['research-analyst', 'orchestrator']) {
      const labels = one(ftes, 'Sandbox', name).spec.volumeClaimTemplates[0].metadata.labels;
      for (const [k, v] of Object.entries(s.spec.claimSelector.matchLabels)) expect(labels[k]).toBe(v);
    }
    expect(one(cluster, 'VolumeSnapshotClass', 'workspace-snapshots')).toMatchObject({ driver: 'pd.csi.storage.gke.io', deletionPolicy: 'Delete' });
  });

  test('dev: the research analyst mounts its skills from an image volume, read-only', () => {
    const { ftes } = synthEnv('dev');
    const sb = one(ftes, 'Sandbox', 'research-analyst');
    const pod = podSpecOf(sb);
    expect(pod.volumes).toContainEqual({ name: 'skills', image: { reference: 'ghcr.io/acme/fte-skills:1.2.0', pullPolicy: 'IfNotPresent' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'skills', mountPath: '/skills', readOnly: true });
    expect(ofKind(ftes, 'SnapshotSchedule')).toEqual([]);
  });

  test('prod: a Dapr worker with Kafka, Redis and a subscription, secrets from Vault, monitors and alerts', () => {
    const { ftes } = synthEnv('prod');
    const worker = one(ftes, 'Deployment', 'research-analyst-worker');
    expect(worker.spec.template.metadata.annotations['dapr.io/enabled']).toBe('true');
    expect(worker.spec.template.spec.runtimeClassName).toBe('gvisor');
    expect(one(ftes, 'HorizontalPodAutoscaler', 'research-analyst-worker').spec).toMatchObject({ minReplicas: 2, maxReplicas: 10 });
    expect(one(ftes, 'PodDisruptionBudget', 'research-analyst-worker').spec.maxUnavailable).toBe(1);
    const kafka = one(ftes, 'Component', 'pubsub');
    expect(kafka.spec.type).toBe('pubsub.kafka');
    expect(kafka.spec.metadata).toContainEqual({ name: 'saslPassword', secretKeyRef: { name: 'kafka-credentials', key: 'password' } });
    expect(one(ftes, 'Component', 'statestore').spec.type).toBe('state.redis');
    expect(one(ftes, 'Subscription', 'research-requests').spec).toMatchObject({ topic: 'research-requests', pubsubname: 'pubsub', deadLetterTopic: 'research-requests-dead' });
    // Vault syncs the three Secrets, and rotating the LLM keys restarts the worker that reads them as env.
    expect(ofKind(ftes, 'VaultStaticSecret').map((o) => o.metadata.name).sort()).toEqual(['kafka-credentials', 'llm-api-keys', 'redis-credentials']);
    expect(one(ftes, 'VaultStaticSecret', 'llm-api-keys').spec.rolloutRestartTargets).toEqual([{ kind: 'Deployment', name: 'research-analyst-worker' }]);
    expect(one(ftes, 'VaultConnection', 'vault').spec.caCertSecretRef).toBe('vault-ca');
    // Both Dapr apps' sidecars are scraped: the worker's and the research analyst's.
    expect(ofKind(ftes, 'PodMonitor').map((o) => o.metadata.name).sort()).toEqual(['research-analyst-dapr', 'research-analyst-worker-dapr']);
    expect(one(ftes, 'PodMonitor', 'research-analyst-dapr').spec.selector.matchLabels).toEqual({ 'dapr.io/app-id': 'research-analyst' });
    expect(one(ftes, 'ServiceMonitor', 'research-analyst-worker').spec.endpoints[0].port).toBe('metrics');
    expect(ofKind(ftes, 'PrometheusRule')).toHaveLength(1);
    // No Secret values anywhere in the synthesised output.
    expect(ofKind(ftes, 'Secret')).toEqual([]);
  });

  test.each(['staging', 'prod'])('%s: the research analyst is a Dapr-enabled sandbox with its own components, subscription and resiliency', (env) => {
    const { ftes } = synthEnv(env);
    const tpl = one(ftes, 'Sandbox', 'research-analyst').spec.podTemplate;
    expect(tpl.metadata.annotations).toMatchObject({
      'dapr.io/enabled': 'true', 'dapr.io/app-id': 'research-analyst', 'dapr.io/app-port': '8000', 'dapr.io/config': 'research-analyst',
      'dapr.io/sidecar-seccomp-profile-type': 'RuntimeDefault', 'dapr.io/sidecar-cpu-limit': '300m', 'dapr.io/sidecar-memory-limit': '1000Mi',
    });
    // The workspace stays: a PVC per sandbox from the volume claim template.
    expect(one(ftes, 'Sandbox', 'research-analyst').spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(one(ftes, 'Configuration', 'research-analyst').spec.metric.enabled).toBe(true);
    const scoped = ftes.filter((o) => ['Component', 'Subscription', 'Resiliency'].includes(o.kind) && o.scopes?.includes('research-analyst'));
    expect(scoped.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['Component/analyst-pubsub', 'Component/analyst-statestore', 'Resiliency/research-analyst', 'Subscription/research-feedback']);
    for (const o of scoped) expect(o.scopes).toEqual(['research-analyst']);
    expect(one(ftes, 'Component', 'analyst-pubsub').spec.metadata).toEqual(expect.arrayContaining([
      { name: 'consumerGroup', value: 'research-analyst-fte' },
      { name: 'saslPassword', secretKeyRef: { name: 'kafka-credentials', key: 'password' } },
    ]));
    expect(one(ftes, 'Subscription', 'research-feedback').spec).toMatchObject({ pubsubname: 'analyst-pubsub', topic: 'research-feedback', deadLetterTopic: 'research-feedback-dead' });
    const resiliency = one(ftes, 'Resiliency', 'research-analyst').spec;
    expect(resiliency.targets.components).toEqual({
      'analyst-pubsub': { outbound: { timeout: 'analyst-pubsub-outbound-timeout', retry: 'analyst-pubsub-outbound-retry', circuitBreaker: 'analyst-pubsub-outbound-cb' } },
      'analyst-statestore': { outbound: { timeout: 'analyst-statestore-outbound-timeout', retry: 'analyst-statestore-outbound-retry' } },
    });
    expect(resiliency.policies.retries['analyst-pubsub-outbound-retry']).toEqual({ policy: 'exponential', maxInterval: '30s', maxRetries: 5 });
    // The worker's new resiliency field.
    expect(one(ftes, 'Resiliency', 'research-analyst-worker').spec.targets.components).toEqual({ pubsub: { inbound: { retry: 'pubsub-inbound-retry' } } });
    // The Dapr flows of the sandbox, on both sides where both are ours: control plane,
    // sidecar to sidecar, Kafka and Redis through the components (no longer in egress).
    const np = ofKind(ftes, 'NetworkPolicy').find((o) => o.spec.podSelector.matchLabels?.['ftekit.dev/workload'] === 'research-analyst');
    const egressPorts = np.spec.egress.flatMap((r: any) => r.ports.map((p: any) => p.port));
    expect(egressPorts).toEqual(expect.arrayContaining([50001, 6500, 50005, 50006, 50002, 9092, 6379]));
    expect(np.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'dapr.io/sidecar-injected': 'true' } } }], ports: [{ protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] });
  });

  describe('the Dapr app of an FTE or pool: every problem at its stack-file field, in one run', () => {
    const analyst = (e: any): any => e.ftes[0];
    test.each<[string, (env: any) => void, string]>([
      ['dapr that is not an object', (e) => { analyst(e).dapr = true; }, 'ftekit:environment.ftes[0].dapr: true is not a mapping; expected keys appId, appPort, pubsub, stateStore, subscriptions, resiliency'],
      ['an unknown dapr field', (e) => { analyst(e).dapr.replicas = 2; }, 'ftekit:environment.ftes[0].dapr.replicas: unknown field'],
      ['an app port the FTE does not declare', (e) => { analyst(e).dapr.appPort = 9999; }, 'ftekit:environment.ftes[0].dapr.appPort: 9999 is not one of the declared ports (8000); expected a declared port'],
      ['an app id that is not a DNS label', (e) => { analyst(e).dapr.appId = 'Research_Analyst'; }, 'ftekit:environment.ftes[0].dapr.appId: "Research_Analyst"'],
      // The later entry is the one that clashes.
      ['an app id another workload has', (e) => { analyst(e).dapr.appId = 'research-analyst-worker'; }, 'ftekit:environment.daprWorkers[0].appId: "research-analyst-worker" is already the name of a Dapr app id in namespace "digital-ftes" (from \'ftes/research-analyst\')'],
      ['a broker that is no host:port', (e) => { analyst(e).dapr.pubsub.brokers = ['kafka:99999']; }, 'ftekit:environment.ftes[0].dapr.pubsub.brokers[0]: "kafka:99999"'],
      ['a component name the worker has', (e) => { analyst(e).dapr.stateStore.name = 'statestore'; }, 'ftekit:environment.daprWorkers[0].stateStore.name: "statestore" is already the name of a Component in namespace "digital-ftes" (from \'ftes/research-analyst/statestore\')'],
      ['a component name the FTE has already', (e) => { analyst(e).dapr.stateStore.name = 'analyst-pubsub'; }, 'ftekit:environment.ftes[0].dapr.stateStore: construct id "analyst-pubsub" is already taken by another child of this FteSandbox (ftes/research-analyst/analyst-pubsub); expected another id'],
      ['a subscription without pubsub', (e) => { delete analyst(e).dapr.pubsub; delete analyst(e).dapr.resiliency.pubsub; }, "ftekit:environment.ftes[0].dapr.pubsub: is missing; subscriptions need the app's pubsub"],
      ['a route that is no path', (e) => { analyst(e).dapr.subscriptions[0].route = 'feedback'; }, 'ftekit:environment.ftes[0].dapr.subscriptions[0].route: "feedback" is not a path'],
      ['a duration without unit', (e) => { analyst(e).dapr.resiliency.stateStore.outbound.timeout = 2; }, 'ftekit:environment.ftes[0].dapr.resiliency.stateStore.outbound.timeout: 2 is not a duration; expected a whole number with a unit'],
      ['an unbounded retry', (e) => { analyst(e).dapr.resiliency.pubsub.outbound.retry.maxRetries = -1; }, 'ftekit:environment.ftes[0].dapr.resiliency.pubsub.outbound.retry: maxRetries: -1'],
      ['a retry with the other policy\'s interval', (e) => { analyst(e).dapr.resiliency.stateStore.outbound.retry.maxInterval = '5s'; }, 'ftekit:environment.ftes[0].dapr.resiliency.stateStore.outbound.retry.maxInterval: is set on a constant retry; expected interval'],
      ['an unknown retry policy', (e) => { analyst(e).dapr.resiliency.stateStore.outbound.retry.policy = 'linear'; }, 'ftekit:environment.ftes[0].dapr.resiliency.stateStore.outbound.retry.policy: "linear"'],
      ['policies that set nothing', (e) => { analyst(e).dapr.resiliency.stateStore.outbound = {}; }, 'ftekit:environment.ftes[0].dapr.resiliency.stateStore.outbound: has no timeout, retry or circuitBreaker; expected at least one'],
      ['a circuit breaker tripping at 0 failures', (e) => { analyst(e).dapr.resiliency.pubsub.outbound.circuitBreaker.consecutiveFailures = 0; }, 'ftekit:environment.ftes[0].dapr.resiliency.pubsub.outbound.circuitBreaker.consecutiveFailures: 0'],
      ['policies for a component the app lacks', (e) => { delete analyst(e).dapr.stateStore; }, "ftekit:environment.ftes[0].dapr.resiliency.stateStore: is set, but the app has no stateStore"],
      ['a pool app port on a port daprd binds', (e) => { e.pools[0].ports = [{ name: 'http', port: 3500 }]; e.pools[0].readiness.port = 3500; e.pools[0].dapr = {}; e.ftes[0].pools = []; e.ftes[1].pools = []; e.daprWorkers[0].pools = []; }, 'ftekit:environment.pools[0].ports[0].port: 3500 is a port daprd binds in the pod'],
      ['an unknown pool dapr field', (e) => { e.pools[0].dapr = { sidecar: {} }; }, 'ftekit:environment.pools[0].dapr.sidecar: unknown field'],
      ['a worker resiliency retry without maxRetries', (e) => { delete e.daprWorkers[0].resiliency.pubsub.inbound.retry.maxRetries; }, 'ftekit:environment.daprWorkers[0].resiliency.pubsub.inbound.retry.maxRetries'],
      ['a worker resiliency name that is no DNS label', (e) => { e.daprWorkers[0].resiliency.name = 'Worker Policies'; }, 'ftekit:environment.daprWorkers[0].resiliency.name: "Worker Policies"'],
    ])('%s', (_what, edit, expected) => {
      expect(errorFor(edit)).toContain(expected);
    });

    test('several Dapr faults of one FTE are all reported, each at its own field', () => {
      const message = errorFor((e) => {
        analyst(e).dapr.appPort = 9999;
        analyst(e).dapr.appId = 'Analyst';
        e.daprWorkers[0].resiliency.pubsub.inbound.timeout = 'soon';
      });
      expect(message).toContain('ftes[0].dapr.appPort: 9999');
      expect(message).toContain('ftes[0].dapr.appId: "Analyst"');
      expect(message).toContain('daprWorkers[0].resiliency.pubsub.inbound.timeout: "soon" is not a duration');
    });

    test('a pool becomes one Dapr app: every sandbox of it shares the app id, the template carries the sidecar', () => {
      const config = JSON.parse(JSON.stringify(stackConfig('prod')));
      config['ftekit:environment'].pools[0].dapr = { appId: 'code-exec-app', stateStore: { name: 'code-exec-state', host: 'redis:6379' } };
      const ftes = Testing.synth(buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml')).ftes);
      const tpl = one(ftes, 'SandboxTemplate', 'code-exec').spec.podTemplate;
      expect(tpl.metadata.annotations).toMatchObject({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'code-exec-app', 'dapr.io/app-port': '8080', 'dapr.io/config': 'code-exec' });
      expect(one(ftes, 'Component', 'code-exec-state').scopes).toEqual(['code-exec-app']);
      expect(one(ftes, 'PodMonitor', 'code-exec-dapr').spec.selector.matchLabels).toEqual({ 'dapr.io/app-id': 'code-exec-app' });
    });
  });

  test('a value the parser lets through but a construct refuses is still located in the stack file', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('prod')));
    config['ftekit:environment'].vault.address = 'https://user:pw@vault:8200';
    const spec = specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml');
    expect(() => buildEnvironment(Testing.app(), spec)).toThrow('stacks/Pulumi.prod.yaml: ftekit:environment.vault.address: address "https://user:pw@vault:8200" carries credentials');
  });

  test('a hostname a backend refuses is located in the stack file, naming the rule and the limit', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('prod')));
    config['ftekit:environment'].egressEnforcement = 'eks-application-network-policy';
    const spec = specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml');
    expect(() => buildEnvironment(Testing.app(), spec)).toThrow(
      /^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.ftes\[0\]\.egress\[0\]: hostname "\*\.googleapis\.com" is a wildcard, which an EKS ApplicationNetworkPolicy matches at one or more labels/);
    config['ftekit:environment'].egressEnforcement = 'gke-fqdn';
    config['ftekit:environment'].ftes[0].egress = Array.from({ length: 51 }, (_, i) => `api${i}.example.com:443`);
    expect(() => buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml'))).toThrow(
      /^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.ftes\[0\]\.egress\[50\]: hostname "api50\.example\.com" would be hostname 51 of FQDNNetworkPolicy research-analyst-fqdn, but GKE resolves at most 50 IP addresses per FQDNNetworkPolicy/);
  });

  test('eks-application-network-policy: exact hostnames become an ApplicationNetworkPolicy, no Cilium objects', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('prod')));
    config['ftekit:environment'].egressEnforcement = 'eks-application-network-policy';
    config['ftekit:environment'].ftes[0].egress = ['kafka:9092', 'api.anthropic.com:443'];
    const ftes = Testing.synth(buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml')).ftes);
    expect(ofKind(ftes, 'CiliumNetworkPolicy')).toHaveLength(0);
    expect(one(ftes, 'ApplicationNetworkPolicy', 'research-analyst-fqdn').spec.egress).toEqual([{ to: [{ domainNames: ['api.anthropic.com'] }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    expect(ofKind(ftes, 'ApplicationNetworkPolicy').map((o) => o.metadata.name)).toEqual(['research-analyst-fqdn', 'research-analyst-worker-fqdn']);
  });

  test('a local development Vault on plain HTTP is allowed only when the stack says so', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('prod')));
    Object.assign(config['ftekit:environment'].vault, { address: 'http://vault.vault.svc:8200', allowPlainHttp: true });
    const spec = specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml');
    expect(one(Testing.synth(buildEnvironment(Testing.app(), spec).ftes), 'VaultConnection', 'vault').spec.address).toBe('http://vault.vault.svc:8200');
  });

  test('an explicit quota below what the workloads need is refused, naming the quota field', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('prod')));
    config['ftekit:environment'].quota = { pods: 2 };
    const spec = specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml');
    expect(() => buildEnvironment(Testing.app(), spec)).toThrow(/^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.quota\.pods: 2 is less than the \d+ the namespace's workloads need/);
    config['ftekit:environment'].quota = { pods: 1000, limitsMemory: '1Gi' };
    expect(() => buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml'))).toThrow(/ftekit:environment\.quota\.limitsMemory: 1Gi is less than the \d+[MG]i the namespace's workloads need/);
    config['ftekit:environment'].quota = { pods: 1000 };
    expect(() => buildEnvironment(Testing.app(), specFromStackConfig('prod', config, 'stacks/Pulumi.prod.yaml'))).not.toThrow();
  });

  test('unsandboxed is accepted on a local cluster, with its reason', () => {
    const config = JSON.parse(JSON.stringify(stackConfig('dev')));
    Object.assign(config['ftekit:environment'], { runtime: 'unsandboxed', unsandboxedReason: 'kind has no gVisor' });
    for (const context of ['minikube', 'kind-ftes', 'docker-desktop']) {
      const spec = specFromStackConfig('dev', { ...config, 'kubernetes:context': context }, 'stacks/Pulumi.dev.yaml');
      expect(spec.runtime.unsandboxedReason).toBe('kind has no gVisor');
    }
  });

  test('dev: Pulumi-managed secrets and operator choices stay out of the manifests', () => {
    const spec = loadAllStackSpecs(STACKS).find((s) => s.name === 'dev')!;
    expect(spec.deploy.secrets).toEqual([{ name: 'llm-api-keys', data: { anthropic: 'anthropicApiKey', openai: 'openaiApiKey' } }]);
    expect(spec.deploy.operators).toEqual({
      agentSandbox: { files: ['https://github.com/kubernetes-sigs/agent-sandbox/releases/download/v1.0.3/sandbox-with-extensions.yaml'], local: false, version: 'v1.0.3' },
      dapr: undefined,
      vaultSecretsOperator: undefined,
      prometheusOperatorCrds: undefined,
    });
    const { cluster, ftes } = synthEnv('dev');
    expect([...cluster, ...ftes].filter((o) => o.kind === 'Secret')).toEqual([]);
    expect(JSON.stringify([...cluster, ...ftes])).not.toContain('anthropicApiKey');
  });

  test('staging: Kata QEMU RuntimeClass with its overhead', () => {
    const { cluster } = synthEnv('staging');
    expect(one(cluster, 'RuntimeClass', 'kata-qemu').overhead).toEqual({ podFixed: { cpu: '250m', memory: '160Mi' } });
  });

  describe('spec validation names the file, the field path, the value and what is expected', () => {
    test.each<[string, (env: any) => void, string]>([
      ['an out-of-range egress port', (e) => { e.ftes[1].egress = ['redis:6379']; e.ftes.push({ ...e.ftes[0], name: 'third', egress: ['kafka:99999'] }); },
        'stacks/Pulumi.prod.yaml: ftekit:environment.ftes[2].egress[0]: "kafka:99999": port 99999 is out of range; expected an integer 1-65535'],
      ['a misspelt field', (e) => { e.ftes[0].imagePullPolicyy = 'Always'; }, 'ftekit:environment.ftes[0].imagePullPolicyy: unknown field "imagePullPolicyy"; expected one of name, image'],
      ['an unknown runtime', (e) => { e.runtime = 'runc'; }, 'ftekit:environment.runtime: "runc" is not one of gvisor, gke-sandbox, kata-qemu, kata-fc, kata-clh, unsandboxed'],
      ['unsandboxed without a reason', (e) => { e.runtime = 'unsandboxed'; }, 'ftekit:environment.unsandboxedReason: is missing; runtime "unsandboxed" needs a reason'],
      ['a malformed quantity', (e) => { e.ftes[0].resources.memory.limit = '4GB'; }, 'ftekit:environment.ftes[0].resources.memory.limit: "4GB" is not a size quantity'],
      ['request above limit', (e) => { e.ftes[0].resources.cpu.request = '3'; }, 'ftekit:environment.ftes[0].resources.cpu: request 3 is greater than the limit 2; expected request <= limit'],
      ['a latest image', (e) => { e.pools[0].image = 'python:latest'; }, 'ftekit:environment.pools[0].image: image "python:latest" uses the mutable tag "latest"'],
      ['a hostname under plain NetworkPolicy', (e) => { e.egressEnforcement = 'kubernetes'; }, 'ftekit:environment.ftes[0].egress[0]: hostname "*.googleapis.com" cannot be enforced by a Kubernetes NetworkPolicy'],
      ['an unknown egress enforcement', (e) => { e.egressEnforcement = 'calico'; }, 'ftekit:environment.egressEnforcement: "calico" is not one of kubernetes, cilium, gke-fqdn, eks-application-network-policy, kubernetes-public-fallback'],
      ['a literal secret in env', (e) => { e.ftes[0].env = { SLACK_TOKEN: 'xoxb-1' }; }, 'ftekit:environment.ftes[0].env.SLACK_TOKEN: "SLACK_TOKEN" looks like a secret but has a literal value'],
      ['an unknown pool reference', (e) => { e.ftes[0].pools[0].name = 'nope'; }, 'ftekit:environment.ftes[0].pools[0].name: "nope" is not a pool of this environment; expected one of code-exec'],
      ['duplicate workload names', (e) => { e.ftes[1].name = 'code-exec'; }, 'ftekit:environment: workload name "code-exec" is used twice'],
      ['a bad namespace', (e) => { e.namespace = 'Digital_FTEs'; }, 'ftekit:environment.namespace: "Digital_FTEs" is not a valid name'],
      ['replicas with autoscaling', (e) => { e.pools[0].replicas = 3; }, 'ftekit:environment.pools[0].replicas: 3 is set together with autoscaling'],
      ['inverted autoscaling bounds', (e) => { e.pools[0].autoscaling.maxReplicas = 2; }, 'ftekit:environment.pools[0].autoscaling.maxReplicas: 2 is not a whole number >= max(1, minReplicas=4) and <= 10000'],
      ['autoscaling without a Prometheus address', (e) => { delete e.pools[0].autoscaling.prometheusAddress; }, 'ftekit:environment.pools[0].autoscaling.prometheusAddress: is missing; expected the URL of the Prometheus HTTP API'],
      ['autoscaling without demand', (e) => { delete e.pools[0].demand; }, 'ftekit:environment.pools[0].autoscaling: is set without demand; expected demand too'],
      ['a demand without cold start', (e) => { delete e.pools[0].demand.coldStartSeconds; }, 'ftekit:environment.pools[0].demand.coldStartSeconds: is missing; expected a number'],
      ['a demand that is text', (e) => { e.pools[0].demand.claimsPerMinute = 'lots'; }, 'ftekit:environment.pools[0].demand.claimsPerMinute: "lots" is not a number'],
      ['a peak below the normal rate', (e) => { e.pools[0].demand.peakClaimsPerMinute = 1; }, 'ftekit:environment.pools[0].demand.peakClaimsPerMinute: 1 is below claimsPerMinute (6)'],
      ['replicas with demand', (e) => { delete e.pools[0].autoscaling; e.pools[0].replicas = 3; }, 'ftekit:environment.pools[0].replicas: 3 is set together with demand'],
      ['a sandbox reading a Vault-synced secret as env', (e) => { e.ftes[0].secretEnv = { ANTHROPIC_API_KEY: { secret: 'llm-api-keys', key: 'anthropic' } }; },
        'ftekit:environment.ftes[0].secretEnv.ANTHROPIC_API_KEY: "ANTHROPIC_API_KEY" reads the Vault-synced Secret llm-api-keys as an environment variable, which a running sandbox never sees change'],
      ['a pool reading a Vault-synced secret as env', (e) => { e.pools[0].secretEnv = { TOKEN: { secret: 'kafka-credentials', key: 'password' } }; },
        'ftekit:environment.pools[0].secretEnv.TOKEN: "TOKEN" reads the Vault-synced Secret kafka-credentials as an environment variable'],
      ['a duplicate claim', (e) => { e.pools[0].claims = ['a', 'a']; }, 'ftekit:environment.pools[0].claims: claim "a" is listed twice'],
      ['a system namespace', (e) => { e.namespace = 'kube-system'; }, 'ftekit:environment.namespace: "kube-system" is a system or operator namespace'],
      ['the Prometheus namespace', (e) => { e.namespace = 'monitoring'; }, 'ftekit:environment.namespace: "monitoring" is also the Prometheus namespace'],
      ['an unsandboxed runtime on a non-local cluster', (e) => { e.runtime = 'unsandboxed'; e.unsandboxedReason = 'no gVisor'; }, 'ftekit:environment.runtime: "unsandboxed" is for local clusters only, and kubernetes:context is "gke_acme-prod_europe-west4_ftes"'],
      ['a blank unsandboxed reason', (e) => { e.runtime = 'unsandboxed'; e.unsandboxedReason = '  '; }, 'ftekit:environment.unsandboxedReason: "  " is blank'],
      ['a claim in two pools', (e) => { e.pools.push({ ...e.pools[0], name: 'code-exec-2', claims: ['analyst-task-1'] }); }, 'ftekit:environment.pools: claim "analyst-task-1" is listed in two pools'],
      ['a claim named like a workload', (e) => { e.pools[0].claims = ['orchestrator']; }, 'ftekit:environment.pools: claim "orchestrator" is also a workload name'],
      ['a plain-HTTP Vault address', (e) => { e.vault.address = 'http://vault:8200'; }, 'ftekit:environment.vault.address: address "http://vault:8200" is plain HTTP, which sends tokens and secrets in clear text; expected https://, or allowPlainHttp: true'],
      ['an ingress port the FTE does not listen on', (e) => { e.ftes[0].ingressFrom[0].port = 8001; }, 'ftekit:environment.ftes[0].ingressFrom[0].port: 8001 is not a port of this FTE (8000)'],
      ['a pool port the pool does not listen on', (e) => { e.ftes[0].pools[0].port = 9090; }, 'ftekit:environment.ftes[0].pools[0].port: 9090 is not a port of pool "code-exec" (8080)'],
      ['a worker reaching a pool on a port it does not listen on', (e) => { e.daprWorkers[0].pools[0].port = 81; }, 'ftekit:environment.daprWorkers[0].pools[0].port: 81 is not a port of pool "code-exec" (8080)'],
      ['two workers with one pub/sub component name', (e) => { e.daprWorkers.push({ ...e.daprWorkers[0], name: 'second-worker', stateStore: { ...e.daprWorkers[0].stateStore, name: 'state-2' } }); },
        'ftekit:environment.daprWorkers[1].pubsub.name: "pubsub" is already the name of a Component in namespace "digital-ftes" (from \'ftes/research-analyst-worker/pubsub\'); expected a unique name'],
      ['two workers with one subscription name', (e) => { e.daprWorkers.push({ ...e.daprWorkers[0], name: 'second-worker', pubsub: { ...e.daprWorkers[0].pubsub, name: 'events-2' }, stateStore: { ...e.daprWorkers[0].stateStore, name: 'state-2' } }); },
        'ftekit:environment.daprWorkers[1].subscriptions[0].name: "research-requests" is already the name of a Subscription in namespace "digital-ftes"'],
      ['a topic that cannot name the Subscription', (e) => { e.daprWorkers[0].subscriptions[0].topic = 'Research_Requests'; }, 'ftekit:environment.daprWorkers[0].subscriptions[0].topic: "Research_Requests" cannot name the Subscription object'],
      ['a workload name starting with a digit', (e) => { e.daprWorkers[0].name = '1worker'; }, 'ftekit:environment.daprWorkers[0].name: "1worker" is not a valid name; expected it to start with a letter'],
      ['a Dapr worker without readiness', (e) => { delete e.daprWorkers[0].readiness; }, 'ftekit:environment.daprWorkers[0].readiness: is missing; expected a readiness probe'],
      ['a Dapr worker with a workspace', (e) => { e.daprWorkers[0].workspace = { size: '1Gi' }; }, 'ftekit:environment.daprWorkers[0].workspace: is not supported on Dapr workers'],
      ['a Dapr worker appPort that is not a port', (e) => { e.daprWorkers[0].appPort = 8001; }, 'ftekit:environment.daprWorkers[0].appPort: 8001 is not one of the declared ports (8000, 9100); expected a declared port'],
      ['a Dapr worker metricsPort that names no port', (e) => { e.daprWorkers[0].metricsPort = 'prom'; }, 'ftekit:environment.daprWorkers[0].metricsPort: "prom" is not the name of a declared port (http, metrics); expected one of them'],
      ['a broker without a port', (e) => { e.daprWorkers[0].pubsub.brokers = ['kafka']; }, 'ftekit:environment.daprWorkers[0].pubsub.brokers[0]: "kafka" is not a host:port address'],
      ['a SASL user without password', (e) => { delete e.daprWorkers[0].pubsub.password; }, 'ftekit:environment.daprWorkers[0].pubsub: has only one of username and password'],
      ['a subscription without pubsub', (e) => { delete e.daprWorkers[0].pubsub; }, 'ftekit:environment.daprWorkers[0].pubsub: is missing; subscriptions need the app\'s pubsub'],
      ['a route that is not a path', (e) => { e.daprWorkers[0].subscriptions[0].route = 'research'; }, 'ftekit:environment.daprWorkers[0].subscriptions[0].route: "research" is not a path'],
      ['worker replicas with autoscaling', (e) => { e.daprWorkers[0].replicas = 2; }, 'ftekit:environment.daprWorkers[0].replicas: 2 is set together with autoscaling'],
      ['a worker named like an FTE', (e) => { e.daprWorkers[0].name = 'orchestrator'; }, 'ftekit:environment: workload name "orchestrator" is used twice across ftes, pools and daprWorkers'],
      ['a Vault address that is not a URL', (e) => { e.vault.address = 'vault:8200'; }, 'ftekit:environment.vault.address: address "vault:8200" is not a Vault address; expected e.g. "https://vault.vault.svc:8200"'],
      ['a Vault secret with a bad path', (e) => { e.vault.secrets[1].path = '/abs//path'; }, 'ftekit:environment.vault.secrets[1].path:'],
      ['a Vault secret listed twice', (e) => { e.vault.secrets[1].name = 'llm-api-keys'; }, 'ftekit:environment.vault.secrets: secret "llm-api-keys" is listed twice'],
      ['a bad kvVersion', (e) => { e.vault.secrets[0].kvVersion = 3; }, 'ftekit:environment.vault.secrets[0].kvVersion: 3 is not a whole number in range 1-2'],
      ['a Pulumi secret also synced from Vault', (e) => { e.secrets = [{ name: 'llm-api-keys', data: { anthropic: 'anthropicApiKey' } }]; }, 'ftekit:environment.secrets: secret "llm-api-keys" is also synced from Vault'],
      ['a Pulumi secret with a bad config key', (e) => { e.secrets = [{ name: 'x', data: { anthropic: 'ftekit:key' } }]; }, 'ftekit:environment.secrets[0].data.anthropic: "ftekit:key" is not a Pulumi config key'],
      ['a Pulumi secret with no data', (e) => { e.secrets = [{ name: 'x', data: {} }]; }, 'ftekit:environment.secrets[0].data: is empty'],
      ['an unknown operator', (e) => { e.operators.istio = true; }, 'ftekit:environment.operators.istio: unknown field "istio"; expected one of agentSandbox, dapr, vaultSecretsOperator, prometheusOperatorCrds'],
      ['an operator flag that is not a boolean', (e) => { e.operators.dapr = 'yes'; }, 'ftekit:environment.operators.dapr: "yes" is not true, false or a source mapping'],
      ['a previous name equal to the current one', (e) => { e.previousNames = ['prod']; }, 'ftekit:environment.previousNames[0]: "prod" is the current name'],
      ['a monitoring namespace that is not a name', (e) => { e.monitoring.prometheusNamespace = 'Mon'; }, 'ftekit:environment.monitoring.prometheusNamespace: "Mon" is not a valid name'],
      ['an FTE metricsPort that names no port', (e) => { e.ftes[0].metricsPort = 'metrics'; }, 'ftekit:environment.ftes[0].metricsPort: "metrics" is not the name of one of the ports; expected one of http'],
      ['an empty spec', (e) => { for (const k of Object.keys(e)) delete e[k]; }, 'ftekit:environment.namespace: undefined is not a non-empty string'],
      // Found by the property-based tests: these reached the constructs, whose errors name no file.
      ['a relative probe path', (e) => { e.ftes[0].readiness.path = 'healthz'; }, 'ftekit:environment.ftes[0].readiness: path "healthz" is not absolute; expected e.g. "/healthz"'],
      ['a bad secret key', (e) => { e.ftes[0].secretEnv = { ANTHROPIC_API_KEY: { secret: 'static-keys', key: 'a/b' } }; }, 'ftekit:environment.ftes[0].secretEnv.ANTHROPIC_API_KEY: key "a/b" is not a valid Secret/ConfigMap key'],
      ['a bad secretEnv name', (e) => { e.ftes[0].secretEnv = { 'BAD NAME': { secret: 's', key: 'k' } }; }, 'ftekit:environment.ftes[0].secretEnv.BAD NAME: "BAD NAME" is not a valid environment variable name'],
      ['a secret mounted at /tmp', (e) => { e.ftes[0].secretMounts = [{ secret: 's', path: '/tmp' }]; }, 'ftekit:environment.ftes[0].secretMounts[0].path: "/tmp" is taken'],
      ['two secrets at one path', (e) => { e.ftes[0].secretMounts = [{ secret: 's', path: '/etc/a' }, { secret: 't', path: '/etc/a' }]; }, 'ftekit:environment.ftes[0].secretMounts: two secrets are mounted at "/etc/a"'],
      ['a secret at the workspace path', (e) => { e.ftes[0].secretMounts = [{ secret: 's', path: '/workspace' }]; }, 'ftekit:environment.ftes[0].secretMounts[0].path: "/workspace" is the workspace\'s mount path; expected another path'],
      ['a repeated port', (e) => { e.ftes[0].ports.push({ name: 'web', port: 8000 }); }, 'ftekit:environment.ftes[0].ports: port 8000/TCP is listed twice; expected each port once'],
      ['a storage class on an ephemeral workspace', (e) => { e.pools[0].workspace.storageClass = 'premium-rwo'; }, 'ftekit:environment.pools[0].workspace.storageClass: is set on an ephemeral workspace'],
      ['an access entry that grants nothing', (e) => { e.ftes[0].access = [{ group: 'oidc:oncall' }]; },
        'stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].access[0]: options {} grant nothing; expected at least one of exec, portForward or logs to be true'],
      ['an access group granted twice', (e) => { e.ftes[0].access.push({ group: 'oidc:fte-oncall@acme.example', logs: true }); },
        'stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].access[1].group: "oidc:fte-oncall@acme.example" is already granted access to this sandbox'],
      ['a system: access group', (e) => { e.ftes[1].access = [{ group: 'system:authenticated', exec: true }]; },
        'stacks/Pulumi.prod.yaml: ftekit:environment.ftes[1].access[0].group: "system:authenticated" is a group Kubernetes assigns itself'],
      ['an empty access group', (e) => { e.ftes[0].access[0].group = ''; }, 'ftekit:environment.ftes[0].access[0].group: "" is empty'],
      ['an access flag that is not a boolean', (e) => { e.ftes[0].access[0].exec = 'yes'; }, 'ftekit:environment.ftes[0].access[0].exec: "yes" is not'],
      ['an unknown access field', (e) => { e.ftes[0].access[0].attach = true; }, 'ftekit:environment.ftes[0].access[0].attach: unknown field "attach"; expected one of group, exec, portForward, logs'],
      ['an access entry without a group', (e) => { delete e.ftes[0].access[0].group; }, 'ftekit:environment.ftes[0].access[0].group: undefined is not a string; expected a group name'],
      ['a NaN quota headroom', (e) => { e.quotaHeadroom = Number.NaN; }, 'ftekit:environment.quotaHeadroom: NaN is out of range; expected a number from 1 to 10'],
    ])('%s', (_what, edit, expected) => {
      expect(errorFor(edit)).toContain(expected);
    });

    test('a file without the key, and a file that is not YAML', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stacks-'));
      fs.writeFileSync(path.join(dir, 'Pulumi.qa.yaml'), stringify({ config: { 'kubernetes:context': 'x' } }));
      expect(() => loadAllStackSpecs(dir)).toThrow('stacks/Pulumi.qa.yaml: ftekit:environment: is missing; expected the environment spec under this key');
      fs.writeFileSync(path.join(dir, 'Pulumi.qa.yaml'), 'config: [');
      expect(() => loadAllStackSpecs(dir)).toThrow(/stacks\/Pulumi.qa.yaml: cannot be read as YAML/);
    });
  });
});

describeWithShared('environments schema and `cdk8s synth`', () => {
  test('every object of every stack is schema-valid', () => {
    for (const name of stackNames(STACKS)) {
      const { cluster, ftes } = synthEnv(name);
      expectSchemaValid([...cluster, ...ftes]);
    }
  });

  test('`cdk8s synth` writes dist/<env>/{cluster,ftes}.k8s.yaml, valid and byte-identical on re-run', () => {
    const compiled = path.join(ROOT, 'lib/app/synth.js');
    if (!fs.existsSync(compiled)) throw new Error('lib/app/synth.js is missing: run `npm run build` (npm test does) before this test');
    const run = (): Map<string, string> => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-synth-'));
      execFileSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['synth', '--output', outdir], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
      const files = new Map<string, string>();
      for (const env of fs.readdirSync(outdir).sort()) {
        for (const f of fs.readdirSync(path.join(outdir, env)).sort()) files.set(`${env}/${f}`, fs.readFileSync(path.join(outdir, env, f), 'utf8'));
      }
      return files;
    };
    const first = run();
    expect([...first.keys()]).toEqual(['dev/cluster.k8s.yaml', 'dev/ftes.k8s.yaml', 'prod/cluster.k8s.yaml', 'prod/ftes.k8s.yaml', 'staging/cluster.k8s.yaml', 'staging/ftes.k8s.yaml']);
    const objs = [...first.values()].flatMap((text) => parseAllDocuments(text).map((d) => d.toJSON()));
    expectSchemaValid(objs);
    expect(run()).toEqual(first);
    // The same objects as building the charts in-process.
    expect(parseAllDocuments(first.get('prod/ftes.k8s.yaml')!).map((d) => d.toJSON())).toEqual(JSON.parse(JSON.stringify(synthEnv('prod').ftes)));
  });
});
