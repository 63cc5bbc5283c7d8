/*
 * Every stack, synthesised as `cdk8s synth` writes it, server-side applied to the live
 * control plane as the README tells GitOps users, then checked for what the cluster does
 * with it: admission without warnings, controllers doing their work, RBAC, idempotence,
 * and the refusals the server itself must make.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesizeStacks } from '../../src/app/synth';
import { loadAllStackSpecs } from '../../src/environment/stack-files';
import { EnvironmentSpec } from '../../src/environment/spec';
import { KubeApiError, KubeClient, KubeObject, waitUntil } from './kube-client';
import { condition, describeLive, installSharedCrds, readObjects, resetCluster, STAND_IN_LABEL } from './live';

jest.setTimeout(300_000);

const STACKS_DIR = path.resolve(__dirname, '../../stacks');
const FIELD_MANAGER = 'ftekit';
const SETTLE_MS = 180_000;

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-live-dist-'));
const envNames = synthesizeStacks(STACKS_DIR, out);
const specs = new Map(loadAllStackSpecs(STACKS_DIR).map((s) => [s.name, s]));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

type Probe = { verb: string; group: string; resource: string; subresource?: string; namespace?: string };

/** What a stack's runtime needs from the platform that ftekit does not emit (GKE installs its own `gvisor` RuntimeClass). */
function platformStandIns(spec: EnvironmentSpec, objects: KubeObject[]): object[] {
  const standIns: object[] = [];
  const label = { [STAND_IN_LABEL]: 'true' };
  const runtimeClasses = new Set(objects.filter((o) => o.kind === 'RuntimeClass').map((o) => o.metadata.name));
  for (const name of new Set(objects.map((o) => podSpecOf(o)?.runtimeClassName as string | undefined).filter((n): n is string => !!n))) {
    if (runtimeClasses.has(name)) continue;
    // As GKE Sandbox installs it: handler gvisor, pods pinned to the sandbox node pool.
    standIns.push({
      apiVersion: 'node.k8s.io/v1',
      kind: 'RuntimeClass',
      metadata: { name, labels: label },
      handler: name,
      scheduling: {
        nodeSelector: { 'sandbox.gke.io/runtime': 'gvisor' },
        tolerations: [{ key: 'sandbox.gke.io/runtime', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' }],
      },
    });
  }
  expect(spec.runtime).toBeDefined();
  const classes = new Set<string>();
  for (const o of objects) {
    const vcts = (o.spec?.volumeClaimTemplates ?? []) as { spec?: { storageClassName?: string } }[];
    for (const v of vcts) if (v.spec?.storageClassName) classes.add(v.spec.storageClassName);
  }
  for (const name of classes) {
    standIns.push({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, labels: label }, provisioner: 'kwok.x-k8s.io/volume', reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate' });
  }
  return standIns;
}

function podSpecOf(o: KubeObject): Record<string, unknown> | undefined {
  const spec = o.spec as any;
  if (o.kind === 'Sandbox' || o.kind === 'SandboxTemplate') return spec?.podTemplate?.spec;
  if (o.kind === 'Deployment') return spec?.template?.spec;
  return undefined;
}

/** The permissions the stack file grants each ServiceAccount (by workload name). */
function grants(spec: EnvironmentSpec): Map<string, { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[]> {
  const m = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[]>();
  for (const f of spec.ftes) m.set(f.props.name, (f.props.apiAccess ?? []).flatMap((a) => a.rules.map((r) => ({ ...r }))));
  return m;
}

function granted(rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[], p: Probe, ns: string): boolean {
  if (p.namespace !== ns) return false;
  const res = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  return rules.some((r) => r.apiGroups.includes(p.group) && r.resources.includes(res) && r.verbs.includes(p.verb) && !r.resourceNames?.length);
}

async function describeNamespace(client: KubeClient, ns: string): Promise<string> {
  const pods = await client.list('v1', 'Pod', ns);
  const events = await client.list('v1', 'Event', ns);
  return [
    `pods: ${pods.map((p) => `${p.metadata.name}=${String(p.status?.phase)}`).join(', ') || 'none'}`,
    `events: ${events.filter((e) => e.type === 'Warning').slice(-8).map((e) => `${(e.involvedObject as { name: string }).name}: ${String(e.reason)} ${String(e.message)}`).join(' | ')}`,
  ].join('; ');
}

describeLive('stacks on the live control plane', (client) => {
  let crds: string[] = [];

  beforeAll(async () => {
    crds = await installSharedCrds(client());
  });

  test('the pinned CRDs are installed and Established', async () => {
    expect(crds.length).toBeGreaterThan(10);
    for (const name of ['sandboxes.agents.x-k8s.io', 'sandboxwarmpools.extensions.agents.x-k8s.io', 'components.dapr.io', 'vaultstaticsecrets.secrets.hashicorp.com', 'servicemonitors.monitoring.coreos.com', 'ciliumnetworkpolicies.cilium.io', 'scaledobjects.keda.sh']) {
      expect(condition(await client().get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', name), 'Established')?.status).toBe('True');
    }
  });

  describe.each(envNames)('%s', (env) => {
    const spec = specs.get(env)!;
    const clusterObjects = readObjects(path.join(out, env, 'cluster.k8s.yaml'));
    const ftesObjects = readObjects(path.join(out, env, 'ftes.k8s.yaml'));
    const all = [...clusterObjects, ...ftesObjects];
    const ns = spec.namespace;
    const byKind = (kind: string): KubeObject[] => all.filter((o) => o.kind === kind);

    // The next file on this control plane starts clean as well.
    afterAll(async () => resetCluster(client(), [ns]));

    beforeAll(async () => {
      await resetCluster(client(), [ns]);
      for (const o of platformStandIns(spec, all)) await client().apply(o, 'ftekit-test-platform');
    });

    test('every object is accepted by server-side apply with no warning', async () => {
      const warnings: string[] = [];
      const refused: string[] = [];
      const applyAll = async (objects: KubeObject[]): Promise<void> => {
        for (const o of objects) {
          try {
            const res = await client().applyWithWarnings(o, FIELD_MANAGER);
            for (const w of res.warnings) warnings.push(`${o.kind}/${o.metadata.name}: ${w}`);
          } catch (e) {
            refused.push(`${o.kind}/${o.metadata.name}: ${(e as Error).message}`);
          }
        }
      };
      await applyAll(clusterObjects);
      // The stack's admission policies judge what follows once the API server enforces them.
      await waitUntil('the admission policies to enforce', async () => {
        const bad = JSON.parse(JSON.stringify(byKind('Sandbox')[0]));
        bad.spec.podTemplate.spec.containers[0].securityContext.privileged = true;
        const res = await client().create(bad, true);
        return res.status === 403 && /ftekit rule pss-privileged/.test(String(res.body.message)) ? true : undefined;
      }, 60_000);
      await applyAll(ftesObjects);
      expect(refused).toEqual([]);
      expect(warnings).toEqual([]);
      expect(all.length).toBeGreaterThan(5);
    });

    test('the admission policies type-check without a warning', async () => {
      const policies = byKind('ValidatingAdmissionPolicy');
      expect(policies.length).toBeGreaterThan(0);
      for (const p of policies) {
        const live = await waitUntil(`${p.metadata.name} type-checked`, async () => {
          const x = await client().get('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', p.metadata.name);
          return (x?.status as any)?.observedGeneration === x?.metadata.generation ? x : undefined;
        }, 120_000);
        expect([p.metadata.name, (live.status as any).typeChecking?.expressionWarnings ?? []]).toEqual([p.metadata.name, []]);
      }
    });

    test('every Sandbox gets its pod, Service and bound workspace claims, and becomes Ready', async () => {
      const sandboxes = byKind('Sandbox');
      expect(sandboxes.length).toBeGreaterThan(0);
      for (const sb of sandboxes) {
        const name = sb.metadata.name;
        const live = await waitUntil(
          `Sandbox ${name} Ready`,
          async () => {
            const s = await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', name, ns);
            return condition(s, 'Ready')?.status === 'True' ? s : undefined;
          },
          SETTLE_MS,
          async () => `${JSON.stringify((await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', name, ns))?.status)}; ${await describeNamespace(client(), ns)}`,
        );
        const pods = (await client().list('v1', 'Pod', ns)).filter((p) => p.metadata.ownerReferences?.some((r) => r.kind === 'Sandbox' && r.name === name && r.controller));
        expect(pods.map((p) => p.metadata.name)).toEqual([name]);
        expect(pods[0].status?.phase).toBe('Running');
        expect(condition(pods[0], 'Ready')?.status).toBe('True');
        // What ftekit asked for reached the pod the controller made.
        expect(pods[0].spec?.runtimeClassName).toBe((sb.spec as any).podTemplate.spec.runtimeClassName);
        expect(pods[0].spec?.serviceAccountName).toBe((sb.spec as any).podTemplate.spec.serviceAccountName);
        if ((sb.spec as any).service !== false) expect(await client().get('v1', 'Service', name, ns)).toBeDefined();
        for (const vct of ((sb.spec as any).volumeClaimTemplates ?? []) as { metadata: { name: string } }[]) {
          const claims = (await client().list('v1', 'PersistentVolumeClaim', ns)).filter((c) => c.metadata.ownerReferences?.some((r) => r.uid === live.metadata.uid) && c.metadata.name.startsWith(vct.metadata.name));
          expect(claims).toHaveLength(1);
          expect(claims[0].status?.phase).toBe('Bound');
        }
      }
    });

    test('every warm pool reaches its replicas with Ready sandboxes, and every claim binds one', async () => {
      for (const pool of byKind('SandboxWarmPool')) {
        const name = pool.metadata.name;
        // ftekit always writes spec.replicas (the autoscaling minimum when autoscaled): the
        // controller must scale the pool to exactly that, not to the CRD's default.
        const want = (pool.spec as any).replicas as number;
        expect(Number.isInteger(want) && want > 0).toBe(true);
        await waitUntil(
          `SandboxWarmPool ${name} ready with the ${want} replicas written`,
          async () => {
            const p = await client().get('extensions.agents.x-k8s.io/v1beta1', 'SandboxWarmPool', name, ns);
            return (p?.spec as any)?.replicas === want && (p?.status as any)?.readyReplicas === want ? p : undefined;
          },
          SETTLE_MS,
          async () => `${JSON.stringify((await client().get('extensions.agents.x-k8s.io/v1beta1', 'SandboxWarmPool', name, ns))?.status)}; ${await describeNamespace(client(), ns)}`,
        );
      }
      for (const claim of byKind('SandboxClaim')) {
        const name = claim.metadata.name;
        const live = await waitUntil(
          `SandboxClaim ${name} Ready`,
          async () => {
            const c = await client().get('extensions.agents.x-k8s.io/v1beta1', 'SandboxClaim', name, ns);
            return condition(c, 'Ready')?.status === 'True' ? c : undefined;
          },
          SETTLE_MS,
          async () => JSON.stringify((await client().get('extensions.agents.x-k8s.io/v1beta1', 'SandboxClaim', name, ns))?.status),
        );
        const sandboxName = (live.status as any)?.sandbox?.name as string;
        expect(sandboxName).toBeTruthy();
        const sb = await client().get('agents.x-k8s.io/v1beta1', 'Sandbox', sandboxName, ns);
        expect(condition(sb, 'Ready')?.status).toBe('True');
      }
    });

    // The KEDA controller does not run here (it is not built): what is proven is that the
    // ScaledObject is accepted by KEDA's CRD as written, and that its target has the scale
    // subresource KEDA's HPA drives, at the minimum, with the selector the HPA requires.
    test('every KEDA ScaledObject is stored as written and targets a warm pool scale subresource at its minimum', async () => {
      // One per autoscaled pool of the stack file (prod's code-exec), none otherwise.
      expect(byKind('ScaledObject').map((o) => o.metadata.name)).toEqual(spec.pools.filter((p) => p.props.autoscaling).map((p) => p.props.name));
      for (const so of byKind('ScaledObject')) {
        const name = so.metadata.name;
        const live = await client().get('keda.sh/v1alpha1', 'ScaledObject', name, ns);
        expect(live?.spec).toEqual(so.spec);
        const ref = (so.spec as any).scaleTargetRef as { apiVersion: string; kind: string; name: string };
        expect(ref.kind).toBe('SandboxWarmPool');
        const scale = await waitUntil(
          `${ref.kind} ${ref.name}/scale at the ScaledObject minimum ${(so.spec as any).minReplicaCount}`,
          async () => {
            const res = await client().raw<any>('GET', `${await client().path(ref.apiVersion, ref.kind, ref.name, ns)}/scale`);
            return res.status === 200 && res.body.status?.replicas === (so.spec as any).minReplicaCount ? res.body : undefined;
          },
          SETTLE_MS,
          async () => JSON.stringify((await client().raw('GET', `${await client().path(ref.apiVersion, ref.kind, ref.name, ns)}/scale`)).body),
        );
        expect(scale.kind).toBe('Scale');
        expect(scale.spec.replicas).toBe((so.spec as any).minReplicaCount);
        expect(scale.status.selector).toBeTruthy();
      }
    });

    test('every Deployment reaches its ready replicas, and every HPA resolves its scale target', async () => {
      for (const d of byKind('Deployment')) {
        const name = d.metadata.name;
        await waitUntil(
          `Deployment ${name} ready`,
          async () => {
            const live = await client().get('apps/v1', 'Deployment', name, ns);
            const want = (live?.spec as any)?.replicas as number;
            return live && (live.status as any)?.readyReplicas === want && (live.status as any)?.updatedReplicas === want ? live : undefined;
          },
          SETTLE_MS,
          async () => `${JSON.stringify((await client().get('apps/v1', 'Deployment', name, ns))?.status)}; ${await describeNamespace(client(), ns)}`,
        );
      }
      for (const hpa of byKind('HorizontalPodAutoscaler')) {
        const name = hpa.metadata.name;
        const live = await waitUntil(
          `HPA ${name} to resolve its target`,
          async () => {
            const h = await client().get('autoscaling/v2', 'HorizontalPodAutoscaler', name, ns);
            return condition(h, 'AbleToScale')?.status === 'True' ? h : undefined;
          },
          SETTLE_MS,
          async () => JSON.stringify((await client().get('autoscaling/v2', 'HorizontalPodAutoscaler', name, ns))?.status),
        );
        // At least its minimum: the HPA controller scaled the target through its scale subresource.
        const min = ((hpa.spec as any).minReplicas ?? 1) as number;
        const ref = (hpa.spec as any).scaleTargetRef as { apiVersion: string; kind: string; name: string };
        // ... and the target's controller made those replicas Ready.
        const target = await waitUntil(
          `${ref.kind} ${ref.name} scaled to the HPA minimum ${min}, every replica Ready`,
          async () => {
            const t = await client().get(ref.apiVersion, ref.kind, ref.name, ns);
            const want = ((t?.spec as any)?.replicas ?? 0) as number;
            return want >= min && (t?.status as any)?.readyReplicas === want ? t : undefined;
          },
          SETTLE_MS,
          async () => JSON.stringify((await client().get(ref.apiVersion, ref.kind, ref.name, ns))?.status),
        );
        expect(((target.spec as any).replicas as number) >= min).toBe(true);
        expect(live.status).toBeDefined();
      }
    });

    test('every pod in the namespace was admitted under restricted, the quota and the limit range, and runs', async () => {
      const nsObj = await client().get('v1', 'Namespace', ns);
      expect(nsObj?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const pods = await client().list('v1', 'Pod', ns);
      expect(pods.length).toBeGreaterThanOrEqual(byKind('Sandbox').length);
      for (const p of pods) {
        expect([p.metadata.name, p.status?.phase]).toEqual([p.metadata.name, 'Running']);
        expect([p.metadata.name, condition(p, 'Ready')?.status]).toEqual([p.metadata.name, 'True']);
      }
      // The quota controller counts what admission let in (its status lags a little).
      const quota = byKind('ResourceQuota')[0];
      await waitUntil(
        `quota ${quota.metadata.name} to count the ${pods.length} pods`,
        async () => {
          const q = await client().get('v1', 'ResourceQuota', quota.metadata.name, ns);
          return Number((q?.status as any)?.used?.pods) === pods.length ? q : undefined;
        },
        30_000,
        async () => JSON.stringify((await client().get('v1', 'ResourceQuota', quota.metadata.name, ns))?.status),
      );
      const failedCreates = (await client().list('v1', 'Event', ns)).filter((e) => /FailedCreate|Forbidden/.test(String(e.reason)) || /forbidden|exceeded quota/i.test(String(e.message)));
      expect(failedCreates.map((e) => String(e.message))).toEqual([]);
    });

    test('each ServiceAccount may do exactly what the stack file grants it, nothing else tried', async () => {
      const granting = grants(spec);
      const sas = byKind('ServiceAccount');
      expect(sas.length).toBeGreaterThan(0);
      const others: Probe[] = [
        { verb: 'get', group: '', resource: 'secrets', namespace: ns },
        { verb: 'list', group: '', resource: 'secrets', namespace: ns },
        { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: ns },
        { verb: 'create', group: '', resource: 'pods', namespace: ns },
        { verb: 'delete', group: '', resource: 'pods', namespace: ns },
        { verb: 'patch', group: 'agents.x-k8s.io', resource: 'sandboxes', namespace: ns },
        { verb: 'update', group: 'extensions.agents.x-k8s.io', resource: 'sandboxclaims', namespace: ns },
        { verb: 'create', group: 'extensions.agents.x-k8s.io', resource: 'sandboxclaims', namespace: 'kube-system' },
        { verb: 'list', group: 'agents.x-k8s.io', resource: 'sandboxes', namespace: 'default' },
        { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: ns },
        { verb: 'list', group: '', resource: 'namespaces' },
        { verb: 'list', group: '', resource: 'nodes' },
        { verb: 'list', group: 'agents.x-k8s.io', resource: 'sandboxes' },
      ];
      const wrong: string[] = [];
      let grantedChecks = 0;
      for (const sa of sas) {
        const user = `system:serviceaccount:${ns}:${sa.metadata.name}`;
        const groups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'];
        const rules = granting.get(sa.metadata.name) ?? [];
        const probes: Probe[] = [...others];
        for (const r of rules) for (const g of r.apiGroups) for (const res of r.resources) for (const v of r.verbs) probes.push({ verb: v, group: g, resource: res, namespace: ns });
        for (const p of probes) {
          const allowed = await client().can(user, p, groups);
          const expected = granted(rules, p, ns);
          if (expected) grantedChecks++;
          if (allowed !== expected) wrong.push(`${sa.metadata.name} ${p.verb} ${p.group}/${p.resource}${p.subresource ? `/${p.subresource}` : ''} in ${p.namespace ?? '(cluster)'}: allowed=${allowed}, expected ${expected}`);
        }
      }
      expect(wrong).toEqual([]);
      // The prod orchestrator manages claims: its grants were really exercised.
      if (env === 'prod') expect(grantedChecks).toBeGreaterThan(0);
    });

    test('each group of ftes[].access may do what the stack file grants on its FTE\'s pod, nothing else tried', async () => {
      const wrong: string[] = [];
      let checks = 0;
      for (const f of spec.ftes) {
        // The pod the controller made for this FTE's Sandbox (the name the Role is limited to).
        const pod = (await client().list('v1', 'Pod', ns)).find((p) => p.metadata.ownerReferences?.some((r) => r.kind === 'Sandbox' && r.name === f.props.name && r.controller));
        const other = spec.ftes.find((o) => o.props.name !== f.props.name)?.props.name ?? 'another-pod';
        for (const a of f.access) {
          expect(pod?.metadata.name).toBe(f.props.name);
          const probes: [{ verb: string; resource: string; subresource?: string; name?: string }, boolean][] = [
            [{ verb: 'get', resource: 'pods', name: pod!.metadata.name }, true],
            [{ verb: 'create', resource: 'pods', subresource: 'exec', name: pod!.metadata.name }, a.exec === true],
            [{ verb: 'create', resource: 'pods', subresource: 'portforward', name: pod!.metadata.name }, a.portForward === true],
            [{ verb: 'get', resource: 'pods', subresource: 'log', name: pod!.metadata.name }, a.logs === true],
            [{ verb: 'create', resource: 'pods', subresource: 'exec', name: other }, false],
            [{ verb: 'get', resource: 'pods', name: other }, false],
            [{ verb: 'list', resource: 'pods' }, false],
            [{ verb: 'get', resource: 'secrets' }, false],
            [{ verb: 'create', resource: 'pods', subresource: 'attach', name: pod!.metadata.name }, false],
          ];
          for (const [p, expected] of probes) {
            checks++;
            const allowed = await client().can('oncall-engineer@example.com', { namespace: ns, ...p }, [a.group, 'system:authenticated']);
            if (allowed !== expected) wrong.push(`${a.group} ${p.verb} ${p.resource}${p.subresource ? `/${p.subresource}` : ''} ${p.name ?? '(all)'}: allowed=${allowed}, expected ${expected}`);
          }
        }
      }
      expect(wrong).toEqual([]);
      // prod grants its on-call group access to the research analyst: the grants were really exercised.
      if (env === 'prod') expect(checks).toBeGreaterThan(0);
    });

    test('a second server-side apply of the same files changes nothing', async () => {
      const changed: string[] = [];
      for (const o of all) {
        const before = await client().get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
        const after = (await client().applyWithWarnings(o, FIELD_MANAGER)).body;
        if (before?.metadata.resourceVersion === after.metadata.resourceVersion) continue;
        // The resourceVersion also moves when a controller writes status in between, and once
        // when the API server re-sorts managedFields after its own status manager applied
        // (ValidatingAdmissionPolicy type checking): neither is a change by our apply. What
        // counts is the object itself and the fields ftekit owns.
        const content = (x: KubeObject | undefined): string => {
          const { resourceVersion: _rv, managedFields: _mf, ...meta } = x?.metadata ?? ({} as KubeObject['metadata']);
          const { status: _status, ...rest } = x ?? ({} as KubeObject);
          return JSON.stringify({ ...rest, metadata: meta });
        };
        const owned = (x: KubeObject | undefined): string => JSON.stringify(x?.metadata.managedFields?.filter((m) => m.manager === FIELD_MANAGER).map((m) => m.fieldsV1));
        if (content(before) !== content(after) || owned(before) !== owned(after)) changed.push(`${o.kind}/${o.metadata.name}`);
      }
      expect(changed).toEqual([]);
    });

    test('the server refuses a privileged pod in the namespace (PodSecurity restricted)', async () => {
      const res = await client().create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'privileged-intruder', namespace: ns },
        spec: { containers: [{ name: 'c', image: 'registry.example/tool@sha256:' + 'a'.repeat(64), securityContext: { privileged: true }, resources: { limits: { cpu: '100m', memory: '64Mi' } } }] },
      });
      expect(res.status).toBe(403);
      expect(String(res.body.message)).toMatch(/violates PodSecurity "restricted:latest".*privileged/);
    });

    test('a quota shrunken to the running pods makes the server refuse the next pod', async () => {
      const quota = byKind('ResourceQuota')[0];
      const hard = (quota.spec as any).hard as Record<string, string>;
      // A pod that passes Pod Security and the LimitRange, so only the quota can refuse it.
      const compliant = (name: string, cpu: string): object => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns },
        spec: {
          automountServiceAccountToken: false,
          runtimeClassName: (podSpecOf(byKind('Sandbox')[0]) as any).runtimeClassName,
          nodeSelector: (podSpecOf(byKind('Sandbox')[0]) as any).nodeSelector,
          tolerations: (podSpecOf(byKind('Sandbox')[0]) as any).tolerations,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'c',
              image: 'registry.example/tool@sha256:' + 'b'.repeat(64),
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
              resources: { requests: { cpu, memory: '64Mi' }, limits: { cpu, memory: '64Mi' } },
            },
          ],
        },
      });
      // Shrink the quota to the pods already running: the next pod a controller makes is refused.
      const pods = (await client().list('v1', 'Pod', ns)).length;
      await client().apply({ ...quota, spec: { hard: { ...hard, pods: String(pods) } } }, FIELD_MANAGER);
      try {
        await waitUntil('the quota to count the shrunken limit', async () => {
          const q = await client().get('v1', 'ResourceQuota', quota.metadata.name, ns);
          return (q?.status as any)?.hard?.pods === String(pods) ? true : undefined;
        }, 30_000);
        const refused = await client().create(compliant('one-too-many', '10m'));
        expect(refused.status).toBe(403);
        expect(String(refused.body.message)).toMatch(/exceeded quota.*pods/);
      } finally {
        await client().apply(quota, FIELD_MANAGER);
      }
    });

    test('the server refuses a Sandbox whose volumeClaimTemplates change (immutable by CEL)', async () => {
      const sb = byKind('Sandbox').find((s) => ((s.spec as any).volumeClaimTemplates ?? []).length > 0);
      expect(sb).toBeDefined();
      const changed = JSON.parse(JSON.stringify(sb)) as any;
      changed.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '999Gi';
      let error: KubeApiError | undefined;
      try {
        await client().applyWithWarnings(changed, FIELD_MANAGER);
      } catch (e) {
        error = e as KubeApiError;
      }
      expect(error?.status).toBe(422);
      expect(error?.message).toMatch(/volumeClaimTemplates is immutable/);
    });
  });
});
