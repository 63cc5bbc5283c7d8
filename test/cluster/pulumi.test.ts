/*
 * `pulumi preview`, `up` and `destroy` for real: the engine and the Kubernetes provider built
 * from Go modules (test/cluster/pulumi-engine.ts), a local file backend, and one test stack
 * per environment whose `kubernetes:context` is the live control plane. The stack files are
 * the repository's, with the namespace made distinct (these suites share the control plane
 * with stacks.test.ts) and the operators pointed at local files: the agent-sandbox CRDs of
 * the controller the control plane runs and the Prometheus Operator CRDs from ../shared.
 * Dapr and the Vault Secrets Operator are not installed (no Helm repository here); their
 * CRDs are installed by the test.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, stringify } from 'yaml';
import { synthesizeStacks } from '../../src/app/synth';
import { sharedDir } from '../support/schema';
import { ensureBuild } from './control-plane';
import { KubeClient, KubeObject } from './kube-client';
import { describeLive, installSharedCrds, readObjects, STAND_IN_LABEL } from './live';
import { cachedEngine, EngineBuild, engineEnv, REPO_ROOT } from './pulumi-engine';

jest.setTimeout(900_000);

const ENVS = ['dev', 'staging', 'prod'] as const;
const nsOf = (env: string): string => `ftekit-pulumi-${env}`;

/** Why the engine suites cannot run: no cached engine build (CI builds it in .ci/run first). */
function engineOrSkip(): EngineBuild | string {
  const build = cachedEngine();
  if (build) return build;
  const why = 'the Pulumi engine is not built (node build/test/cluster/cli.js build-engine)';
  if (process.env.CI === 'true') throw new Error(`pulumi live tests: ${why}, and CI=true forbids skipping them`);
  return why;
}

const engine = process.env.FTEKIT_CLUSTER_SKIP || !process.env.FTEKIT_KUBECONFIG ? undefined : engineOrSkip();

interface Run { readonly code: number; readonly stdout: string; readonly out: string; readonly seconds: number }

/** A throw-away Pulumi project: Pulumi.yaml running the compiled program, generated stack files. */
class Project {
  public readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-pulumi-'));
  public readonly stacks = path.join(this.dir, 'stacks');
  private readonly env: NodeJS.ProcessEnv;

  public constructor(build: EngineBuild, kubeconfig: string) {
    fs.mkdirSync(this.stacks);
    const repoProject = parse(fs.readFileSync(path.join(REPO_ROOT, 'Pulumi.yaml'), 'utf8'));
    fs.writeFileSync(path.join(this.dir, 'Pulumi.yaml'), stringify({ ...repoProject, main: path.relative(this.dir, path.join(REPO_ROOT, repoProject.main)) + '/' }));
    this.env = engineEnv(build, this.dir, kubeconfig);
    fs.mkdirSync(path.join(this.dir, 'state'));
  }

  public pulumi(args: string[], stack?: string): Run {
    const started = Date.now();
    const res = spawnSync(engineBinary!, [...args, ...(stack ? ['--stack', stack] : []), '--non-interactive'], {
      cwd: this.dir, env: this.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 840_000,
    });
    return { code: res.status ?? -1, stdout: res.stdout ?? '', out: `${res.stdout ?? ''}${res.stderr ?? ''}`, seconds: (Date.now() - started) / 1000 };
  }

  /** Runs and expects success, with the output in the failure message. */
  public ok(args: string[], stack?: string): Run {
    const r = this.pulumi(args, stack);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(' ')} exited ${r.code}:\n${r.out.slice(-6000)}`);
    return r;
  }

  /** `pulumi preview --json`: the steps that are not `same`. */
  public changes(stack: string): Array<{ op: string; urn: string }> {
    const r = this.ok(['preview', '--json'], stack);
    const json = JSON.parse(r.stdout) as { steps?: Array<{ op: string; urn: string }> };
    return (json.steps ?? []).filter((s) => s.op !== 'same').map((s) => ({ op: s.op, urn: s.urn }));
  }

  public writeStack(name: string, config: Record<string, unknown>): void {
    const file = path.join(this.stacks, `Pulumi.${name}.yaml`);
    // Keep what `pulumi config set --secret` wrote (the salt and the secure values).
    const previous = fs.existsSync(file) ? parse(fs.readFileSync(file, 'utf8')) : {};
    const secure = Object.fromEntries(Object.entries(previous.config ?? {}).filter(([, v]) => typeof v === 'object' && v !== null && 'secure' in (v as object)));
    fs.writeFileSync(file, stringify({ ...(previous.encryptionsalt ? { encryptionsalt: previous.encryptionsalt } : {}), config: { ...config, ...secure } }));
  }

  public dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

let engineBinary: string | undefined;

/** The repository's stack file for `env`, pointed at the live control plane and local operator sources. */
function testStackConfig(env: string, agentSandboxCrds: string): Record<string, any> {
  const config = parse(fs.readFileSync(path.join(REPO_ROOT, 'stacks', `Pulumi.${env}.yaml`), 'utf8')).config;
  config['kubernetes:context'] = 'ftekit-local';
  const e = config['ftekit:environment'];
  e.namespace = nsOf(env);
  e.operators = {
    agentSandbox: { manifest: agentSandboxCrds },
    prometheusOperatorCrds: { manifest: path.join(sharedDir()!, 'crds', 'prometheus-operator') },
  };
  // Backups in every stack, so that destroy shows what it keeps of them where workspaces are
  // retained (prod, protected, has its own; SnapScheduler itself is a Helm chart, not installed here).
  e.backups ??= [{ name: 'daily', schedule: '0 3 * * *', maxCount: 7, snapshotClass: { name: `ftekit-test-snapshots-${env}`, driver: 'hostpath.csi.k8s.io' } }];
  return config;
}

/** What the platform provides that ftekit does not emit: GKE's `gvisor` RuntimeClass, the storage classes. */
function platformStandIns(objects: KubeObject[]): object[] {
  const label = { [STAND_IN_LABEL]: 'true' };
  const out: object[] = [];
  const runtimeClasses = new Set(objects.filter((o) => o.kind === 'RuntimeClass').map((o) => o.metadata.name));
  const used = new Set<string>();
  const classes = new Set<string>();
  for (const o of objects) {
    const spec = o.spec as any;
    const pod = o.kind === 'Sandbox' || o.kind === 'SandboxTemplate' ? spec?.podTemplate?.spec : o.kind === 'Deployment' ? spec?.template?.spec : undefined;
    if (pod?.runtimeClassName && !runtimeClasses.has(pod.runtimeClassName)) used.add(pod.runtimeClassName);
    for (const v of (spec?.volumeClaimTemplates ?? []) as { spec?: { storageClassName?: string } }[]) if (v.spec?.storageClassName) classes.add(v.spec.storageClassName);
  }
  for (const name of used) {
    out.push({
      apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name, labels: label }, handler: name,
      scheduling: { nodeSelector: { 'sandbox.gke.io/runtime': 'gvisor' }, tolerations: [{ key: 'sandbox.gke.io/runtime', operator: 'Equal', value: 'gvisor', effect: 'NoSchedule' }] },
    });
  }
  for (const name of classes) out.push({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name, labels: label }, provisioner: 'kwok.x-k8s.io/volume', reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate' });
  return out;
}

/**
 * Where `live` differs from `expected` on a field `expected` sets (the server adds defaults,
 * status and metadata; those are not ftekit's). Lists must have the same length.
 */
function differences(expected: unknown, live: unknown, at = ''): string[] {
  // The API server does not store `false` and `0` of omitempty fields (hostNetwork: false,
  // initialDelaySeconds: 0): absent is the same value.
  if ((expected === false || expected === 0) && live === undefined) return [];
  if (expected === null || typeof expected !== 'object') return expected === live ? [] : [`${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(live)}`];
  if (Array.isArray(expected)) {
    if (!Array.isArray(live) || live.length !== expected.length) return [`${at}: expected ${expected.length} items, got ${JSON.stringify(live)}`];
    return expected.flatMap((e, i) => differences(e, live[i], `${at}[${i}]`));
  }
  if (live === null || typeof live !== 'object') return [`${at}: expected an object, got ${JSON.stringify(live)}`];
  return Object.entries(expected as object).flatMap(([k, v]) => differences(v, (live as Record<string, unknown>)[k], `${at}.${k}`));
}

/** The kinds the README says `pulumi destroy` keeps with retainWorkspaces (and the agent-sandbox install). */
const KEPT_KINDS = new Set([
  'Sandbox', 'PersistentVolumeClaim', 'Namespace', 'NetworkPolicy', 'CiliumNetworkPolicy', 'FQDNNetworkPolicy', 'ApplicationNetworkPolicy', 'ResourceQuota', 'LimitRange',
  'ServiceAccount', 'Role', 'RoleBinding', 'RuntimeClass', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'SnapshotSchedule', 'VolumeSnapshotClass',
]);

/** The workspace claims of the environment's Sandboxes (made by the controller from volumeClaimTemplates). */
async function workspaceClaims(client: KubeClient, ns: string, objects: KubeObject[]): Promise<string[]> {
  const sandboxes = new Set(objects.filter((o) => o.kind === 'Sandbox').map((o) => o.metadata.name));
  return (await client.list('v1', 'PersistentVolumeClaim', ns))
    .filter((c) => c.metadata.ownerReferences?.some((r) => r.kind === 'Sandbox' && sandboxes.has(r.name)))
    .map((c) => c.metadata.name);
}

async function liveOf(client: KubeClient, o: KubeObject): Promise<KubeObject | undefined> {
  return client.get(o.apiVersion, o.kind, o.metadata.name, o.metadata.namespace);
}

describeLive('pulumi preview, up and destroy on the live control plane', (client) => {
  if (typeof engine === 'string' || engine === undefined) {
    test.skip(`skipped: ${engine ?? 'no live control plane'}`, () => undefined);
    return;
  }
  const build = engine;
  engineBinary = build.pulumi;
  let project: Project;
  let dist: string;
  const timings: Record<string, number> = {};
  const agentSandboxCrds = path.dirname(ensureBuild().agentSandboxCrds[0]);

  beforeAll(async () => {
    project = new Project(build, process.env.FTEKIT_KUBECONFIG!);
    await installSharedCrds(client());
    for (const env of ENVS) project.writeStack(env, testStackConfig(env, agentSandboxCrds));
    dist = path.join(project.dir, 'dist');
    synthesizeStacks(project.stacks, dist);
  });
  afterAll(() => {
    process.stderr.write(`\npulumi timings (s): ${JSON.stringify(timings)}\n`);
    project?.dispose();
  });

  describe.each(ENVS)('%s', (env) => {
    const objects = (): KubeObject[] => ['cluster', 'ftes'].flatMap((f) => readObjects(path.join(dist, env, `${f}.k8s.yaml`)));

    test('pulumi preview, then pulumi up, succeed; the live objects equal dist/<env>/ on every field ftekit sets', async () => {
      // A fresh cluster state for the environment: RuntimeClasses (cluster-scoped, handler
      // immutable) and admission policies that an earlier stack's destroy retained go; this
      // one's platform stand-ins come.
      for (const sel of ['app.kubernetes.io/managed-by=ftekit', STAND_IN_LABEL]) {
        for (const rc of await client().list('node.k8s.io/v1', 'RuntimeClass', undefined, sel)) await client().delete('node.k8s.io/v1', 'RuntimeClass', rc.metadata.name);
      }
      for (const kind of ['ValidatingAdmissionPolicyBinding', 'ValidatingAdmissionPolicy']) {
        for (const o of await client().list('admissionregistration.k8s.io/v1', kind, undefined, 'app.kubernetes.io/managed-by=ftekit')) await client().delete('admissionregistration.k8s.io/v1', kind, o.metadata.name);
      }
      for (const o of platformStandIns(objects())) await client().apply(o, 'ftekit-test-platform');
      project.ok(['stack', 'init', env]);
      if (env === 'dev') {
        project.ok(['config', 'set', '--secret', 'ftekit:anthropicApiKey', 'sk-ant-test'], env);
        project.ok(['config', 'set', '--secret', 'ftekit:openaiApiKey', 'sk-openai-test'], env);
      }
      const preview = project.changes(env);
      expect(preview.length).toBeGreaterThan(objects().length);
      expect(preview.every((s) => s.op === 'create')).toBe(true);
      const up = project.ok(['up', '--yes', '--skip-preview'], env);
      timings[`${env} up`] = up.seconds;
      const mismatches: string[] = [];
      for (const o of objects()) {
        const live = await liveOf(client(), o);
        if (!live) mismatches.push(`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}: missing`);
        else mismatches.push(...differences(o, live).map((d) => `${o.kind} ${o.metadata.name}${d}`));
      }
      expect(mismatches).toEqual([]);
      if (env === 'dev') {
        const secret = await client().get('v1', 'Secret', 'llm-api-keys', nsOf(env));
        expect(Buffer.from(String((secret?.data as Record<string, string>).anthropic), 'base64').toString()).toBe('sk-ant-test');
      }
    });

    test('a second preview shows no change; one FTE\'s new image previews exactly one update, of that Sandbox', () => {
      const again = project.changes(env);
      expect(again).toEqual([]);
      const config = testStackConfig(env, agentSandboxCrds);
      const fte = config['ftekit:environment'].ftes[0];
      fte.image = fte.image.replace(/:[^:]+$/, ':9.9.9');
      project.writeStack(env, config);
      try {
        const changed = project.changes(env);
        // The group that holds the objects is a component (v1 ConfigGroup): its recorded
        // inputs change with any object, but a component does nothing in the cluster.
        const group = (s: { urn: string }): boolean => /::[a-z0-9-]+-ftes$/.test(s.urn) && s.urn.endsWith(`kubernetes:yaml:ConfigGroup::${env}-ftes`);
        expect(changed.filter(group).map((s) => s.op)).toEqual(['update']);
        expect(changed.filter((s) => !group(s))).toEqual([{ op: 'update', urn: expect.stringMatching(new RegExp(`:Sandbox::${nsOf(env)}/${fte.name}$`)) }]);
      } finally {
        project.writeStack(env, testStackConfig(env, agentSandboxCrds));
      }
    });

    if (env === 'staging') {
      test('renaming the environment (stack and component) with previousNames previews no replacement', () => {
        const renamed = 'staging-eu';
        const move = (from: string, to: string): void => {
          // `pulumi stack rename` moves the stack file itself in some versions; not in others.
          if (fs.existsSync(path.join(project.stacks, `Pulumi.${from}.yaml`))) fs.renameSync(path.join(project.stacks, `Pulumi.${from}.yaml`), path.join(project.stacks, `Pulumi.${to}.yaml`));
        };
        project.ok(['stack', 'rename', renamed], env);
        move(env, renamed);
        const config = testStackConfig(env, agentSandboxCrds);
        config['ftekit:environment'].previousNames = [env];
        project.writeStack(renamed, config);
        try {
          const changed = project.changes(renamed);
          expect(changed.filter((s) => /replace|create|delete/.test(s.op))).toEqual([]);
        } finally {
          project.ok(['stack', 'rename', env], renamed);
          move(renamed, env);
          project.writeStack(env, testStackConfig(env, agentSandboxCrds));
        }
      });
    }

    if (env !== 'prod') {
      test('pulumi destroy (retainWorkspaces) keeps the namespace, every Sandbox and workspace claim, and the agent-sandbox CRDs; deletes only what the README says', async () => {
        const before = objects();
        const claims = await workspaceClaims(client(), nsOf(env), before);
        expect(claims.length).toBeGreaterThan(0);
        const destroy = project.ok(['destroy', '--yes', '--skip-preview'], env);
        timings[`${env} destroy`] = destroy.seconds;
        const deleted: string[] = [];
        const kept: string[] = [];
        for (const o of before) ((await liveOf(client(), o)) ? kept : deleted).push(`${o.kind}/${o.metadata.name}`);
        process.stderr.write(`\n${env}: pulumi destroy deleted ${deleted.join(', ') || 'nothing'}\n`);
        expect(kept.filter((k) => !KEPT_KINDS.has(k.split('/')[0]))).toEqual([]);
        expect(deleted.filter((k) => KEPT_KINDS.has(k.split('/')[0]))).toEqual([]);
        expect(await client().get('v1', 'Namespace', nsOf(env))).toBeDefined();
        for (const c of claims) expect(await client().get('v1', 'PersistentVolumeClaim', c, nsOf(env))).toBeDefined();
        for (const crd of ['sandboxes.agents.x-k8s.io', 'sandboxwarmpools.extensions.agents.x-k8s.io']) {
          expect(await client().get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd)).toBeDefined();
        }
      });
    } else {
      test('pulumi destroy with protectWorkspaces fails and deletes nothing protected', async () => {
        const protectedKinds = new Set(['Sandbox', 'PersistentVolumeClaim', 'Namespace']);
        const before = objects().filter((o) => protectedKinds.has(o.kind));
        const claims = await workspaceClaims(client(), nsOf(env), objects());
        expect(claims.length).toBeGreaterThan(0);
        const destroy = project.pulumi(['destroy', '--yes', '--skip-preview'], env);
        expect(destroy.code).not.toBe(0);
        expect(destroy.out).toMatch(/protect/);
        for (const o of before) expect(await liveOf(client(), o)).toBeDefined();
        for (const c of claims) expect(await client().get('v1', 'PersistentVolumeClaim', c, nsOf(env))).toBeDefined();
        expect(await client().get('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'sandboxes.agents.x-k8s.io')).toBeDefined();
      });
    }
  });

  test.each([
    ['a bad field', (e: any) => { e.ftes[0].ports[0].port = 99999; }, /stacks\/Pulumi\.broken\.yaml: ftekit:environment\.ftes\[0\]\.ports\[0\]\.port: port 99999 is out of range; expected an integer 1-65535/],
    ['a mutable image tag (refused by the policy of pinned images)', (e: any) => { e.ftes[0].image = 'ghcr.io/acme/research-analyst-fte:latest'; }, /stacks\/Pulumi\.broken\.yaml: ftekit:environment\.ftes\[0\].*mutable tag "latest"/],
  ])('pulumi up of a stack file with %s fails before registering anything, with the stack-file error', async (_name, edit, message) => {
    const config = testStackConfig('dev', agentSandboxCrds);
    config['ftekit:environment'].namespace = 'ftekit-pulumi-broken';
    config['ftekit:environment'].secrets = [];
    for (const f of config['ftekit:environment'].ftes) delete f.secretEnv;
    edit(config['ftekit:environment']);
    project.writeStack('broken', config);
    if (project.pulumi(['stack', 'select', 'broken']).code !== 0) project.ok(['stack', 'init', 'broken']);
    const up = project.pulumi(['up', '--yes', '--skip-preview'], 'broken');
    expect(up.code).not.toBe(0);
    expect(up.out).toMatch(message);
    const state = JSON.parse(project.ok(['stack', 'export'], 'broken').stdout) as { deployment?: { resources?: Array<{ type: string }> } };
    expect((state.deployment?.resources ?? []).map((r) => r.type).filter((t) => t !== 'pulumi:pulumi:Stack')).toEqual([]);
    expect(await client().get('v1', 'Namespace', 'ftekit-pulumi-broken')).toBeUndefined();
  });
});
