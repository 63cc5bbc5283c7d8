import { ApiObject, ApiObjectMetadata, Chart, Lazy, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KubeNamespace } from './_l1';
import { APP_MANAGED_BY_LABEL, FTEKIT, NAMESPACE_NAME_LABEL, POD_SECURITY_AUDIT_LABEL, POD_SECURITY_ENFORCE_LABEL, POD_SECURITY_ENFORCE_VERSION_LABEL, POD_SECURITY_WARN_LABEL } from './_labels';
import { ClusterDnsOptions, DEFAULT_DNS_LABELS, DEFAULT_DNS_NAMESPACE, dnsEgressRule } from './egress-allowlist';
import { describeValue, ProblemCollector } from './errors';
import { checkDnsLabel, checkFteNamespaceName, checkLabels } from './_validate';
import { bytesQuantity, cpuMillis, kubeQuantities, millisQuantity, resourceProblems, sizeBytes } from './_quantities';
import { hasFootprint, ResourceFootprint } from './_workload';

/** Explicit namespace quota; any field left out is derived from the workloads. */
export interface NamespaceQuota {
  /**
   * Maximum number of pods in the namespace (`pods` of the ResourceQuota).
   * @default - derived
   */
  readonly pods?: number;
  /**
   * Maximum summed CPU requests (`requests.cpu` of the ResourceQuota).
   * @default - derived
   */
  readonly requestsCpu?: Cpu;
  /**
   * Maximum summed CPU limits (`limits.cpu` of the ResourceQuota).
   * @default - derived
   */
  readonly limitsCpu?: Cpu;
  /**
   * Maximum summed memory requests (`requests.memory` of the ResourceQuota).
   * @default - derived
   */
  readonly requestsMemory?: Size;
  /**
   * Maximum summed memory limits (`limits.memory` of the ResourceQuota).
   * @default - derived
   */
  readonly limitsMemory?: Size;
  /**
   * Maximum number of PersistentVolumeClaims (`persistentvolumeclaims` of the ResourceQuota).
   * @default - derived
   */
  readonly persistentVolumeClaims?: number;
  /**
   * Maximum summed storage requests of the claims (`requests.storage` of the ResourceQuota).
   * @default - derived
   */
  readonly requestsStorage?: Size;
}

/** Defaults for containers that state no resources (ftekit's own always do). */
export interface ContainerDefaults {
  /**
   * CPU request the LimitRange gives a container that states none (`defaultRequest.cpu`).
   * @default Cpu.millis(100)
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU limit the LimitRange gives a container that states none (`default.cpu`); the `max.cpu`
   * is never lower.
   * @default Cpu.millis(500)
   */
  readonly cpuLimit?: Cpu;
  /**
   * Memory request the LimitRange gives a container that states none (`defaultRequest.memory`).
   * @default Size.mebibytes(128)
   */
  readonly memoryRequest?: Size;
  /**
   * Memory limit the LimitRange gives a container that states none (`default.memory`); the
   * `max.memory` is never lower.
   * @default Size.mebibytes(512)
   */
  readonly memoryLimit?: Size;
}

/** Props for {@link FteNamespace}. */
export interface FteNamespaceProps {
  /**
   * Namespace name.
   * @default - the enclosing chart's namespace
   */
  readonly name?: string;
  /**
   * Extra labels on the Namespace object; ftekit's and the Pod Security labels are set over them.
   * @default - none beyond ftekit's and Pod Security's
   */
  readonly labels?: Record<string, string>;
  /**
   * Explicit hard limits of the ResourceQuota `ftekit-quota`; each field left out is derived
   * from the workloads times `quotaHeadroom`.
   * @default - derived from what the namespace holds
   */
  readonly quota?: NamespaceQuota;
  /**
   * Head-room over the summed footprint of the workloads, for rollouts and ad-hoc pods.
   * @default 1.25
   */
  readonly quotaHeadroom?: number;
  /**
   * Default requests and limits that the LimitRange `ftekit-limits` gives containers stating none.
   * @default - see ContainerDefaults
   */
  readonly containerDefaults?: ContainerDefaults;
  /**
   * Where the cluster-scoped Namespace object goes, e.g. a chart without a namespace, so
   * that cluster-scoped and namespaced objects are synthesised to separate files.
   * @default - this construct
   */
  readonly namespaceObjectScope?: Construct;
  /**
   * Where cluster DNS runs; the `default-deny` NetworkPolicy allows egress to it on 53/UDP and
   * 53/TCP.
   * @default - kube-dns in kube-system
   */
  readonly clusterDns?: ClusterDnsOptions;
}

/** Pod Security Admission level applied to every ftekit namespace. */
export const POD_SECURITY_LEVEL = 'restricted';

/**
 * A namespace for agents: Pod Security `restricted` (enforce, audit and warn), a
 * default-deny NetworkPolicy for both directions that still allows DNS, and a
 * ResourceQuota and LimitRange sized from the ftekit workloads in the same chart.
 *
 * Objects: Namespace (id `Resource`, cluster-scoped), NetworkPolicy `default-deny`,
 * ResourceQuota `ftekit-quota`, LimitRange `ftekit-limits`.
 */
export class FteNamespace extends Construct {
  /** Namespace name. */
  public readonly name: string;
  /** The Namespace object. */
  public readonly resource: ApiObject;
  private readonly props: FteNamespaceProps;

  public constructor(scope: Construct, id: string, props: FteNamespaceProps = {}) {
    super(scope, id);
    this.props = props;
    const chartNamespace = Chart.of(this).namespace;
    const name = props.name ?? chartNamespace;
    const problems = ProblemCollector.forConstruct(this, 'FteNamespace');
    problems.add('name', name === undefined ? 'is not set and the chart has no namespace; expected a name' : checkDnsLabel(name) ?? checkFteNamespaceName(name));
    problems.add('name', chartNamespace !== undefined && name !== chartNamespace ? `${describeValue(name)} differs from the chart namespace ${describeValue(chartNamespace)}; expected the same (the quota sizes the chart's workloads)` : undefined);
    problems.add('labels', checkLabels(props.labels));
    const headroom = props.quotaHeadroom ?? 1.25;
    problems.add('quotaHeadroom', typeof headroom === 'number' && headroom >= 1 && headroom <= 10 ? undefined : `${describeValue(headroom)} is out of range; expected a number from 1 to 10`);
    for (const key of ['pods', 'persistentVolumeClaims'] as const) {
      const v = props.quota?.[key];
      problems.add(`quota.${key}`, v === undefined || (Number.isInteger(v) && v >= 0) ? undefined : `${describeValue(v)} is not a whole number >= 0`);
    }
    const dns = props.clusterDns;
    problems.add('clusterDns.namespace', dns?.namespace === undefined ? undefined : checkDnsLabel(dns.namespace));
    problems.add('clusterDns.podLabels', dns?.podLabels === undefined ? undefined : checkLabels(dns.podLabels) ?? (Object.keys(dns.podLabels).length === 0 ? 'is empty; expected the labels of the DNS pods' : undefined));
    const d = props.containerDefaults ?? {};
    const defaults = resourceProblems({
      cpu: { request: d.cpuRequest ?? Cpu.millis(100), limit: d.cpuLimit ?? Cpu.millis(500) },
      memory: { request: d.memoryRequest ?? Size.mebibytes(128), limit: d.memoryLimit ?? Size.mebibytes(512) },
    }, 'containerDefaults');
    for (const { field, problem } of defaults) problems.add(field, problem);
    for (const key of ['requestsCpu', 'limitsCpu'] as const) {
      const cpu = props.quota?.[key];
      const millis = cpu === undefined ? 1 : cpuMillis(cpu);
      problems.add(`quota.${key}`, millis > 0 && Number.isInteger(millis) ? undefined : `${describeValue(cpu?.amount)} is not a positive whole number of millicores`);
    }
    for (const key of ['requestsMemory', 'limitsMemory', 'requestsStorage'] as const) {
      const size = props.quota?.[key];
      const bytes = size === undefined ? 1 : sizeBytes(size);
      problems.add(`quota.${key}`, bytes > 0 && Number.isInteger(bytes) ? undefined : `${bytes} bytes is not a positive whole number of bytes`);
    }
    problems.throwIfAny();
    this.name = name as string;
    const nsLabels = {
      ...(props.labels ?? {}),
      [APP_MANAGED_BY_LABEL]: FTEKIT,
      [NAMESPACE_NAME_LABEL]: this.name,
      [POD_SECURITY_ENFORCE_LABEL]: POD_SECURITY_LEVEL,
      [POD_SECURITY_ENFORCE_VERSION_LABEL]: 'latest',
      [POD_SECURITY_AUDIT_LABEL]: POD_SECURITY_LEVEL,
      [POD_SECURITY_WARN_LABEL]: POD_SECURITY_LEVEL,
    };
    this.resource = this._toKube(nsLabels, headroom);
  }

  /** The Namespace (returned), its default-deny NetworkPolicy, ResourceQuota and LimitRange. */
  private _toKube(nsLabels: Record<string, string>, headroom: number): ApiObject {
    const props = this.props;
    const namespace = new KubeNamespace(props.namespaceObjectScope ?? this, props.namespaceObjectScope ? `Namespace-${this.name}` : 'Resource', { metadata: { name: this.name, labels: nsLabels } });
    const meta = (objectName: string): ApiObjectMetadata => ({ name: objectName, namespace: this.name, labels: { [APP_MANAGED_BY_LABEL]: FTEKIT } });
    new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: meta('default-deny'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [dnsEgressRule(props.clusterDns?.namespace ?? DEFAULT_DNS_NAMESPACE, props.clusterDns?.podLabels ?? DEFAULT_DNS_LABELS)],
      },
    });
    new k8s.KubeResourceQuota(this, 'Quota', {
      metadata: meta('ftekit-quota'),
      spec: Lazy.any({ produce: (): k8s.ResourceQuotaSpec => ({ hard: kubeQuantities(this.quotaHard(headroom)) }) }),
    });
    new k8s.KubeLimitRange(this, 'Limits', {
      metadata: meta('ftekit-limits'),
      spec: Lazy.any({ produce: (): k8s.LimitRangeSpec => ({ limits: this.limitRanges() }) }),
    });
    return namespace;
  }

  /**
   * The first explicit quota amount below what this namespace's workloads need, as
   * `[field, problem]`, or undefined when every explicit amount fits. Such a quota would
   * refuse their pods at admission; explicit amounts are never raised silently. Call it once
   * the workloads are added (`buildEnvironment` does, and reports the stack file's field).
   */
  public quotaShortfall(): [keyof NamespaceQuota, string] | undefined {
    const q = this.props.quota ?? {};
    const f = this.totalFootprint();
    const checks: Array<[keyof NamespaceQuota, number | undefined, number, (n: number) => string]> = [
      ['pods', q.pods, f.pods, String],
      ['persistentVolumeClaims', q.persistentVolumeClaims, f.persistentVolumeClaims, String],
      ['requestsCpu', q.requestsCpu && cpuMillis(q.requestsCpu), f.cpuRequestMillis, millisQuantity],
      ['limitsCpu', q.limitsCpu && cpuMillis(q.limitsCpu), f.cpuLimitMillis, millisQuantity],
      ['requestsMemory', q.requestsMemory && sizeBytes(q.requestsMemory), f.memoryRequestBytes, bytesQuantity],
      ['limitsMemory', q.limitsMemory && sizeBytes(q.limitsMemory), f.memoryLimitBytes, bytesQuantity],
      ['requestsStorage', q.requestsStorage && sizeBytes(q.requestsStorage), f.storageBytes, bytesQuantity],
    ];
    for (const [field, given, needed, show] of checks) {
      if (given !== undefined && given < needed) return [field, `${show(given)} is less than the ${show(needed)} the namespace's workloads need; expected at least that (or leave it out to derive it)`];
    }
    return undefined;
  }

  /** Summed footprint of every ftekit workload in this namespace (same chart). */
  public totalFootprint(): ResourceFootprint {
    const total = { pods: 0, cpuRequestMillis: 0, cpuLimitMillis: 0, memoryRequestBytes: 0, memoryLimitBytes: 0, persistentVolumeClaims: 0, storageBytes: 0, maxContainerCpuMillis: 0, maxContainerMemoryBytes: 0, maxClaimBytes: 0 };
    // Claims shared by several workloads (a skills claim) count once, at their largest size.
    const shared = new Map<string, number>();
    for (const c of Chart.of(this).node.findAll()) {
      if (!hasFootprint(c) || (c.namespace !== undefined && c.namespace !== this.name)) continue;
      for (const claim of c.sharedClaims?.() ?? []) shared.set(claim.name, Math.max(shared.get(claim.name) ?? 0, claim.bytes));
      const f = c.footprint();
      total.pods += f.pods;
      total.cpuRequestMillis += f.cpuRequestMillis;
      total.cpuLimitMillis += f.cpuLimitMillis;
      total.memoryRequestBytes += f.memoryRequestBytes;
      total.memoryLimitBytes += f.memoryLimitBytes;
      total.persistentVolumeClaims += f.persistentVolumeClaims;
      total.storageBytes += f.storageBytes;
      total.maxContainerCpuMillis = Math.max(total.maxContainerCpuMillis, f.maxContainerCpuMillis);
      total.maxContainerMemoryBytes = Math.max(total.maxContainerMemoryBytes, f.maxContainerMemoryBytes);
      total.maxClaimBytes = Math.max(total.maxClaimBytes, f.maxClaimBytes);
    }
    for (const bytes of shared.values()) {
      total.persistentVolumeClaims += 1;
      total.storageBytes += bytes;
      total.maxClaimBytes = Math.max(total.maxClaimBytes, bytes);
    }
    return total;
  }

  private quotaHard(headroom: number): Record<string, string> {
    const f = this.totalFootprint();
    const q = this.props.quota ?? {};
    // Round up to whole cores / GiB so small changes in a workload do not churn the quota.
    const cores = (millis: number): string => millisQuantity(Math.max(1000, Math.ceil((millis * headroom) / 1000) * 1000));
    const gib = (bytes: number): string => bytesQuantity(Math.max(2 ** 30, Math.ceil((bytes * headroom) / 2 ** 30) * 2 ** 30));
    const count = (n: number): string => String(Math.max(1, Math.ceil(n * headroom)));
    return {
      'pods': q.pods !== undefined ? String(q.pods) : count(f.pods),
      'requests.cpu': q.requestsCpu ? q.requestsCpu.amount : cores(f.cpuRequestMillis),
      'limits.cpu': q.limitsCpu ? q.limitsCpu.amount : cores(f.cpuLimitMillis),
      'requests.memory': q.requestsMemory ? bytesQuantity(sizeBytes(q.requestsMemory)) : gib(f.memoryRequestBytes),
      'limits.memory': q.limitsMemory ? bytesQuantity(sizeBytes(q.limitsMemory)) : gib(f.memoryLimitBytes),
      'persistentvolumeclaims': q.persistentVolumeClaims !== undefined ? String(q.persistentVolumeClaims) : count(f.persistentVolumeClaims),
      'requests.storage': q.requestsStorage ? bytesQuantity(sizeBytes(q.requestsStorage)) : gib(f.storageBytes),
    };
  }

  private limitRanges(): k8s.LimitRangeItem[] {
    const f = this.totalFootprint();
    const d = this.props.containerDefaults ?? {};
    const cpuLimit = d.cpuLimit ?? Cpu.millis(500);
    const memLimit = d.memoryLimit ?? Size.mebibytes(512);
    const maxCpu = Math.max(f.maxContainerCpuMillis, cpuMillis(cpuLimit));
    const maxMem = Math.max(f.maxContainerMemoryBytes, sizeBytes(memLimit));
    const limits: k8s.LimitRangeItem[] = [{
      type: 'Container',
      default: kubeQuantities({ cpu: cpuLimit.amount, memory: bytesQuantity(sizeBytes(memLimit)) }),
      defaultRequest: kubeQuantities({ cpu: (d.cpuRequest ?? Cpu.millis(100)).amount, memory: bytesQuantity(sizeBytes(d.memoryRequest ?? Size.mebibytes(128))) }),
      max: kubeQuantities({ cpu: millisQuantity(maxCpu), memory: bytesQuantity(maxMem) }),
    }];
    if (f.maxClaimBytes > 0) limits.push({ type: 'PersistentVolumeClaim', max: kubeQuantities({ storage: bytesQuantity(f.maxClaimBytes) }) });
    return limits;
  }
}
