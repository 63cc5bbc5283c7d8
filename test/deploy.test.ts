import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as pulumi from '@pulumi/pulumi';
import { specialSecretSig, specialSigKey } from '@pulumi/pulumi/runtime/rpc';
import { parse, parseAllDocuments } from 'yaml';
import { synthesizeStacks } from '../src/main';
import { loadStackSpec, stackNames } from '../src/spec/stack-files';

const ROOT = path.resolve(__dirname, '..');
const STACKS = path.join(ROOT, 'stacks');

interface Registered { readonly type: string; readonly name: string; readonly inputs: any; readonly order: number; readonly provider?: string }
interface Captured { readonly type: string; readonly name: string; readonly opts: pulumi.ResourceOptions }

/** Test values of the stack's config secrets (stack files hold none: `pulumi config set --secret` adds them). */
const SECRET_VALUES: Record<string, string> = { anthropicApiKey: 'sk-ant-test-value', openaiApiKey: 'sk-openai-test-value' };

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
    call: (args) => args.inputs,
  }, 'ftekit', stack, false);
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) flat[k] = typeof v === 'string' ? v : JSON.stringify(v);
  for (const [k, v] of Object.entries(SECRET_VALUES)) flat[`ftekit:${k}`] = v;
  pulumi.runtime.setAllConfig(flat, Object.keys(SECRET_VALUES).map((k) => `ftekit:${k}`));
  const { deployStack } = await import('../src/deploy/program');
  const capture = (args: pulumi.ResourceTransformationArgs): undefined => {
    captured.push({ type: args.type, name: args.name, opts: args.opts });
    return undefined;
  };
  const out = deployStack({ transformations: [capture] });
  const env = out.environment;
  // The v1 groups create their children asynchronously: wait for every child's URN.
  for (const group of [env.clusterObjects, env.namespacedObjects]) {
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
const isObject = (r: Registered): boolean => r.type.startsWith('kubernetes:') && !/^kubernetes:(yaml|helm\.sh)/.test(r.type) && r.inputs?.kind !== undefined;

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
    const groups = captured.filter((c) => c.type === 'kubernetes:yaml:ConfigGroup');
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

  test('prod: Sandboxes, PVC-bearing objects and the Namespace are retained and protected; other objects are not', async () => {
    const { captured } = await runStack('prod');
    const opts = (kind: string): pulumi.ResourceOptions[] => captured.filter((c) => c.type.endsWith(`:${kind}`)).map((c) => c.opts);
    expect(opts('Sandbox').length).toBe(2);
    for (const kind of ['Sandbox', 'Namespace']) {
      for (const o of opts(kind)) expect(o).toMatchObject({ retainOnDelete: true, protect: true });
    }
    for (const kind of ['Deployment', 'NetworkPolicy', 'SandboxWarmPool', 'SandboxClaim']) {
      for (const o of opts(kind)) {
        expect(o.retainOnDelete).toBeFalsy();
        expect(o.protect).toBeFalsy();
      }
    }
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

  test('prod: operators are installed, pinned, before the objects that use their CRDs', async () => {
    const { registered, captured } = await runStack('prod');
    const first = (pred: (r: Registered) => boolean): number => registered.find(pred)!.order;
    const agentSandbox = registered.find((r) => r.type === 'kubernetes:yaml/v2:ConfigFile')!;
    expect(agentSandbox.inputs.file).toBe('https://github.com/kubernetes-sigs/agent-sandbox/releases/download/v1.0.3/sandbox-with-extensions.yaml');
    const releases = registered.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release').sort((a, b) => (a.inputs.chart < b.inputs.chart ? -1 : 1));
    expect(releases.map((r) => [r.inputs.chart, r.inputs.version])).toEqual([['dapr', '1.18.3'], ['vault-secrets-operator', '1.4.1']]);
    expect(releases[0].inputs.values).toEqual({ dapr_sidecar_injector: { sidecarDropALLCapabilities: true } });
    const promCrds = registered.find((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup')!;
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
    expect(dependsOn((c) => c.type.endsWith(':Sandbox'))).toEqual(['prod-agent-sandbox']);
    expect(dependsOn((c) => c.type.endsWith('dapr.io/v1alpha1:Component'))).toEqual(['prod-dapr']);
    expect(dependsOn((c) => c.type === 'kubernetes:apps/v1:Deployment' && c.name.endsWith('/research-analyst-worker'))).toEqual(['prod-dapr']);
    expect(dependsOn((c) => c.type.endsWith(':VaultStaticSecret'))).toEqual(['prod-vault-secrets-operator']);
    expect(dependsOn((c) => c.type.endsWith(':ServiceMonitor'))).toEqual(['prod-prometheus-operator-crds']);
    expect(dependsOn((c) => c.type.endsWith(':NetworkPolicy'))).toEqual([]);
    // The agent-sandbox install is kept and protected like the Sandboxes whose CRD it owns.
    expect(captured.find((c) => c.type === 'kubernetes:yaml/v2:ConfigFile')!.opts).toMatchObject({ retainOnDelete: true, protect: true });
  });

  test('dev installs only the agent-sandbox controller', async () => {
    const { registered } = await runStack('dev');
    expect(registered.filter((r) => /^kubernetes:(yaml\/v2|helm\.sh)/.test(r.type)).map((r) => r.name)).toEqual(['dev-agent-sandbox']);
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
    const { FtekitEnvironment } = await import('../src/deploy/environment');
    expect(() => new FtekitEnvironment('prod', { spec: bad })).toThrow(/^stacks\/Pulumi\.prod\.yaml: ftekit:environment\.ftes\[0\]: FteSandbox at 'ftes\/research-analyst': image: image "nginx:latest" uses the mutable tag "latest"/);
    await new Promise((resolve) => setTimeout(resolve, 200)); // registrations reach the mock asynchronously
    expect(registered).toEqual([]);
  });

  test('a bad spec fails with the file and field before anything is registered', async () => {
    const config = stackConfig('prod') as any;
    config['ftekit:environment'].ftes[0].ports[0].port = 99999;
    await expect(runStack('prod', config)).rejects.toThrow('stacks/Pulumi.prod.yaml: ftekit:environment.ftes[0].ports[0].port: 99999 is not a whole number in range 1-65535');
    expect(lastRegistered).toEqual([]);
  });

  test('Pulumi.yaml runs the compiled program with the stacks/ config, and the entry point exports the outputs', async () => {
    const project = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
    expect(project).toMatchObject({ name: 'ftekit', runtime: { name: 'nodejs', options: { typescript: false } }, main: 'lib/src/deploy/', stackConfigDir: 'stacks' });
    // The project name is the config namespace of the spec key.
    expect(Object.keys(stackConfig('prod'))).toContain(`${project.name}:environment`);
    const entry = path.join(ROOT, project.main, 'index.js');
    if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` (npm test does) before this test`);
    await runStack('prod');
    const program = await import('../src/deploy/index');
    expect(await promiseOf(program.namespace)).toBe('digital-ftes');
    expect(await promiseOf(program.claimNames)).toEqual(['code-exec/analyst-task-1', 'code-exec/analyst-task-2']);
  });
});
