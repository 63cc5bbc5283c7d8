/*
 * FteAdmissionPolicies on the live API server: the policies type-check without warnings,
 * valid ftekit objects are admitted, a corpus of violating objects is each denied with the
 * rule's message, exceptions are honoured, and for every object the verdict of the API
 * server agrees with the offline policy gate (evaluatePolicy).
 */
import { Chart, Testing } from 'cdk8s';
import { ApiAccess, DaprWorker, FteAdmissionPolicies, FteSandbox, Probe, SandboxPool, SandboxRuntime } from '../../src';
import { evaluatePolicy } from '../../src/policy/engine';
import { KubeObject, waitUntil } from './kube-client';
import { asksForDapr, podTemplateOf, withInjectedPod } from '../support/dapr-injection';
import { condition, describeLive, installSharedCrds, SMALL_RESOURCES, STAND_IN_LABEL } from './live';

jest.setTimeout(300_000);

const NS = 'ftekit-admission';
const TEST_LABEL = 'ftekit.dev/admission-test';
const IMAGE = 'ghcr.io/acme/agent:1.0.0';
const resources = SMALL_RESOURCES;

/** Valid objects from the constructs, in namespace NS. */
function validObjects(): { policies: KubeObject[]; sandbox: KubeObject; template: KubeObject; claim: KubeObject; deployment: KubeObject; orchestrator: KubeObject; daprSandbox: KubeObject; daprTemplate: KubeObject } {
  const app = Testing.app();
  const cluster = new Chart(app, 'cluster');
  // Own names and namespace label: the stacks' policies (ftekit-*, bound by managed-by) stay apart.
  new FteAdmissionPolicies(cluster, 'Admission', { runtimes: [SandboxRuntime.GVISOR], namePrefix: 'ftekit-test', namespaceLabels: { [TEST_LABEL]: 'true' } });
  const chart = new Chart(app, 'ftes', { namespace: NS });
  new FteSandbox(chart, 'agent', { image: IMAGE, resources });
  new FteSandbox(chart, 'orchestrator', { image: IMAGE, resources, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['172.16.0.2/32'], port: 443 } });
  const pool = new SandboxPool(chart, 'pool', { image: IMAGE, resources, replicas: 1 });
  pool.claim('task');
  new DaprWorker(chart, 'worker', { image: IMAGE, resources, appPort: 8000, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000) });
  // Dapr-enabled sandboxes: a Sandbox and a pool's SandboxTemplate asking for the sidecar.
  new FteSandbox(chart, 'dapr-agent', { image: IMAGE, resources, ports: [{ name: 'http', number: 8000 }], dapr: {} });
  new SandboxPool(chart, 'dapr-pool', { image: IMAGE, resources, ports: [{ name: 'http', number: 8000 }], dapr: {} });
  const objs = [...Testing.synth(cluster), ...Testing.synth(chart)] as KubeObject[];
  const one = (kind: string, name?: string): KubeObject => objs.find((o) => o.kind === kind && (!name || o.metadata.name === name))!;
  return {
    policies: objs.filter((o) => o.apiVersion.startsWith('admissionregistration.k8s.io/')),
    sandbox: one('Sandbox', 'agent'),
    orchestrator: one('Sandbox', 'orchestrator'),
    template: one('SandboxTemplate', 'pool'),
    claim: one('SandboxClaim'),
    deployment: one('Deployment'),
    daprSandbox: one('Sandbox', 'dapr-agent'),
    daprTemplate: one('SandboxTemplate', 'dapr-pool'),
  };
}

type Mutate = (o: any) => void;
const clone = (o: KubeObject): any => JSON.parse(JSON.stringify(o));
const sbPod = (o: any): any => o.spec.podTemplate.spec;
const depPod = (o: any): any => o.spec.template.spec;
const c0 = (pod: any): any => pod.containers[0];

/** Each case: a base object, a change that breaks one rule, the rule the server must name. */
function corpus(v: ReturnType<typeof validObjects>): { name: string; base: KubeObject; mutate: Mutate; rule: string }[] {
  const sb = (name: string, rule: string, mutate: Mutate): { name: string; base: KubeObject; mutate: Mutate; rule: string } => ({ name: `Sandbox: ${name}`, base: v.sandbox, mutate, rule });
  return [
    sb('privileged container', 'pss-privileged', (o) => (c0(sbPod(o)).securityContext.privileged = true)),
    sb('no RuntimeClass', 'sandboxed-runtime', (o) => delete sbPod(o).runtimeClassName),
    sb('RuntimeClass runc', 'sandboxed-runtime', (o) => (sbPod(o).runtimeClassName = 'runc')),
    sb('hostNetwork', 'pss-host-namespaces', (o) => (sbPod(o).hostNetwork = true)),
    sb('hostPID', 'pss-host-namespaces', (o) => (sbPod(o).hostPID = true)),
    sb('hostPath volume', 'pss-host-path-volumes', (o) => sbPod(o).volumes.push({ name: 'host', hostPath: { path: '/var/run' } })),
    sb('nfs volume', 'pss-volume-types', (o) => sbPod(o).volumes.push({ name: 'share', nfs: { server: 'nfs.example', path: '/x' } })),
    sb('adds SYS_ADMIN', 'pss-capabilities', (o) => (c0(sbPod(o)).securityContext.capabilities.add = ['SYS_ADMIN'])),
    sb('keeps all capabilities', 'pss-capabilities', (o) => delete c0(sbPod(o)).securityContext.capabilities),
    sb('privilege escalation', 'pss-privilege-escalation', (o) => (c0(sbPod(o)).securityContext.allowPrivilegeEscalation = true)),
    sb('runAsNonRoot false', 'pss-run-as-non-root', (o) => (sbPod(o).securityContext.runAsNonRoot = false)),
    sb('container as UID 0', 'pss-run-as-user', (o) => (c0(sbPod(o)).securityContext.runAsUser = 0)),
    sb('seccomp Unconfined', 'pss-seccomp', (o) => (sbPod(o).securityContext.seccompProfile = { type: 'Unconfined' })),
    sb('unsafe sysctl', 'pss-sysctls', (o) => (sbPod(o).securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }])),
    sb('host port', 'pss-host-ports', (o) => (c0(sbPod(o)).ports = [{ name: 'http', containerPort: 8000, hostPort: 8000 }])),
    sb('procMount Unmasked', 'pss-proc-mount', (o) => (c0(sbPod(o)).securityContext.procMount = 'Unmasked')),
    sb('probe on another host', 'pss-host-probes', (o) => (c0(sbPod(o)).livenessProbe = { tcpSocket: { port: 8000, host: '10.0.0.1' } })),
    sb('image :latest', 'pinned-image', (o) => (c0(sbPod(o)).image = 'ghcr.io/acme/agent:latest')),
    sb('image without tag', 'pinned-image', (o) => (c0(sbPod(o)).image = 'ghcr.io/acme/agent')),
    sb('no limits', 'container-resources', (o) => delete c0(sbPod(o)).resources.limits),
    sb('OPENAI_API_KEY literal', 'env-secret-literal', (o) => (c0(sbPod(o)).env = [{ name: 'OPENAI_API_KEY', value: 'sk-live-123' }])),
    sb('token mounted without apiAccess', 'service-account-token', (o) => (sbPod(o).automountServiceAccountToken = true)),
    { name: 'Sandbox with apiAccess: label removed', base: v.orchestrator, rule: 'service-account-token', mutate: (o) => delete o.spec.podTemplate.metadata.labels['ftekit.dev/api-access'] },
    { name: 'SandboxTemplate: hostPath volume', base: v.template, rule: 'pss-host-path-volumes', mutate: (o) => sbPod(o).volumes.push({ name: 'host', hostPath: { path: '/' } }) },
    { name: 'SandboxTemplate: privileged', base: v.template, rule: 'pss-privileged', mutate: (o) => (c0(sbPod(o)).securityContext.privileged = true) },
    { name: 'SandboxClaim: OPENAI_API_KEY literal', base: v.claim, rule: 'env-secret-literal', mutate: (o) => (o.spec.env = [{ name: 'OPENAI_API_KEY', value: 'sk-live-123' }]) },
    { name: 'SandboxClaim: Dapr annotation', base: v.claim, rule: 'dapr-sidecar-hardening', mutate: (o) => (o.spec.additionalPodMetadata = { annotations: { 'dapr.io/enabled': 'true' } }) },
    { name: 'Deployment: image :latest', base: v.deployment, rule: 'pinned-image', mutate: (o) => (c0(depPod(o)).image = 'ghcr.io/acme/worker:latest') },
    // The API server itself refuses privileged with allowPrivilegeEscalation: false.
    { name: 'Deployment: privileged', base: v.deployment, rule: 'pss-privileged', mutate: (o) => Object.assign(c0(depPod(o)).securityContext, { privileged: true, allowPrivilegeEscalation: true }) },
    { name: 'Deployment: no RuntimeClass', base: v.deployment, rule: 'sandboxed-runtime', mutate: (o) => delete depPod(o).runtimeClassName },
    { name: 'Deployment: no requests', base: v.deployment, rule: 'container-resources', mutate: (o) => delete c0(depPod(o)).resources.requests },
  ];
}

const EXCEPTION = 'policy.ftekit.dev/exception.';

/** Rule ids the offline gate reports as errors for `obj` (namespace-wide rules aside). */
function gateRules(obj: KubeObject, vapRules: Set<string>): string[] {
  const report = evaluatePolicy([obj]);
  return [...new Set(report.errors.map((f) => f.ruleId).filter((r) => vapRules.has(r)))].sort();
}

describeLive('FteAdmissionPolicies on the live API server', (client) => {
  const v = validObjects();
  const vapRules = new Set(v.policies.flatMap((p) => ((p.spec as any).validations ?? []).map((x: { message: string }) => /^ftekit rule ([a-z-]+):/.exec(x.message)![1])));

  beforeAll(async () => {
    await installSharedCrds(client());
    await client().apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { [TEST_LABEL]: 'true', 'pod-security.kubernetes.io/enforce': 'restricted' } } });
    for (const p of v.policies) await client().apply(p);
    // A binding takes effect when the API server's policy informer has seen it: probe with a dry run.
    // Each policy and binding takes effect on its own: probe every one the tests rely on.
    const probes: [string, () => object][] = [
      ['sandboxes', () => { const o = clone(v.sandbox); c0(sbPod(o)).securityContext.privileged = true; return o; }],
      ['sandbox-claims', () => { const o = clone(v.claim); o.spec.env = [{ name: 'OPENAI_API_KEY', value: 'x' }]; return o; }],
      ['workloads', () => { const o = clone(v.deployment); c0(depPod(o)).image = 'ghcr.io/acme/worker:latest'; return o; }],
    ];
    for (const [policy, bad] of probes) {
      await waitUntil(`the ftekit-test-${policy} policy to deny`, async () => {
        const res = await client().create(bad(), true);
        return res.status === 403 && String(res.body.message).includes(`'ftekit-test-${policy}' denied request: ftekit rule`) ? true : undefined;
      }, 120_000);
    }
  });

  afterAll(async () => {
    await client().delete('v1', 'Namespace', NS);
    for (const p of v.policies) await client().delete(p.apiVersion, p.kind, p.metadata.name);
  });

  test('every policy type-checks against the served schemas without a warning', async () => {
    const names = v.policies.filter((p) => p.kind === 'ValidatingAdmissionPolicy').map((p) => p.metadata.name);
    expect(names.length).toBe(5);
    for (const name of names) {
      const live = await waitUntil(`${name} type-checked`, async () => {
        const p = await client().get('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', name);
        return (p?.status as any)?.observedGeneration === p?.metadata.generation ? p : undefined;
      }, 60_000);
      expect([name, (live.status as any).typeChecking?.expressionWarnings ?? []]).toEqual([name, []]);
      expect([name, condition(live, 'InvalidExpression')?.status]).not.toEqual([name, 'True']);
    }
  });

  test('valid ftekit objects are admitted, and the gate agrees', async () => {
    for (const o of [v.sandbox, v.orchestrator, v.template, v.claim, v.deployment, v.daprSandbox, v.daprTemplate]) {
      const res = await client().create(o, true);
      expect([o.kind, o.metadata.name, res.status, res.body.message]).toEqual([o.kind, o.metadata.name, 201, undefined]);
      expect([o.kind, gateRules(o, vapRules)]).toEqual([o.kind, []]);
    }
  });

  test('a corpus of violating objects is denied, each naming its rule, and the gate gives the same verdict', async () => {
    const cases = corpus(v);
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const wrong: string[] = [];
    for (const c of cases) {
      const obj = clone(c.base);
      c.mutate(obj);
      const res = await client().create(obj, true);
      const message = String(res.body.message ?? '');
      if (res.status !== 403 || !message.includes(`ftekit rule ${c.rule}:`)) wrong.push(`${c.name}: server said ${res.status} ${message}`);
      const gate = gateRules(obj, vapRules);
      if (!gate.includes(c.rule)) wrong.push(`${c.name}: gate found ${JSON.stringify(gate)}, not ${c.rule}`);
    }
    expect(wrong).toEqual([]);
  });

  test('every rule the policies implement has a case in the corpus', () => {
    expect([...vapRules].filter((r) => !corpus(v).some((c) => c.rule === r))).toEqual([]);
  });

  test('generated Sandboxes with up to three faults: the server denies exactly those the gate refuses, naming one of its rules', async () => {
    // A fixed-seed generator (mulberry32), so a failure is reproducible.
    let seed = 0x5eed;
    const random = (): number => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const faults = corpus(v).filter((c) => c.base === v.sandbox);
    const disagree: string[] = [];
    let denied = 0;
    for (let i = 0; i < 60; i++) {
      const obj = clone(v.sandbox);
      obj.metadata.name = `gen-${i}`;
      const applied: string[] = [];
      for (let k = Math.floor(random() * 4); k > 0; k--) {
        const f = faults[Math.floor(random() * faults.length)];
        try {
          f.mutate(obj);
          applied.push(f.name);
        } catch {
          // a fault that needs a field an earlier one removed: skipped
        }
      }
      const res = await client().create(obj, true);
      const named = /ftekit rule ([a-z-]+):/.exec(String(res.body.message ?? ''))?.[1];
      const gate = gateRules(obj, vapRules);
      if (res.status === 403) denied++;
      const agree = res.status === 201 ? gate.length === 0 : res.status === 403 && named !== undefined && gate.includes(named);
      if (!agree) disagree.push(`[${applied.join('; ')}]: server ${res.status} ${named ?? res.body.message}, gate ${JSON.stringify(gate)}`);
    }
    expect(disagree).toEqual([]);
    expect(denied).toBeGreaterThan(20);
  });

  test('an exception annotation with a reason admits the object for that rule only; without a reason it does not', async () => {
    const latest = clone(v.sandbox);
    c0(sbPod(latest)).image = 'ghcr.io/acme/agent:latest';
    latest.metadata.annotations = { [`${EXCEPTION}pinned-image`]: 'a floating dev image, rebuilt on every commit' };
    const ok = await client().create(latest, true);
    expect([ok.status, ok.body.message]).toEqual([201, undefined]);
    expect(gateRules(latest, vapRules)).toEqual([]);

    c0(sbPod(latest)).securityContext.privileged = true;
    const still = await client().create(latest, true);
    expect(still.status).toBe(403);
    expect(String(still.body.message)).toContain('ftekit rule pss-privileged:');

    const blank = clone(v.sandbox);
    c0(sbPod(blank)).image = 'ghcr.io/acme/agent:latest';
    blank.metadata.annotations = { [`${EXCEPTION}pinned-image`]: '  ' };
    const refused = await client().create(blank, true);
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toContain('ftekit rule pinned-image:');
  });

  test('with the daprd container the Dapr injector would add (simulated: no injector here), a Dapr-enabled Sandbox and SandboxTemplate are admitted and the gate agrees; Pod Security restricted and the pod policy admit the pod', async () => {
    for (const o of [v.daprSandbox, v.daprTemplate]) {
      expect(asksForDapr(podTemplateOf(o))).toBe(true);
      const injected = withInjectedPod(o);
      expect(podTemplateOf(injected).spec.containers.map((c: any) => c.name)).toEqual(['agent', 'daprd']);
      const res = await client().create(injected, true);
      expect([o.kind, res.status, res.body.message]).toEqual([o.kind, 201, undefined]);
      expect([o.kind, gateRules(injected, vapRules)]).toEqual([o.kind, []]);
    }
    // The pod as the controller would make it from the injected template, through Pod Security
    // (the namespace enforces restricted) and the pod policy; its RuntimeClass and ServiceAccount must exist.
    await client().apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'dapr-agent', namespace: NS }, automountServiceAccountToken: false }, 'ftekit-test');
    await client().apply({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor', labels: { [STAND_IN_LABEL]: 'true' } }, handler: 'runsc' }, 'ftekit-test-platform');
    const tpl = podTemplateOf(withInjectedPod(v.daprSandbox));
    // The controller adds the workspace claim of the volumeClaimTemplate as a volume.
    const volumes = [...tpl.spec.volumes, { name: 'workspace', persistentVolumeClaim: { claimName: 'workspace-dapr-agent' } }];
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dapr-agent', namespace: NS, labels: tpl.metadata.labels, annotations: tpl.metadata.annotations }, spec: { ...tpl.spec, volumes } };
    const admitted = await client().create(pod, true);
    expect([admitted.status, admitted.body.message]).toEqual([201, undefined]);
    // The check bites: a Dapr installed without sidecarDropALLCapabilities gives daprd its capabilities.
    const weak = clone(pod as KubeObject);
    delete weak.spec.containers[1].securityContext.capabilities;
    const refused = await client().create(weak, true);
    expect(refused.status).toBe(403);
    expect(String(refused.body.message)).toMatch(/violates PodSecurity "restricted:latest": unrestricted capabilities \(container "daprd" must set securityContext\.capabilities\.drop=\["ALL"\]\)/);
  });

  test('objects outside ftekit namespaces are not judged', async () => {
    const other = clone(v.deployment);
    other.metadata.namespace = 'default'; // no test label
    c0(depPod(other)).image = 'ghcr.io/acme/worker:latest';
    const res = await client().create(other, true);
    expect([res.status, res.body.message]).toEqual([201, undefined]);
  });
});
