import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildExampleApp } from '../../src/app/synth';
import { synthesizeStacks } from '../../src/app/synth';
import { evaluatePolicy } from '../../src/policy/engine';
import { asksForDapr, injectDaprd, podTemplateOf, restrictedViolations, withInjectedPod } from '../support/dapr-injection';
import { describeWithShared, expectSchemaValid } from '../support/schema';
import { ofKind, one, podSpecOf } from '../support/synth';

function exampleObjects(): any[] {
  const app = buildExampleApp(fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-dapr-')));
  return app.charts.flatMap((c) => Testing.synth(c));
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

  test.each([['Deployment', 'research-analyst-worker'], ['Sandbox', 'research-analyst']])('after (simulated) injection the %s pod %s is still Pod Security restricted, every container with limits', (kind, name) => {
    const tpl = podTemplateOf(one(objs, kind, name));
    const pod = injectDaprd(tpl).spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['agent', 'daprd']);
    expect(restrictedViolations(pod)).toEqual([]);
    // Without the seccomp annotation the injected pod would be rejected: the check bites.
    const { ['dapr.io/sidecar-seccomp-profile-type']: _drop, ...rest } = tpl.metadata.annotations;
    const bare = injectDaprd({ ...tpl, metadata: { ...tpl.metadata, annotations: rest }, spec: { ...tpl.spec, securityContext: { ...tpl.spec.securityContext, seccompProfile: undefined } } });
    expect(restrictedViolations(bare.spec)).toEqual(['daprd: seccomp undefined']);
  });

  test('the research analyst is a Dapr-enabled sandbox: its own app id, Configuration and components', () => {
    const tpl = one(objs, 'Sandbox', 'research-analyst').spec.podTemplate;
    expect(tpl.metadata.annotations).toMatchObject({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'research-analyst', 'dapr.io/app-port': '8000', 'dapr.io/config': 'research-analyst' });
    expect(one(objs, 'Configuration', 'research-analyst').spec.metric.enabled).toBe(true);
    expect(one(objs, 'Component', 'analyst-pubsub').scopes).toEqual(['research-analyst']);
    expect(one(objs, 'Subscription', 'research-feedback').spec).toMatchObject({ pubsubname: 'analyst-pubsub', topic: 'research-feedback' });
  });

  test('Dapr components, configuration, resiliency and subscription, scoped to the worker', () => {
    const components = ofKind(objs, 'Component').filter((c) => c.scopes.includes('research-analyst-worker'));
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
      'PodMonitor/research-analyst-dapr',
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

describe('simulated Dapr injection into every Dapr-enabled pod of the example and of every stack', () => {
  const stacks = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-dapr-stacks-'));
  const envs = synthesizeStacks(path.resolve(__dirname, '../../stacks'), stacks);
  const readDir = (dir: string): any[] => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).flatMap((f) => require('yaml').parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d: any) => d.toJSON()));
  const sets: Array<[string, any[]]> = [['example', exampleObjects()], ...envs.map((env): [string, any[]] => [env, readDir(path.join(stacks, env))])];
  afterAll(() => fs.rmSync(stacks, { recursive: true, force: true }));

  test.each(sets)('%s: every injected pod passes restricted, and the policy gate stays clean with the daprd container in the manifest', (name, objs) => {
    const daprWorkloads = objs.filter((o) => ['Deployment', 'Sandbox', 'SandboxTemplate'].includes(o.kind) && asksForDapr(podTemplateOf(o)));
    // The dev stack has no Dapr; the others have a Dapr worker and a Dapr-enabled sandbox.
    expect(daprWorkloads.map((o) => o.kind).sort()).toEqual(name === 'dev' ? [] : ['Deployment', 'Sandbox']);
    const injected = objs.map((o) => (daprWorkloads.includes(o) ? withInjectedPod(o) : o));
    for (const o of injected.filter((x) => daprWorkloads.some((d) => d.kind === x.kind && d.metadata.name === x.metadata.name))) {
      expect([o.kind, o.metadata.name, restrictedViolations(podTemplateOf(o).spec)]).toEqual([o.kind, o.metadata.name, []]);
    }
    // The gate judges the injected sandboxes (their VAP rules are the same checks) as it judges ours.
    const report = evaluatePolicy(injected);
    expect(report.errors.map((f) => `${f.ruleId}: ${f.message}`)).toEqual([]);
  });

  test('staging and prod run the research analyst as a Dapr-enabled sandbox; the gate would catch a weakened sidecar', () => {
    for (const [name, objs] of sets.filter(([n]) => n === 'staging' || n === 'prod')) {
      const sandbox = one(objs, 'Sandbox', 'research-analyst');
      expect([name, asksForDapr(podTemplateOf(sandbox))]).toEqual([name, true]);
      const weakened = JSON.parse(JSON.stringify(sandbox));
      delete weakened.spec.podTemplate.metadata.annotations['dapr.io/sidecar-cpu-limit'];
      const rules = evaluatePolicy([withInjectedPod(weakened)]).errors.map((f) => f.ruleId);
      // Refused from the annotations alone, and from the unlimited daprd container once injected.
      expect(rules).toEqual(expect.arrayContaining(['dapr-sidecar-hardening', 'container-resources']));
      expect(restrictedViolations(withInjectedPod(weakened).spec.podTemplate.spec)).toEqual(['daprd: no limits']);
    }
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
