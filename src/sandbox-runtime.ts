import { Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeRuntimeClass } from './_l1';
import { APP_MANAGED_BY_LABEL, FTEKIT, GKE_SANDBOX_LABEL } from './_labels';
import { FteValidationError, ProblemCollector } from './errors';
import { checkDnsLabel, checkDnsSubdomain, checkLabelKey, checkLabels, checkLabelValue } from './_validate';
import { cpuMillis, sizeBytes, sizeQuantity } from './_quantities';

/** A taint toleration a runtime's pods need to land on its nodes. */
export interface RuntimeToleration {
  /** Taint key. */
  readonly key: string;
  /** Taint value (operator `Equal`). */
  readonly value: string;
  /** Taint effect, e.g. `NoSchedule`. */
  readonly effect: string;
}

/** Fixed per-pod cost of a VM-based runtime, counted by the scheduler and by quotas. */
export interface RuntimeOverhead {
  /** Extra CPU per pod. */
  readonly cpu: Cpu;
  /** Extra memory per pod. */
  readonly memory: Size;
}

/** Options for {@link SandboxRuntime.custom}. */
export interface CustomRuntimeOptions {
  /**
   * CRI handler configured on the nodes.
   * @default - the RuntimeClass name
   */
  readonly handler?: string;
  /**
   * Pod overhead of the runtime.
   * @default - none
   */
  readonly overhead?: RuntimeOverhead;
  /**
   * Node labels that the runtime's nodes carry (RuntimeClass `scheduling.nodeSelector`,
   * also set on every pod).
   * @default - none
   */
  readonly nodeSelector?: Record<string, string>;
  /**
   * Tolerations every pod of this runtime gets.
   * @default - none
   */
  readonly tolerations?: RuntimeToleration[];
  /**
   * The RuntimeClass is created by the platform (GKE, AKS, a cluster add-on), so
   * {@link RuntimeClasses} does not emit it.
   * @default false
   */
  readonly providerManaged?: boolean;
}

/** Kata Containers shims that ftekit knows the overhead of. */
export enum KataShim {
  /** QEMU, kata-deploy's default shim. */
  QEMU = 'qemu',
  /** Firecracker. */
  FIRECRACKER = 'fc',
  /** Cloud Hypervisor. */
  CLOUD_HYPERVISOR = 'clh',
}

const KATA_NODE_SELECTOR = { 'katacontainers.io/kata-runtime': 'true' };
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/**
 * The isolation an agent pod runs under: a Kubernetes RuntimeClass (gVisor, Kata, GKE
 * Sandbox) plus the scheduling constraints that come with it.
 *
 * Running without a sandboxed runtime is possible only through
 * {@link SandboxRuntime.unsandboxedForLocalDevelopment}, which needs a reason and marks
 * every pod with the `ftekit.dev/unsandboxed` annotation.
 */
export class SandboxRuntime {
  /** Self-managed gVisor: RuntimeClass `gvisor`, handler `runsc`. */
  public static readonly GVISOR = new SandboxRuntime('gvisor', { handler: 'runsc' });

  /**
   * GKE Sandbox (managed gVisor). GKE creates the `gvisor` RuntimeClass itself; pods are
   * pinned to sandbox node pools with the `sandbox.gke.io/runtime=gvisor` node selector
   * and toleration.
   */
  public static readonly GKE_SANDBOX = new SandboxRuntime('gvisor', {
    handler: 'runsc',
    providerManaged: true,
    nodeSelector: { [GKE_SANDBOX_LABEL]: 'gvisor' },
    tolerations: [{ key: GKE_SANDBOX_LABEL, value: 'gvisor', effect: 'NoSchedule' }],
  });

  /** Kata Containers with QEMU (overhead 160Mi / 250m). */
  public static readonly KATA_QEMU = SandboxRuntime.kata(KataShim.QEMU);
  /** Kata Containers with Firecracker (overhead 130Mi / 250m). */
  public static readonly KATA_FC = SandboxRuntime.kata(KataShim.FIRECRACKER);
  /** Kata Containers with Cloud Hypervisor (overhead 130Mi / 250m). */
  public static readonly KATA_CLH = SandboxRuntime.kata(KataShim.CLOUD_HYPERVISOR);

  /** A Kata Containers tier as kata-deploy names it: RuntimeClass and handler `kata-<shim>`. */
  public static kata(shim: KataShim): SandboxRuntime {
    const memoryMi = shim === KataShim.QEMU ? 160 : 130;
    return new SandboxRuntime(`kata-${shim}`, {
      handler: `kata-${shim}`,
      overhead: { cpu: Cpu.millis(250), memory: Size.mebibytes(memoryMi) },
      nodeSelector: KATA_NODE_SELECTOR,
    });
  }

  /** Any other sandboxed RuntimeClass (AKS `kata-vm-isolation`, a site-specific handler). */
  public static custom(name: string, options: CustomRuntimeOptions = {}): SandboxRuntime {
    return new SandboxRuntime(name, options);
  }

  /**
   * No sandbox: pods run on the node's default runtime (runc). For local clusters without
   * gVisor only. Every pod gets the annotation `ftekit.dev/unsandboxed: <reason>`.
   * @param reason why this is acceptable, e.g. "kind cluster on a laptop"
   */
  public static unsandboxedForLocalDevelopment(reason: string): SandboxRuntime {
    if (typeof reason !== 'string' || reason.trim().length === 0) {
      throw new FteValidationError('SandboxRuntime.unsandboxedForLocalDevelopment', 'reason is empty; expected a sentence saying why running without a sandbox is acceptable');
    }
    return new SandboxRuntime(undefined, { }, reason.trim());
  }

  /** RuntimeClass name, or undefined when unsandboxed. */
  public readonly runtimeClassName?: string;
  /** CRI handler. */
  public readonly handler?: string;
  /** Per-pod overhead. */
  public readonly overhead?: RuntimeOverhead;
  /** Node labels pods must land on. */
  public readonly nodeSelector: Readonly<Record<string, string>>;
  /** Tolerations pods need. */
  public readonly tolerations: readonly RuntimeToleration[];
  /** The platform owns the RuntimeClass object. */
  public readonly providerManaged: boolean;
  /** Why the pods run without a sandbox; undefined for sandboxed runtimes. */
  public readonly unsandboxedReason?: string;

  private constructor(name: string | undefined, options: CustomRuntimeOptions, unsandboxedReason?: string) {
    if (name !== undefined) {
      const problem = checkDnsSubdomain(name) ?? checkDnsLabel(options.handler ?? name) ?? checkLabels(options.nodeSelector)
        ?? (options.tolerations ?? []).map(checkToleration).find((p) => p)
        ?? (options.overhead ? checkOverhead(options.overhead) : undefined);
      if (problem) throw new FteValidationError(`SandboxRuntime ${JSON.stringify(name)}`, problem);
    }
    this.runtimeClassName = name;
    this.handler = name === undefined ? undefined : options.handler ?? name;
    this.overhead = options.overhead;
    this.nodeSelector = { ...(options.nodeSelector ?? {}) };
    this.tolerations = [...(options.tolerations ?? [])];
    this.providerManaged = options.providerManaged ?? false;
    this.unsandboxedReason = unsandboxedReason;
  }

  /** The tolerations as Kubernetes `Toleration` JSON (operator `Equal`). */
  public tolerationsJson(): k8s.Toleration[] {
    return this.tolerations.map((t) => ({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));
  }

  /** True for every runtime except the local-development opt-out. */
  public get sandboxed(): boolean {
    return this.runtimeClassName !== undefined;
  }
}

function checkToleration(t: RuntimeToleration): string | undefined {
  const problem = checkLabelKey(t?.key) ?? checkLabelValue(t?.value);
  if (problem) return `tolerations: ${problem}`;
  return TAINT_EFFECTS.includes(t.effect) ? undefined : `tolerations: effect ${JSON.stringify(t.effect)} is not one of ${TAINT_EFFECTS.join(', ')}`;
}

function checkOverhead(o: RuntimeOverhead): string | undefined {
  const millis = cpuMillis(o.cpu);
  const bytes = sizeBytes(o.memory);
  return millis > 0 && Number.isInteger(millis) && bytes > 0 && Number.isInteger(bytes)
    ? undefined
    : `overhead ${JSON.stringify(o.cpu?.amount)} / ${bytes} bytes is invalid; expected positive whole millicores and bytes, e.g. { cpu: Cpu.millis(250), memory: Size.mebibytes(160) }`;
}

/** Props for {@link RuntimeClasses}. */
export interface RuntimeClassesProps {
  /**
   * Runtimes to create RuntimeClass objects for. Provider-managed runtimes (GKE Sandbox)
   * and the unsandboxed opt-out are skipped; duplicates by name are emitted once.
   * @default [SandboxRuntime.GVISOR]
   */
  readonly runtimes?: SandboxRuntime[];
}

/**
 * Cluster-scoped `node.k8s.io/v1` RuntimeClass objects. They never carry
 * `metadata.namespace`, even inside a chart that has a namespace.
 */
export class RuntimeClasses extends Construct {
  /** Names of the RuntimeClasses emitted, in order. */
  public readonly names: string[] = [];

  public constructor(scope: Construct, id: string, props: RuntimeClassesProps = {}) {
    super(scope, id);
    const runtimes = props.runtimes ?? [SandboxRuntime.GVISOR];
    const problems = ProblemCollector.forConstruct(this, 'RuntimeClasses');
    problems.add('runtimes', runtimes.length === 0 ? 'is empty; expected at least one runtime' : undefined);
    const byName = new Map<string, SandboxRuntime>();
    for (const runtime of runtimes) {
      if (!runtime.sandboxed || runtime.providerManaged) continue;
      const name = runtime.runtimeClassName as string;
      const seen = byName.get(name);
      if (seen && seen.handler !== runtime.handler) {
        problems.add('runtimes', `two runtimes are named ${JSON.stringify(name)} with different handlers (${seen.handler}, ${runtime.handler}); expected unique names`);
      }
      if (seen) continue;
      byName.set(name, runtime);
      this.names.push(name);
    }
    problems.throwIfAny();
    this._toKube([...byName.values()]);
  }

  /** One RuntimeClass per runtime, in the order given. */
  private _toKube(runtimes: SandboxRuntime[]): void {
    for (const runtime of runtimes) {
      const name = runtime.runtimeClassName as string;
      new KubeRuntimeClass(this, name, {
        metadata: { name, labels: { [APP_MANAGED_BY_LABEL]: FTEKIT } },
        // Only sandboxed runtimes get here, and every one of them has a handler.
        handler: runtime.handler as string,
        ...(runtime.overhead ? {
          overhead: { podFixed: { cpu: k8s.Quantity.fromString(runtime.overhead.cpu.amount), memory: k8s.Quantity.fromString(sizeQuantity(runtime.overhead.memory)) } },
        } : {}),
        ...(Object.keys(runtime.nodeSelector).length || runtime.tolerations.length ? {
          scheduling: {
            ...(Object.keys(runtime.nodeSelector).length ? { nodeSelector: { ...runtime.nodeSelector } } : {}),
            ...(runtime.tolerations.length ? { tolerations: runtime.tolerationsJson() } : {}),
          },
        } : {}),
      });
    }
  }
}

