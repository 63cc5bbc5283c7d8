import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { parse, parseAllDocuments } from 'yaml';
import { synthesizeStacks } from '../../src/app/synth';
import { keepCustomResourceDefinitions, OPERATOR_SOURCES } from '../../src/pulumi/operators';
import { SandboxRuntime } from '../../src/sandbox-runtime';
import { loadStackSpec, stackNames } from '../../src/environment/stack-files';

const ROOT = path.resolve(__dirname, '../..');
const STACKS = path.join(ROOT, 'stacks');

interface Registered { readonly type: string; readonly name: string; readonly inputs: any; readonly order: number; readonly provider?: string }
interface Captured { readonly type: string; readonly name: string; readonly opts: pulumi.ResourceOptions }

/** Test values of the stack's config secrets (stack files hold none: `pulumi config set --secret` adds them). */
const SECRET_VALUES: Record<string, string> = { anthropicApiKey: 'sk-ant-test-value', openaiApiKey: 'sk-openai-test-value' };

/**
 * Stand-ins for the operator manifests the program fetches (no network here): a CRD and a
 * controller Deployment, enough to see which options each object gets.
 */
const FAKE_MANIFESTS: Array<[RegExp, string]> = [
  [/agent-sandbox\/releases\/download\/v1\.0\.3\/sandbox-with-extensions\.yaml$/, [
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: sandboxes.agents.x-k8s.io }\nspec: {}',
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: agent-sandbox-controller, namespace: agent-sandbox-system }\nspec: {}',
  ].join('\n---\n')],
  [/prometheus-operator\/v0\.93\.0\/example\/prometheus-operator-crd\/monitoring\.coreos\.com_(\w+)\.yaml$/,
    'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: PLURAL.monitoring.coreos.com }\nspec: {}'],
];
const fetched: string[] = [];
beforeAll(() => {
  jest.spyOn(global, 'fetch').mockImplementation(async (url: any) => {
    fetched.push(String(url));
    for (const [pattern, text] of FAKE_MANIFESTS) {
      const m = pattern.exec(String(url));
      if (m) return new Response(text.replace('PLURAL', m[1] ?? ''), { status: 200 });
    }
    return new Response('not found', { status: 404, statusText: 'Not Found' });
  });
});
afterAll(() => jest.restoreAllMocks());

/** Objects of the (fake) operator manifests, not of the environment. */
const isOperatorObject = (inputs: any): boolean => inputs?.kind === 'CustomResourceDefinition' || inputs?.metadata?.namespace === 'agent-sandbox-system';

/** Runs the Pulumi program for `stack` under runtime mocks; returns what it registered. */
let lastRegistered: Registered[] = [];

async function runStack(stack: string, config: Record<string, unknown> = stackConfig(stack)) {
  const registered: Registered[] = [];
  lastRegistered = registered;
  const captured: Captured[] = [];
  await pulumi.runtime.setMocks({
    newResource: (args) => {
      registered.push({ type: args.type, name: args.name, inputs: args.inputs, order: registered.length, provider: args.provider });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    // The provider function v1 groups call to split a manifest into objects.
    call: (args) => (args.token === 'kubernetes:yaml:decode' ? { result: parseAllDocuments(args.inputs.text).map((d) => d.toJSON()) } : args.inputs),
  }, 'ftekit', stack, false);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) flat[k] = typeof v === 'string' ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(SECRET_VALUES)) flat[`ftekit:${k}`] = v;
  pulumi.runtime.setAllConfig(flat, Object.keys(SECRET_VALUES).map((k) => `ftekit:${k}`));
  const { deployStack } = await import('../../src/pulumi/program');
  const capture = (args: pulumi.ResourceTransformationArgs): undefined => {
    captured.push({ type: args.type, name: args.name, opts: args.opts });
    return undefined;
  };
  const out = deployStack({ transformations: [capture] });
  const env = out.environment;
  // The v1 groups create their children asynchronously: wait for every child's URN.
  const operatorGroups = [env.operators.agentSandbox, env.operators.prometheusOperatorCrds].filter((g): g is k8s.yaml.ConfigFile | k8s.yaml.ConfigGroup => g !== undefined);
  for (const group of [env.clusterObjects, env.namespacedObjects, ...operatorGroups]) {
    const children = await promiseOf(group.resources);
    await Promise.all(Object.values(children).map((r) => promiseOf((r as pulumi.CustomResource).urn)));
  }
  await promiseOf(pulumi.all([...env.secrets.values()].map((s) => s.urn)));
  return { registered, captured, out };
}

function promiseOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => { resolve(v); return v; }));
}

function stackConfig(stack: string): Record<string, unknown> {
  return parse(fs.readFileSync(path.join(STACKS, `Pulumi.${stack}.yaml`), 'utf8')).config;
}

const key = (o: any): string => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const isObject = (r: Registered): boolean => r.type.startsWith('kubernetes:') && !/^kubernetes:(yaml|helm\.sh)/.test(r.type) && r.inputs?.kind !== undefined && !isOperatorObject(r.inputs);

let dist: Map<string, any[]>;
beforeAll(() => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-dist-'));
  synthesizeStacks(STACKS, outdir);
  dist = new Map(stackNames(STACKS).map((env) => [env, ['cluster', 'ftes'].flatMap((f) =>
    parseAllDocuments(fs.readFileSync(path.join(outdir, env, `${f}.k8s.yaml`), 'utf8')).map((d) => d.toJSON()))]));
});

describe('Pulumi program under runtime mocks', () => {
  test.each(['dev', 'staging', 'prod'])('%s: registers exactly the objects `cdk8s synth` writes to dist/<env>/', async (stack) => {
    const { registered } = await runStack(stack);
    const deployed = registered.filter(isObject).filter((r) => !(r.inputs.kind === 'Secret' && r.type === 'kubernetes:core/v1:Secret' && r.name.includes('-secret-')));
    const expected = dist.get(stack)!;
    expect(deployed.map((r) => key(r.inputs)).sort()).toEqual(expected.map(key).sort());
    const byKey = new Map(deployed.map((r) => [key(r.inputs), r.inputs]));
    for (const obj of expected) expect(byKey.get(key(obj))).toEqual(obj);
    // Each object is its own resource, typed by its apiVersion and kind, named <namespace>/<name>.
    const sandbox = deployed.find((r) => r.inputs.kind === 'Sandbox')!;
    expect(sandbox.type).toBe('kubernetes:agents.x-k8s.io/v1beta1:Sandbox');
    expect(sandbox.name).toBe(`digital-ftes/${sandbox.inputs.metadata.name}`);
  });

  test('every object is a child of the environment component, through its group', async () => {
    const { captured } = await runStack('prod');
    const groups = captured.filter((c) => c.type === 'kubernetes:yaml:ConfigGroup' && !c.name.includes('operator'));
    expect(groups.map((c) => c.name)).toEqual(['prod-cluster', 'prod-ftes']);
    for (const g of groups) expect((g.opts.parent as any).__name).toBe('prod');
    expect((groups[0].opts.parent as any).__pulumiType).toBe('ftekit:index:Environment');
    for (const c of captured.filter((x) => x.type.startsWith('kubernetes:') && !x.type.startsWith('kubernetes:yaml') && !x.type.startsWith('kubernetes:helm'))) {
      expect(c.opts.parent).toBeDefined();
    }
  });

  test('dev: the llm-api-keys Secret comes from config secrets, as a secret output, and is absent from dist', async () => {
    const { registered, out } = await runStack('dev');
    const secret = registered.find((r) => r.type === 'kubernetes:core/v1:Secret')!;
    expect(secret.name).toBe('dev-secret-llm-api-keys');
    expect(secret.inputs.metadata).toMatchObject({ name: 'llm-api-keys', namespace: 'digital-ftes' });
    // The value reaches the engine wrapped as a secret (so the state stores it encrypted).
    expect(secret.inputs.stringData).toEqual({
      [specialSigKey]: specialSecretSig,
      value: { anthropic: 'sk-ant-test-value', openai: 'sk-openai-test-value' },
    });
    const resource = out.environment.secrets.get('llm-api-keys')!;
    expect(await pulumi.isSecret(resource.stringData)).toBe(true);
    expect(await pulumi.isSecret(resource.metadata)).toBe(false);
    const distText = JSON.stringify(dist.get('dev'));
    expect(distText).not.toContain('sk-ant-test-value');
    expect(dist.get('dev')!.filter((o) => o.kind === 'Secret')).toEqual([]);
    // The workloads that read it are deployed after it.
    const sandbox = registered.find((r) => r.inputs?.kind === 'Sandbox')!;
    expect(secret.order).toBeLessThan(sandbox.order);
  });

  test('a config secret the spec needs but the stack lacks fails before anything is deployed', async () => {
    const saved = { ...SECRET_VALUES };
    delete SECRET_VALUES.openaiApiKey;
    try {
      await expect(runStack('dev')).rejects.toThrow(/Missing required configuration variable 'ftekit:openaiApiKey'/);
    } finally {
      Object.assign(SECRET_VALUES, saved);
    }
  });

  test('prod: Sandboxes, PVC-bearing objects and the Namespace are retained and protected; what their pods need is retained; the rest is not', async () => {
    const { captured } = await runStack('prod');
    const opts = (kind: string): pulumi.ResourceOptions[] => captured.filter((c) => c.type.endsWith(`:${kind}`)).map((c) => c.opts);
    expect(opts('Sandbox').length).toBe(2);
    for (const kind of ['Sandbox', 'Namespace']) {
      for (const o of opts(kind)) expect(o).toMatchObject({ retainOnDelete: true, protect: true });
    }
    // A retained Sandbox keeps running: after `pulumi destroy` it must still be isolated, bounded
    // and under the admission policies.
    // ... and its workspace goes on being backed up, its snapshots keeping their class.
    for (const kind of ['NetworkPolicy', 'FQDNNetworkPolicy', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'Role', 'RoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'SnapshotSchedule', 'VolumeSnapshotClass']) {
      expect(opts(kind).length).toBeGreaterThan(0);
      for (const o of opts(kind)) {
        expect(o.retainOnDelete).toBe(true);
        expect(o.protect).toBeFalsy();
      }
    }
    for (const kind of ['Deployment', 'SandboxWarmPool', 'SandboxClaim', 'Component', 'HorizontalPodAutoscaler']) {
      const ours = captured.filter((c) => c.type.endsWith(`:${kind}`) && c.name.startsWith('digital-ftes/')).map((c) => c.opts);
      expect(ours.length).toBeGreaterThan(0);
      for (const o of ours) {
        expect(o.retainOnDelete).toBeFalsy();
        expect(o.protect).toBeFalsy();
      }
    }
  });

  test('prod: SnapScheduler is installed from its pinned chart, kept with the workspaces, before the SnapshotSchedule that needs it', async () => {
    const { registered, captured } = await runStack('prod');
    const release = registered.find((r) => r.type === 'kubernetes:helm.sh/v3:Release' && r.inputs.chart === 'snapscheduler')!;
    expect(release.inputs).toMatchObject({ version: '3.5.0', namespace: 'backube-snapscheduler', repositoryOpts: { repo: 'https://backube.github.io/helm-charts/' } });
    expect(captured.find((c) => c.type === 'kubernetes:helm.sh/v3:Release' && c.name === 'prod-snapscheduler')!.opts.retainOnDelete).toBe(true);
    const schedule = captured.find((c) => c.type.endsWith(':SnapshotSchedule'))!;
    expect(((schedule.opts.dependsOn ?? []) as pulumi.Resource[]).map((r) => (r as any).__name)).toEqual(['prod-snapscheduler']);
    expect(release.order).toBeLessThan(registered.find((r) => r.inputs?.kind === 'SnapshotSchedule')!.order);
    // The snapshot class is the platform's API (the CSI snapshot CRDs): nothing to wait for.
    expect(captured.find((c) => c.type.endsWith(':VolumeSnapshotClass'))!.opts.dependsOn ?? []).toEqual([]);
  });

  test('staging: retained but not protected; dev retains by default', async () => {
    for (const stack of ['staging', 'dev']) {
      const { captured } = await runStack(stack);
      const sandbox = captured.find((c) => c.type.endsWith(':Sandbox'))!;
      expect(sandbox.opts.retainOnDelete).toBe(true);
      expect(sandbox.opts.protect).toBeFalsy();
    }
  });

  test('retainWorkspaces: false lets Pulumi delete workspaces (an explicit choice in the stack file)', async () => {
    const config = stackConfig('dev') as any;
    config['ftekit:environment'].retainWorkspaces = false;
    const { captured } = await runStack('dev', config);
    expect(captured.find((c) => c.type.endsWith(':Sandbox'))!.opts.retainOnDelete).toBe(false);
  });

  test('operators are installed, pinned, before the objects that use their CRDs (prod with all five on)', async () => {
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].operators = { agentSandbox: true, dapr: true, vaultSecretsOperator: true, prometheusOperatorCrds: true, keda: true };
    const { registered, captured } = await runStack('prod', config);
    const first = (pred: (r: Registered) => boolean): number => registered.find(pred)!.order;
    const agentSandbox = registered.find((r) => r.type === 'kubernetes:yaml:ConfigFile' && r.name === 'prod-agent-sandbox')!;
    expect(agentSandbox.inputs.file).toBe('https://github.com/kubernetes-sigs/agent-sandbox/releases/download/v1.0.3/sandbox-with-extensions.yaml');
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release').sort((a, b) => (a.inputs.chart < b.inputs.chart ? -1 : 1));
    expect(releases.map((r) => [r.inputs.chart, r.inputs.version])).toEqual([['dapr', '1.18.3'], ['keda', '2.20.2'], ['vault-secrets-operator', '1.4.1']]);
    expect(releases[0].inputs.values).toEqual({ dapr_sidecar_injector: { sidecarDropALLCapabilities: true } });
    const keda = releases.splice(1, 1)[0];
    expect(keda.inputs).toMatchObject({ namespace: 'keda', repositoryOpts: { repo: 'https://kedacore.github.io/charts' } });
    expect(keda.order).toBeLessThan(first((r) => r.inputs?.kind === 'ScaledObject'));
    const promCrds = registered.find((r) => r.type === 'kubernetes:yaml:ConfigGroup' && r.name === 'prod-prometheus-operator-crds')!;
    expect(promCrds.inputs.files).toHaveLength(3);
    expect(promCrds.inputs.files.every((f: string) => f.includes('/v0.93.0/'))).toBe(true);

    expect(agentSandbox.order).toBeLessThan(first((r) => r.inputs?.kind === 'Sandbox'));
    expect(releases[0].order).toBeLessThan(first((r) => r.inputs?.apiVersion === 'dapr.io/v1alpha1'));
    expect(releases[1].order).toBeLessThan(first((r) => r.inputs?.apiVersion?.startsWith('secrets.hashicorp.com/')));
    expect(promCrds.order).toBeLessThan(first((r) => r.inputs?.apiVersion?.startsWith('monitoring.coreos.com/')));

    // Registration order is not enough for the engine: each object depends on its operator.
    const dependsOn = (pred: (c: Captured) => boolean): string[] => {
      const c = captured.find(pred)!;
      return ((c.opts.dependsOn ?? []) as pulumi.Resource[]).map((r) => (r as any).__name);
    };
    // The Dapr-enabled research analyst also waits for the injector; the orchestrator does not.
    expect(dependsOn((c) => c.type.endsWith(':Sandbox') && c.name.endsWith('/research-analyst'))).toEqual(['prod-agent-sandbox', 'prod-dapr']);
    expect(dependsOn((c) => c.type.endsWith(':Sandbox') && c.name.endsWith('/orchestrator'))).toEqual(['prod-agent-sandbox']);
    expect(dependsOn((c) => c.type.endsWith(':SandboxTemplate'))).toEqual(['prod-agent-sandbox']);
    expect(dependsOn((c) => c.type.endsWith('dapr.io/v1alpha1:Component'))).toEqual(['prod-dapr']);
    expect(dependsOn((c) => c.type === 'kubernetes:apps/v1:Deployment' && c.name.endsWith('/research-analyst-worker'))).toEqual(['prod-dapr']);
    expect(dependsOn((c) => c.type.endsWith(':VaultStaticSecret'))).toEqual(['prod-vault-secrets-operator']);
    expect(dependsOn((c) => c.type.endsWith(':ServiceMonitor'))).toEqual(['prod-prometheus-operator-crds']);
    expect(dependsOn((c) => c.type.endsWith('keda.sh/v1alpha1:ScaledObject'))).toEqual(['prod-keda']);
    expect(dependsOn((c) => c.type.endsWith(':NetworkPolicy'))).toEqual([]);
    // The operator manifests are fetched by the program and each object registered: the CRDs
    // are kept (and the agent-sandbox ones protected, like the Sandboxes they define).
    expect(fetched).toEqual(expect.arrayContaining([OPERATOR_SOURCES.agentSandbox, ...OPERATOR_SOURCES.prometheusOperatorCrds]));
    const crdOpts = (name: string): pulumi.ResourceOptions => captured.find((c) => c.type === 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition' && c.name === name)!.opts;
    expect(crdOpts('sandboxes.agents.x-k8s.io')).toMatchObject({ retainOnDelete: true, protect: true });
    expect(crdOpts('servicemonitors.monitoring.coreos.com')).toMatchObject({ retainOnDelete: true });
    expect(crdOpts('servicemonitors.monitoring.coreos.com').protect).toBeFalsy();
    const controller = captured.find((c) => c.type === 'kubernetes:apps/v1:Deployment' && c.name === 'agent-sandbox-system/agent-sandbox-controller')!;
    expect(controller.opts.retainOnDelete).toBe(true);
    expect(controller.opts.protect).toBeFalsy();
  });

  test('air-gapped sources: local manifests are read by the program, charts come from an archive or a mirror; nothing is fetched', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-airgap-'));
    const crd = (name: string): string => `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: { name: ${name} }\nspec: {}\n`;
    fs.mkdirSync(path.join(dir, 'agent-sandbox'));
    fs.writeFileSync(path.join(dir, 'agent-sandbox', 'crds.yaml'), ['sandboxes.agents.x-k8s.io', 'sandboxtemplates.extensions.agents.x-k8s.io', 'sandboxwarmpools.extensions.agents.x-k8s.io', 'sandboxclaims.extensions.agents.x-k8s.io'].map(crd).join('---\n'));
    fs.writeFileSync(path.join(dir, 'prometheus.yaml'), ['servicemonitors', 'podmonitors', 'prometheusrules'].map((p) => crd(`${p}.monitoring.coreos.com`)).join('---\n'));
    fs.mkdirSync(path.join(dir, 'chart', 'dapr'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'chart', 'dapr', 'Chart.yaml'), 'apiVersion: v2\nname: dapr\nversion: 1.18.3\n');
    execFileSync('tar', ['czf', path.join(dir, 'dapr-1.18.3.tgz'), '-C', path.join(dir, 'chart'), 'dapr']);
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].operators = {
      agentSandbox: { manifest: path.join(dir, 'agent-sandbox') },
      prometheusOperatorCrds: { manifest: path.join(dir, 'prometheus.yaml') },
      dapr: { chart: path.join(dir, 'dapr-1.18.3.tgz') },
      vaultSecretsOperator: { repository: 'https://charts.mirror.internal/hashicorp' },
    };
    fetched.length = 0;
    const { registered, captured } = await runStack('prod', config);
    expect(fetched).toEqual([]);
    expect(registered.filter((r) => r.type === 'kubernetes:yaml:decode' || r.type === 'kubernetes:yaml:ConfigFile')).toEqual([]);
    const group = registered.find((r) => r.name === 'prod-agent-sandbox')!;
    expect(group.type).toBe('kubernetes:yaml:ConfigGroup');
    expect(group.inputs.files).toBeUndefined();
    // Each object of the local files is its own resource, with the same data-safety options as from the public source.
    const crdOpts = (name: string): pulumi.ResourceOptions => captured.find((c) => c.type === 'kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition' && c.name === name)!.opts;
    expect(crdOpts('sandboxclaims.extensions.agents.x-k8s.io')).toMatchObject({ retainOnDelete: true, protect: true });
    expect(crdOpts('prometheusrules.monitoring.coreos.com')).toMatchObject({ retainOnDelete: true });
    const release = (chart: string): Registered => registered.find((r) => r.type === 'kubernetes:helm.sh/v3:Release' && r.inputs.name === chart)!;
    expect(release('dapr').inputs).toMatchObject({ chart: path.join(dir, 'dapr-1.18.3.tgz'), namespace: 'dapr-system', values: { dapr_sidecar_injector: { sidecarDropALLCapabilities: true } } });
    expect(release('dapr').inputs.repositoryOpts).toBeUndefined();
    expect(release('dapr').inputs.version).toBeUndefined();
    expect(release('vault-secrets-operator').inputs).toMatchObject({ chart: 'vault-secrets-operator', version: '1.4.1', repositoryOpts: { repo: 'https://charts.mirror.internal/hashicorp' } });
    const dependsOn = (pred: (c: Captured) => boolean): string[] => ((captured.find(pred)!.opts.dependsOn ?? []) as pulumi.Resource[]).map((r) => (r as any).__name);
    expect(dependsOn((c) => c.type.endsWith(':Sandbox') && c.name.endsWith('/orchestrator'))).toEqual(['prod-agent-sandbox']);
    expect(dependsOn((c) => c.type.endsWith(':ServiceMonitor'))).toEqual(['prod-prometheus-operator-crds']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('dev installs only the agent-sandbox controller', async () => {
    const { registered } = await runStack('dev');
    expect(registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release' || (r.type.startsWith('kubernetes:yaml:') && !/-(cluster|ftes)$/.test(r.name))).map((r) => r.name)).toEqual(['dev-agent-sandbox']);
  });

  test('the provider uses the stack\'s kubeconfig context', async () => {
    const { registered } = await runStack('prod');
    const provider = registered.find((r) => r.type === 'pulumi:providers:kubernetes')!;
    expect(provider.inputs.context).toBe('gke_acme-prod_europe-west4_ftes');
    // Every Kubernetes resource goes through that provider, never the ambient default one.
    // (Components, such as the groups, carry no provider themselves; their children do.)
    const k8sResources = registered.filter((r) => r.type.startsWith('kubernetes:') && !r.type.startsWith('kubernetes:yaml'));
    expect(k8sResources.length).toBeGreaterThan(40);
    for (const r of k8sResources) expect(r.provider).toMatch(/::pulumi:providers:kubernetes::prod-cluster::/);
  });

  test('stack outputs: namespace, sandbox services, pools and claims', async () => {
    const { out } = await runStack('prod');
    expect(await promiseOf(out.namespace)).toBe('digital-ftes');
    expect(await promiseOf(out.sandboxServiceNames)).toEqual(['research-analyst', 'orchestrator']);
    expect(await promiseOf(out.poolNames)).toEqual(['code-exec']);
    expect(await promiseOf(out.claimNames)).toEqual(['code-exec/analyst-task-1', 'code-exec/analyst-task-2']);
    expect(await promiseOf(out.daprWorkerNames)).toEqual(['research-analyst-worker']);
  });

  test('previousNames become aliases of the component, so a rename keeps every object', async () => {
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].previousNames = ['production'];
    const { out } = await runStack('prod', config);
    const aliases: string[] = await Promise.all(((out.environment as any).__aliases as pulumi.Input<string>[]).map((a) => promiseOf(pulumi.output(a))));
    expect(aliases).toEqual(['urn:pulumi:prod::ftekit::ftekit:index:Environment::production']);
  });

  test('a spec the constructs refuse registers nothing either, and the error names the stack entry', async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks({ newResource: (a) => { registered.push(a.type); return { id: 'x', state: a.inputs }; }, call: (a) => a.inputs }, 'ftekit', 'prod', false);
    const spec = loadStackSpec(STACKS, 'prod');
    const bad = { ...spec, ftes: [{ ...spec.ftes[0], props: { ...spec.ftes[0].props, image: 'nginx:latest' } }, ...spec.ftes.slice(1)] };
    const { FtekitEnvironment } = await import('../../src/pulumi/ftekit-environment');
    expect(() => new FtekitEnvironment('prod', { spec: bad })).toThrow(/^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.ftes\[0\]\.image: image "nginx:latest" uses the mutable tag "latest"; expected a version tag or a @sha256 digest$/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // registrations reach the mock asynchronously
    expect(registered).toEqual([]);
  });

  test('objects that fail the policy gate are never deployed', async () => {
    const registered: string[] = [];
    await pulumi.runtime.setMocks({ newResource: (a) => { registered.push(a.type); return { id: 'x', state: a.inputs }; }, call: (a) => a.inputs }, 'ftekit', 'prod', false);
    const spec = loadStackSpec(STACKS, 'prod');
    // A custom RuntimeClass on the plain runc handler is no sandbox.
    const runc = SandboxRuntime.custom('plain', { handler: 'runc' });
    const unsafe = { ...spec, runtime: runc, ftes: spec.ftes.map((f) => ({ ...f, props: { ...f.props, runtime: runc } })), pools: [], daprWorkers: [], monitoring: undefined };
    const { FtekitEnvironment } = await import('../../src/pulumi/ftekit-environment');
    expect(() => new FtekitEnvironment('prod', { spec: { ...unsafe, ftes: unsafe.ftes.map((f) => ({ ...f, reaches: [] })) } }))
      .toThrow(/^FtekitEnvironment prod: the manifests fail the policy gate; nothing was deployed\nftekit policy: FAILED: .*\n\nERROR \[sandboxed-runtime\] agents\.x-k8s\.io\/v1beta1 Sandbox digital-ftes\/research-analyst/s);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(registered).toEqual([]);
  });

  test('keepCustomResourceDefinitions retains every object and protects CRDs only, as asked', () => {
    const opts = (kind: string, options: { retainOnDelete?: boolean; protect?: boolean }): pulumi.CustomResourceOptions => {
      const o: pulumi.CustomResourceOptions = { ignoreChanges: ['x'] };
      keepCustomResourceDefinitions(options)({ kind }, o);
      return o;
    };
    expect(opts('CustomResourceDefinition', { retainOnDelete: true, protect: true })).toEqual({ ignoreChanges: ['x'], retainOnDelete: true, protect: true });
    expect(opts('CustomResourceDefinition', { retainOnDelete: true })).toEqual({ ignoreChanges: ['x'], retainOnDelete: true });
    expect(opts('Deployment', { retainOnDelete: true, protect: true })).toEqual({ ignoreChanges: ['x'], retainOnDelete: true });
    expect(opts('CustomResourceDefinition', {})).toEqual({ ignoreChanges: ['x'] });
  });

  test('a bad spec fails with the file and field before anything is registered', async () => {
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].ftes[0].ports[0].port = 99999;
    await expect(runStack('prod', config)).rejects.toThrow('stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].ports[0].port: port 99999 is out of range; expected an integer 1-65535');
    expect(lastRegistered).toEqual([]);
  });

  test('a stack the constructs refuse (a mutable image tag, judged by the construct) registers nothing, not even the provider', async () => {
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].ftes[0].image = 'ghcr.io/acme/research-analyst-fte:latest';
    await expect(runStack('prod', config)).rejects.toThrow(/stacks\/Pulumi\.prod\.yaml: ftekit:environment\.ftes\[0\]\.image: image "ghcr\.io\/acme\/research-analyst-fte:latest" uses the mutable tag "latest"/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // registrations reach the mock asynchronously
    expect(lastRegistered).toEqual([]);
  });

  test('Pulumi.yaml runs the compiled program with the stacks/ config, and the entry point exports the outputs', async () => {
    const project = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
    expect(project).toMatchObject({ name: 'ftekit', runtime: { name: 'nodejs', options: { typescript: false } }, main: 'lib/app/deploy/', stackConfigDir: 'stacks' });
    // The project name is the config namespace of the spec key.
    expect(Object.keys(stackConfig('prod'))).toContain(`${project.name}:environment`);
    const entry = path.join(ROOT, project.main, 'index.js');
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm test does) before this test`);
    // Operators off: their manifests would still be resolving when the test ends.
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].operators = {};
    await runStack('prod', config);
    const program = await import('../../src/app/deploy/index');
    expect(await promiseOf(program.namespace)).toBe('digital-ftes');
    expect(await promiseOf(program.claimNames)).toEqual(['code-exec/analyst-task-1', 'code-exec/analyst-task-2']);
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the program's groups finish registering
    // Importing the program compiles it through ts-jest: seconds on a busy 2-core machine.
  }, 60_000);
});
