/**
 * `npm run bench -- --cluster [--cluster-ftes 1000] [--claims 100]`: the generated
 * environment applied to the live control plane (test/cluster/control-plane.ts).
 *
 * Reports: server-side apply of every object; time from the first apply until every
 * Sandbox is Ready (the agent-sandbox controller creates pods, kwok marks them Running and
 * Ready, no container runs); claim-to-Ready p50/p99 of SandboxClaims created against a
 * warm pool holding one sandbox per claim (agent-sandbox's own goal: p99 <= 1 s); peak RSS
 * of the API server, etcd and the controllers (VmHWM from /proc).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App } from 'cdk8s';
import { resolveCharts } from '../src/app/synth';
import { down, up } from '../test/cluster/control-plane';
import { KubeClient, KubeObject, waitUntil } from '../test/cluster/kube-client';
import { BENCH_NAMESPACE, buildBenchEnvironment } from './generate';

/** What {@link runClusterBench} measured. */
export interface ClusterBenchResult {
  readonly ftes: number;
  readonly objects: number;
  readonly sandboxes: number;
  /** Control plane start (build cached), ms. */
  readonly upMs: number;
  /** Server-side apply of every object, one request each, ms. */
  readonly applyMs: number;
  /** First apply to a pod existing for every Sandbox, ms. */
  readonly allPodsMs: number;
  /** First apply to every Sandbox Ready, ms. */
  readonly allReadyMs: number;
  readonly claims: number;
  /** Claim create to claim Ready, ms, per claim (sorted). */
  readonly claimReadyMs: number[];
  readonly p50ClaimMs: number;
  readonly p99ClaimMs: number;
  /** Peak and current RSS per component, MiB. */
  readonly rssMiB: Record<string, { peak: number; now: number }>;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rss(pid: number): { peak: number; now: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { peak: Math.round(kb('VmHWM') / 1024), now: Math.round(kb('VmRSS') / 1024) };
}

/** Installs the CRDs the environment's objects need, from `crdDir` (../shared/crds). */
async function installCrds(client: KubeClient, crdDir: string): Promise<void> {
  const { parseAllDocuments } = await import('yaml');
  for (const group of ['dapr', 'vault-secrets-operator', 'prometheus-operator', 'cilium']) {
    for (const f of fs.readdirSync(path.join(crdDir, group)).filter((x) => x.endsWith('.yaml'))) {
      for (const d of parseAllDocuments(fs.readFileSync(path.join(crdDir, group, f), 'utf8'))) {
        const o = d.toJS() as KubeObject | null;
        if (o?.kind === 'CustomResourceDefinition') await client.apply(o, 'bench');
      }
    }
  }
  await client.waitForCrdsEstablished();
}

/** Applies `objects` with `concurrency` requests in flight, in order within each kind's wave. */
async function applyAll(client: KubeClient, objects: KubeObject[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < objects.length) {
      const o = objects[next++];
      await client.apply(o, 'ftekit');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Runs the live-cluster benchmark; starts and stops its own control plane. */
export async function runClusterBench(opts: { ftes: number; claims: number; crdDir: string; log: (l: string) => void }): Promise<ClusterBenchResult> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftekit-bench-cluster-'));
  const t0 = Date.now();
  const state = await up({ stateDir, nodes: { plain: Math.max(2, Math.ceil(opts.ftes / 150)), kata: 0, gkeSandbox: 0 }, podsPerNode: 250, log: opts.log });
  const upMs = Date.now() - t0;
  const client = KubeClient.fromKubeconfig(state.kubeconfig);
  try {
    await installCrds(client, opts.crdDir);
    const app = new App({ outdir: stateDir });
    buildBenchEnvironment(app, opts.ftes);
    const manifests = resolveCharts(app);
    const objects = manifests.flatMap((m) => m.objects as KubeObject[]);
    const sandboxes = objects.filter((o) => o.kind === 'Sandbox').map((o) => o.metadata.name);
    // The generated claims are the environment's own; the timed claims below come on top.
    const [clusterScoped, namespaced] = [manifests[0].objects as KubeObject[], manifests[1].objects as KubeObject[]];
    const nsFirst = namespaced.filter((o) => ['ResourceQuota', 'LimitRange', 'ServiceAccount'].includes(o.kind));
    const rest = namespaced.filter((o) => !nsFirst.includes(o));
    opts.log(`applying ${objects.length} objects (${sandboxes.length} Sandboxes)`);
    const tApply = Date.now();
    for (const o of clusterScoped) await client.apply(o, 'ftekit');
    await applyAll(client, nsFirst, 8);
    // The quota is sized for the environment itself; widen it for the timed claims' pool.
    await applyAll(client, rest, 8);
    const applyMs = Date.now() - tApply;
    // The agent-sandbox controller's share: every Sandbox has its pod (and claims). The
    // rest of the wait is kwok's simulated volume provisioning, which binds one claim at a
    // time (kwok plays stages of kinds other than pods and nodes with parallelism 1).
    await waitUntil(
      `a pod for each of the ${sandboxes.length} Sandboxes`,
      async () => {
        const owners = new Set((await client.list('v1', 'Pod', BENCH_NAMESPACE)).flatMap((p) => (p.metadata.ownerReferences ?? []).filter((r) => r.kind === 'Sandbox').map((r) => r.name)));
        return sandboxes.every((n) => owners.has(n)) ? true : undefined;
      },
      30 * 60_000,
    );
    const allPodsMs = Date.now() - tApply;
    await waitUntil(
      `all ${sandboxes.length} Sandboxes Ready`,
      async () => {
        const live = await client.list('agents.x-k8s.io/v1beta1', 'Sandbox', BENCH_NAMESPACE);
        const ready = new Set(live.filter((s) => (s.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True')).map((s) => s.metadata.name));
        return sandboxes.every((n) => ready.has(n)) ? true : undefined;
      },
      30 * 60_000,
    );
    const allReadyMs = Date.now() - tApply;
    opts.log(`every Sandbox Ready ${(allReadyMs / 1000).toFixed(1)} s after the first apply`);

    // Claims: a warm pool with one sandbox per claim, then claims created one after another.
    const template = objects.find((o) => o.kind === 'SandboxTemplate')!;
    const poolName = 'bench-claims';
    const quota = namespaced.find((o) => o.kind === 'ResourceQuota')!;
    const hard = { ...(quota.spec as { hard: Record<string, string> }).hard };
    hard.pods = String(Number(hard.pods) + opts.claims + 10);
    for (const k of ['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory']) if (hard[k]) hard[k] = bumpQuantity(hard[k], opts.claims + 10, k);
    await client.apply({ ...quota, spec: { hard } }, 'bench');
    await client.apply(
      {
        apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
        kind: 'SandboxWarmPool',
        metadata: { name: poolName, namespace: BENCH_NAMESPACE },
        spec: { replicas: opts.claims, sandboxTemplateRef: { name: template.metadata.name } },
      },
      'bench',
    );
    await waitUntil(
      `warm pool ${poolName} ready`,
      async () => {
        const p = await client.get('extensions.agents.x-k8s.io/v1beta1', 'SandboxWarmPool', poolName, BENCH_NAMESPACE);
        return (p?.status as { readyReplicas?: number } | undefined)?.readyReplicas === opts.claims ? true : undefined;
      },
      10 * 60_000,
    );
    const created = new Map<string, number>();
    const readyAt = new Map<string, number>();
    let polling = true;
    const poller = (async () => {
      while (polling) {
        const live = await client.list('extensions.agents.x-k8s.io/v1beta1', 'SandboxClaim', BENCH_NAMESPACE, 'bench=claim');
        const now = Date.now();
        for (const c of live) {
          if (!readyAt.has(c.metadata.name) && (c.status?.conditions as { type: string; status: string }[] | undefined)?.some((x) => x.type === 'Ready' && x.status === 'True')) readyAt.set(c.metadata.name, now);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    for (let i = 0; i < opts.claims; i++) {
      const name = `bench-claim-${String(i).padStart(3, '0')}`;
      created.set(name, Date.now());
      await client.apply(
        {
          apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
          kind: 'SandboxClaim',
          metadata: { name, namespace: BENCH_NAMESPACE, labels: { bench: 'claim' } },
          spec: { warmPoolRef: { name: poolName } },
        },
        'bench',
      );
      await new Promise((r) => setTimeout(r, 50));
    }
    await waitUntil('every timed claim Ready', async () => (readyAt.size >= opts.claims ? true : undefined), 10 * 60_000);
    polling = false;
    await poller;
    const claimReadyMs = [...created].map(([n, t]) => readyAt.get(n)! - t).sort((a, b) => a - b);
    const rssMiB: Record<string, { peak: number; now: number }> = {};
    for (const [name, pid] of Object.entries(state.pids)) rssMiB[name] = rss(pid);
    return {
      ftes: opts.ftes,
      objects: objects.length,
      sandboxes: sandboxes.length,
      upMs,
      applyMs,
      allPodsMs,
      allReadyMs,
      claims: opts.claims,
      claimReadyMs,
      p50ClaimMs: percentile(claimReadyMs, 50),
      p99ClaimMs: percentile(claimReadyMs, 99),
      rssMiB,
    };
  } finally {
    client.close();
    await down(stateDir);
  }
}

/** Adds room for `pods` more pods of up to 1 CPU / 1Gi to a quota amount. */
function bumpQuantity(q: string, pods: number, key: string): string {
  const memory = key.includes('memory');
  const m = /^(\d+(?:\.\d+)?)(m|Mi|Gi|Ki)?$/.exec(q);
  if (!m) return q;
  const n = Number(m[1]);
  if (memory) {
    const mib = m[2] === 'Gi' ? n * 1024 : m[2] === 'Ki' ? n / 1024 : m[2] === 'Mi' ? n : n / (1024 * 1024);
    return `${Math.ceil(mib + pods * 1024)}Mi`;
  }
  const milli = m[2] === 'm' ? n : n * 1000;
  return `${Math.ceil(milli + pods * 1000)}m`;
}

/** The report section for `npm run bench -- --cluster`. */
export function formatClusterBench(r: ClusterBenchResult): string {
  const rows = Object.entries(r.rssMiB).map(([n, v]) => `| ${n} | ${v.peak} | ${v.now} |`);
  return [
    `Live control plane: ${r.ftes} FTEs, ${r.objects} objects, ${r.sandboxes} Sandboxes`,
    `  control plane up (build cached): ${(r.upMs / 1000).toFixed(1)} s`,
    `  server-side apply of every object: ${(r.applyMs / 1000).toFixed(1)} s`,
    `  first apply to a pod for every Sandbox: ${(r.allPodsMs / 1000).toFixed(1)} s`,
    `  first apply to every Sandbox Ready: ${(r.allReadyMs / 1000).toFixed(1)} s (includes kwok binding each workspace claim one at a time)`,
    `  ${r.claims} claims on a warm pool, claim to Ready: p50 ${r.p50ClaimMs} ms, p99 ${r.p99ClaimMs} ms (agent-sandbox's goal: p99 <= 1000 ms)`,
    '',
    '| component | peak RSS MiB | RSS at end MiB |',
    '|---|---:|---:|',
    ...rows,
  ].join('\n');
}
