import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { cpuMillis, ResourceRequirements, sizeBytes } from './resources';
import { SandboxRuntime } from './sandbox-runtime';

/** Label that every ftekit pod carries with its workload's name; policies select on it. */
export const WORKLOAD_LABEL = 'ftekit.dev/workload';

/**
 * Something that runs pods ftekit can attach policies and monitors to: an FteSandbox, a
 * SandboxPool, a DaprWorker. Other constructs take it by object, never by label strings.
 */
export interface IWorkload extends IConstruct {
  /** Object name of the workload (Sandbox, SandboxTemplate, Deployment...). */
  readonly workloadName: string;
  /** Stable labels on every pod of the workload; an exact selector for them. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Namespace the pods run in, if the chart sets one. */
  readonly namespace?: string;
}

/** The explicit, stable labels of a workload's pods. Never derived from construct paths. */
export function workloadLabels(name: string, component: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'ftekit',
    [WORKLOAD_LABEL]: name,
  };
}

/** The selector part of {@link workloadLabels}: one label, so it never changes. */
export function workloadSelector(name: string): Record<string, string> {
  return { [WORKLOAD_LABEL]: name };
}

/** The namespace of the chart `scope` lives in. */
export function namespaceOf(scope: IConstruct): string | undefined {
  return Chart.of(scope).namespace;
}

/** Compute and storage a workload can use at most, for sizing namespace quotas. */
export interface ResourceFootprint {
  /** Pods at most (pool replicas at their maximum, plus claims). */
  readonly pods: number;
  /** Sum of CPU requests in millicores, runtime overhead included. */
  readonly cpuRequestMillis: number;
  /** Sum of CPU limits in millicores, runtime overhead included. */
  readonly cpuLimitMillis: number;
  /** Sum of memory requests in bytes. */
  readonly memoryRequestBytes: number;
  /** Sum of memory limits in bytes. */
  readonly memoryLimitBytes: number;
  /** PersistentVolumeClaims at most. */
  readonly persistentVolumeClaims: number;
  /** Sum of storage requests in bytes. */
  readonly storageBytes: number;
  /** Largest single-container CPU limit in millicores. */
  readonly maxContainerCpuMillis: number;
  /** Largest single-container memory limit in bytes. */
  readonly maxContainerMemoryBytes: number;
  /** Largest single PVC in bytes (0 if none). */
  readonly maxClaimBytes: number;
}

/** A construct that reports its {@link ResourceFootprint} to FteNamespace. */
export interface IHasFootprint extends IConstruct {
  /** Namespace whose quota the footprint counts against. */
  readonly namespace?: string;
  /** The footprint, computed at synth time. */
  footprint(): ResourceFootprint;
}

/** Type guard for {@link IHasFootprint}. */
export function hasFootprint(c: IConstruct): c is IHasFootprint {
  return typeof (c as Partial<IHasFootprint>).footprint === 'function';
}

/** What a workload runs, for {@link podFootprint}. */
export interface PodShape {
  /** Pods at most. */
  readonly pods: number;
  /** Requirements of every container of one pod (the agent, and a sidecar if any). */
  readonly containers: readonly ResourceRequirements[];
  /** Runtime whose per-pod overhead counts towards quotas. */
  readonly runtime: SandboxRuntime;
  /** PersistentVolumeClaims held. */
  readonly claims: number;
  /** Size of each claim in bytes (0 when the workload has no persistent claims). */
  readonly claimBytes: number;
}

/** The footprint of `shape.pods` identical pods: containers plus runtime overhead. */
export function podFootprint(shape: PodShape): ResourceFootprint {
  const sum = (f: (r: ResourceRequirements) => number): number => shape.containers.reduce((acc, r) => acc + f(r), 0);
  const max = (f: (r: ResourceRequirements) => number): number => Math.max(...shape.containers.map(f));
  const overCpu = shape.runtime.overhead ? cpuMillis(shape.runtime.overhead.cpu) : 0;
  const overMem = shape.runtime.overhead ? sizeBytes(shape.runtime.overhead.memory) : 0;
  const { pods } = shape;
  return {
    pods,
    cpuRequestMillis: pods * (sum((r) => cpuMillis(r.cpu.request)) + overCpu),
    cpuLimitMillis: pods * (sum((r) => cpuMillis(r.cpu.limit)) + overCpu),
    memoryRequestBytes: pods * (sum((r) => sizeBytes(r.memory.request)) + overMem),
    memoryLimitBytes: pods * (sum((r) => sizeBytes(r.memory.limit)) + overMem),
    persistentVolumeClaims: shape.claims,
    storageBytes: shape.claims * shape.claimBytes,
    maxContainerCpuMillis: max((r) => cpuMillis(r.cpu.limit)),
    maxContainerMemoryBytes: max((r) => sizeBytes(r.memory.limit)),
    maxClaimBytes: shape.claimBytes,
  };
}
