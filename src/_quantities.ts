import { Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { describeValue } from './errors';
import { Problem } from './_validate';

/** A CPU request and limit. Both are required: a limit stops a runaway agent loop. */
export interface CpuResources {
  /** Guaranteed CPU, e.g. `Cpu.millis(500)`. */
  readonly request: Cpu;
  /** Hard cap, e.g. `Cpu.units(2)`. Must be at least the request. */
  readonly limit: Cpu;
}

/** A memory or storage request and limit. Both are required. */
export interface SizeResources {
  /** Guaranteed amount, e.g. `Size.gibibytes(1)`. */
  readonly request: Size;
  /** Hard cap, e.g. `Size.gibibytes(4)`. Must be at least the request. */
  readonly limit: Size;
}

/**
 * Requests and limits of one container. Unlike cdk8s-plus, which fills in 1 CPU / 512Mi
 * when nothing is given, ftekit has no default: every workload states what it needs.
 */
export interface ResourceRequirements {
  /** CPU request and limit. */
  readonly cpu: CpuResources;
  /** Memory request and limit. */
  readonly memory: SizeResources;
  /**
   * Ephemeral storage (container writable layer, logs, emptyDir) request and limit.
   * @default - not set
   */
  readonly ephemeralStorage?: SizeResources;
}

/** CPU in millicores. */
export function cpuMillis(cpu: Cpu): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** Size in bytes (exact for every unit cdk8s offers). */
export function sizeBytes(size: Size): number {
  return size.toKibibytes({ rounding: SizeRoundingBehavior.NONE }) * 1024;
}

const BINARY_UNITS: ReadonlyArray<[string, number]> = [['Pi', 2 ** 50], ['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];

/** Kubernetes quantity string for a byte count, in the largest binary unit that divides it. */
export function bytesQuantity(bytes: number): string {
  for (const [unit, factor] of BINARY_UNITS) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(Math.ceil(bytes));
}

/** Kubernetes quantity string for a `Size`. */
export function sizeQuantity(size: Size): string {
  return bytesQuantity(sizeBytes(size));
}

/** What is wrong with a volume claim's requested storage, if anything: at least 1Mi, whole bytes. */
export function claimSizeProblem(size: Size): Problem {
  const bytes = sizeBytes(size);
  return bytes >= 2 ** 20 && Number.isInteger(bytes) ? undefined : `${describeValue(sizeQuantity(size))} is too small or not a whole number of bytes; expected at least 1Mi`;
}

/** Kubernetes quantity string for millicores. */
export function millisQuantity(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${Math.ceil(millis)}m`;
}

/**
 * Problems of a container's requests and limits, each at its field under `base`
 * (`resources.cpu`, `resources.memory`, ...): the field names the quantity, the message
 * the values and what is expected.
 */
export function resourceProblems(resources: ResourceRequirements | undefined, base = 'resources'): Array<{ readonly field: string; readonly problem: string }> {
  if (!resources || !resources.cpu || !resources.memory) {
    return [{ field: base, problem: `${describeValue(resources)} is incomplete; expected { cpu: { request, limit }, memory: { request, limit } }` }];
  }
  return [
    { field: `${base}.cpu`, problem: cpuProblem(resources.cpu) },
    { field: `${base}.memory`, problem: sizePairProblem(resources.memory) },
    { field: `${base}.ephemeralStorage`, problem: resources.ephemeralStorage ? sizePairProblem(resources.ephemeralStorage) : undefined },
  ].filter((p): p is { field: string; problem: string } => p.problem !== undefined);
}

function cpuProblem(cpu: ResourceRequirements['cpu']): Problem {
  const cpuReq = cpuMillis(cpu.request);
  const cpuLim = cpuMillis(cpu.limit);
  if (!(cpuReq > 0 && cpuReq < Infinity) || !(cpuLim > 0 && cpuLim < Infinity)) return `request ${describeValue(cpu.request?.amount)} / limit ${describeValue(cpu.limit?.amount)} must both be positive and finite`;
  // Kubernetes rounds CPU up to whole millicores; refuse finer amounts rather than change them.
  for (const c of [cpu.request, cpu.limit]) {
    const millis = cpuMillis(c);
    // Tolerates float noise in unit amounts (Cpu.units(0.57) is 570m).
    if (Math.abs(millis - Math.round(millis)) > 1e-6) return `${describeValue(c.amount)} is finer than 1m; expected whole millicores such as Cpu.millis(250) or Cpu.units(0.5)`;
  }
  if (cpuReq > cpuLim) return `request ${cpu.request.amount} is greater than the limit ${cpu.limit.amount}; expected request <= limit`;
  return undefined;
}

function sizePairProblem(pair: { readonly request: Size; readonly limit: Size }): Problem {
  const req = sizeBytes(pair.request);
  const lim = sizeBytes(pair.limit);
  if (!(req > 0 && req < Infinity) || !(lim > 0 && lim < Infinity)) return 'request and limit must both be positive and finite';
  if (!Number.isInteger(req) || !Number.isInteger(lim)) return `request ${req} bytes / limit ${lim} bytes is not a whole number of bytes; expected e.g. Size.mebibytes(512)`;
  if (req > lim) return `request ${sizeQuantity(pair.request)} is greater than the limit ${sizeQuantity(pair.limit)}; expected request <= limit`;
  return undefined;
}

/** The `resources` block of a container, as Kubernetes JSON. */
export function resourcesJson(resources: ResourceRequirements): { requests: Record<string, string>; limits: Record<string, string> } {
  const requests: Record<string, string> = { 'cpu': resources.cpu.request.amount, 'memory': sizeQuantity(resources.memory.request) };
  const limits: Record<string, string> = { 'cpu': resources.cpu.limit.amount, 'memory': sizeQuantity(resources.memory.limit) };
  if (resources.ephemeralStorage) {
    requests['ephemeral-storage'] = sizeQuantity(resources.ephemeralStorage.request);
    limits['ephemeral-storage'] = sizeQuantity(resources.ephemeralStorage.limit);
  }
  return { requests, limits };
}

/** {@link resourcesJson} as the typed L1's ResourceRequirements. */
export function kubeResources(resources: ResourceRequirements): k8s.ResourceRequirements {
  const { requests, limits } = resourcesJson(resources);
  return { requests: kubeQuantities(requests), limits: kubeQuantities(limits) };
}

/** A map of quantity strings as the typed L1's Quantity map. */
export function kubeQuantities(amounts: Record<string, string>): Record<string, k8s.Quantity> {
  return Object.fromEntries(Object.entries(amounts).map(([k, v]) => [k, k8s.Quantity.fromString(v)]));
}

const CPU_QUANTITY = /^(\d+(?:\.\d+)?)(m?)$/;
const SIZE_QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/;
const SIZE_FACTORS: Record<string, number> = { '': 1, 'Ki': 2 ** 10, 'Mi': 2 ** 20, 'Gi': 2 ** 30, 'Ti': 2 ** 40, 'Pi': 2 ** 50, 'k': 1e3, 'M': 1e6, 'G': 1e9, 'T': 1e12, 'P': 1e15 };

/** Parses a CPU quantity such as `500m` or `2`; returns a problem string when malformed. */
export function parseCpu(value: unknown): Cpu | string {
  const m = typeof value === 'string' ? CPU_QUANTITY.exec(value) : typeof value === 'number' ? CPU_QUANTITY.exec(String(value)) : null;
  if (!m) return `${describeValue(value)} is not a CPU quantity; expected millicores like "500m" or cores like "2" or "0.5"`;
  const n = Number(m[1]);
  if (m[2] === 'm') {
    if (!Number.isInteger(n)) return `${describeValue(value)} is not a CPU quantity; millicores must be whole numbers`;
    return Cpu.millis(n);
  }
  if (!Number.isInteger(n * 1000)) return `${describeValue(value)} is finer than 1m; expected at most three decimals`;
  return Cpu.units(n);
}

/** Parses a memory/storage quantity such as `512Mi` or `10Gi`; returns a problem string when malformed. */
export function parseSize(value: unknown): Size | string {
  const m = typeof value === 'string' ? SIZE_QUANTITY.exec(value) : null;
  if (!m) return `${describeValue(value)} is not a size quantity; expected e.g. "512Mi", "4Gi" or "10G"`;
  const bytes = Number(m[1]) * SIZE_FACTORS[m[2] ?? ''];
  if (!Number.isFinite(bytes) || bytes % 1024 !== 0) return `${describeValue(value)} is not a whole number of KiB; expected e.g. "512Mi", "4Gi"`;
  return Size.kibibytes(bytes / 1024);
}
