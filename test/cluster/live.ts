/*
 * Helpers for suites on the live control plane the jest global setup started: the client,
 * skipping (only off CI), CRD installs from ../shared and a clean slate between stacks.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { FteNamespace, ResourceRequirements, RuntimeClasses, SandboxRuntime } from '../../src';
import { sharedDir } from '../support/schema';
import { KubeClient, KubeObject, waitUntil } from './kube-client';

/** Requests and limits small enough for many agent pods on the kwok nodes. */
export const SMALL_RESOURCES: ResourceRequirements = {
  cpu: { request: Cpu.millis(100), limit: Cpu.millis(500) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
};

/**
 * A suite's objects, synthesised: chart `cluster` holds the gVisor RuntimeClass and the
 * Namespace object, chart `ftes` (namespace `ns`) an FteNamespace and what `build` adds.
 */
export function suiteObjects(ns: string, build: (ftes: Chart, cluster: Chart) => void): { cluster: KubeObject[]; ftes: KubeObject[] } {
  const app = Testing.app();
  const cluster = new Chart(app, 'cluster');
  new RuntimeClasses(cluster, 'RuntimeClasses', { runtimes: [SandboxRuntime.GVISOR] });
  const ftes = new Chart(app, 'ftes', { namespace: ns });
  new FteNamespace(ftes, 'Namespace', { namespaceObjectScope: cluster });
  build(ftes, cluster);
  return { cluster: Testing.synth(cluster) as KubeObject[], ftes: Testing.synth(ftes) as KubeObject[] };
}

/** Why the live suites cannot run here, or undefined when they can. */
export function skipReason(): string | undefined {
  if (process.env.FTEKIT_CLUSTER_SKIP) return process.env.FTEKIT_CLUSTER_SKIP;
  if (!process.env.FTEKIT_KUBECONFIG) return 'no live control plane was started (run these suites through jest with the cluster project)';
  if (!sharedDir()) {
    const why = '../shared (CRDs) is missing';
    if (process.env.CI === 'true') throw new Error(`live-cluster tests: ${why}, and CI=true forbids skipping them`);
    return why;
  }
  return undefined;
}

/** `describe` that runs on the live control plane, or skips with the reason (never on CI). */
export function describeLive(name: string, fn: (client: () => KubeClient) => void): void {
  const why = skipReason();
  if (why) {
    describe.skip(`${name} (skipped: ${why})`, () => {
      test.todo('needs the live control plane');
    });
    // eslint-disable-next-line no-console
    console.warn(`live-cluster suite "${name}" skipped: ${why}`);
    return;
  }
  let c: KubeClient | undefined;
  describe(name, () => {
    afterAll(() => c?.close());
    fn(() => (c ??= KubeClient.fromKubeconfig(process.env.FTEKIT_KUBECONFIG!)));
  });
}

/** Objects of a multi-document YAML file, in order. */
export function readObjects(file: string): KubeObject[] {
  return parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o.kind === 'string');
}

/**
 * Installs the pinned CRDs from ../shared/crds (every group except agent-sandbox, whose CRDs
 * come from the running controller's own release when the control plane starts) and waits
 * until they are Established.
 */
export async function installSharedCrds(client: KubeClient): Promise<string[]> {
  const root = path.join(sharedDir()!, 'crds');
  const names: string[] = [];
  for (const group of fs.readdirSync(root).sort()) {
    if (group === 'agent-sandbox' || !fs.statSync(path.join(root, group)).isDirectory()) continue;
    for (const f of fs.readdirSync(path.join(root, group)).filter((x) => /\.ya?ml$/.test(x)).sort()) {
      for (const o of readObjects(path.join(root, group, f))) {
        if (o.kind !== 'CustomResourceDefinition') continue;
        await client.apply(o, 'ftekit-test-crds');
        names.push(o.metadata.name);
      }
    }
  }
  await client.waitForCrdsEstablished();
  return names;
}

/** Label on the stand-ins the tests create for what a platform provides (GKE's RuntimeClass, storage classes). */
export const STAND_IN_LABEL = 'ftekit.dev/test-stand-in';

/**
 * Deletes the namespaces and the cluster-scoped objects an earlier stack applied (and the
 * stand-ins), waiting until the namespaces are gone: the next stack starts from a clean slate.
 */
export async function resetCluster(client: KubeClient, namespaces: string[]): Promise<void> {
  for (const ns of namespaces) await client.delete('v1', 'Namespace', ns);
  for (const [apiVersion, kind] of [
    ['node.k8s.io/v1', 'RuntimeClass'],
    ['storage.k8s.io/v1', 'StorageClass'],
    ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding'],
    ['admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy'],
  ]) {
    for (const sel of ['app.kubernetes.io/managed-by=ftekit', STAND_IN_LABEL]) {
      for (const o of await client.list(apiVersion, kind, undefined, sel)) await client.delete(apiVersion, kind, o.metadata.name);
    }
  }
  await waitUntil(
    `namespaces ${namespaces.join(', ')} to be deleted`,
    async () => {
      for (const ns of namespaces) if (await client.get('v1', 'Namespace', ns)) return undefined;
      return true;
    },
    180_000,
    async () => {
      const left: string[] = [];
      for (const ns of namespaces) {
        const n = await client.get('v1', 'Namespace', ns);
        if (n) left.push(`${ns}: ${JSON.stringify(n.status?.conditions ?? [])}`);
      }
      return left.join('; ');
    },
  );
}

/** The condition of `type` in an object's status. */
export function condition(o: KubeObject | undefined, type: string): { status: string; reason?: string; message?: string } | undefined {
  return (o?.status?.conditions as { type: string; status: string; reason?: string; message?: string }[] | undefined)?.find((c) => c.type === type);
}
