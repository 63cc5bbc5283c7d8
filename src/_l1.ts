/*
 * Typed L1 that neither cdk8s-plus-28's `k8s` module nor the generated bindings in
 * src/imports/ provide, and the cluster-scoped variants of the built-in kinds.
 *
 * - Sandbox and SandboxTemplate (agent-sandbox): their generated bindings re-type the whole
 *   PodSpec with classes of their own, so the one hardened pod `_pod.ts` builds (a
 *   `k8s.PodSpec`) could not be handed to them; here the pod template is a `k8s.PodSpec`,
 *   serialised by the same L1 functions as a Deployment's.
 * - Image volumes (`volumes[].image`, Kubernetes 1.31+): the 1.28 L1's `k8s.Volume` has no
 *   such source and its serialiser drops unknown keys; {@link PodVolume} adds it and the pod
 *   templates of Sandbox and SandboxTemplate serialise it.
 * - ValidatingAdmissionPolicy and its Binding at `admissionregistration.k8s.io/v1`: the 1.28
 *   L1 has them only at v1beta1, whose spec is the same; that spec type and serialiser are
 *   reused under the v1 apiVersion.
 */
import { ApiObject, ApiObjectMetadata, GroupVersionKind } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

const CLUSTER_SCOPED = Symbol('ftekit.clusterScoped');

/**
 * A typed L1 class for a cluster-scoped kind (RuntimeClass, Namespace, ValidatingAdmissionPolicy...)
 * that never serialises `metadata.namespace`.
 *
 * cdk8s stamps a chart's namespace on every object in it, cluster-scoped or not
 * (cdk8s-team/cdk8s-core#731); strict tools and the API server's own
 * validation treat `metadata.namespace` on these kinds as an error, so it is removed here,
 * after the L1's own serialisation and any user JSON patches.
 */
export function clusterScoped<T extends new (...args: any[]) => ApiObject>(Base: T): T {
  return class extends Base {
    public readonly [CLUSTER_SCOPED] = true;

    public override toJson(): any {
      const json = super.toJson();
      if (json.metadata) delete json.metadata.namespace;
      return json;
    }
  };
}

/**
 * Whether `obj` is of a {@link clusterScoped} class (its output has no namespace).
 * `instanceof` cannot tell: cdk8s makes it true of every ApiObject.
 */
export function isClusterScoped(obj: ApiObject): boolean {
  return (obj as unknown as Record<symbol, unknown>)[CLUSTER_SCOPED] === true;
}

/**
 * An untyped ApiObject of a cluster-scoped kind (public escape hatch: the policy rule
 * `cluster-scoped-namespace` points users to it); ftekit's own objects use typed classes.
 */
export class ClusterScoped extends clusterScoped(ApiObject) {}

/** `node.k8s.io/v1` RuntimeClass, cluster-scoped. */
export const KubeRuntimeClass = clusterScoped(k8s.KubeRuntimeClass);
/** `v1` Namespace, cluster-scoped. */
export const KubeNamespace = clusterScoped(k8s.KubeNamespace);

/** Props of a hand-written typed kind: metadata and a typed spec. */
export interface TypedKindProps<S> {
  readonly metadata?: ApiObjectMetadata;
  readonly spec: S;
}

/** An ApiObject whose spec is typed `S` and serialised by {@link TypedKind.specToJson}. */
abstract class TypedKind<S> extends ApiObject {
  protected constructor(scope: Construct, id: string, private readonly gvk: GroupVersionKind, props: TypedKindProps<S>) {
    super(scope, id, { ...gvk, ...props });
  }

  public override toJson(): any {
    const resolved = super.toJson();
    return { ...this.gvk, metadata: resolved.metadata, spec: this.specToJson(resolved.spec) };
  }

  protected abstract specToJson(spec: S): Record<string, unknown> | undefined;
}

/** `value` without its undefined entries, keys in the alphabetical order generated serialisers use. */
function defined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** `volumes[].image`: an OCI image (or artifact) mounted read-only as a volume. */
export interface ImageVolumeSource {
  /** Image reference, pinned like a container image. */
  readonly reference: string;
  /** `Always`, `Never` or `IfNotPresent`. */
  readonly pullPolicy?: string;
}

/** A pod volume: the 1.28 L1 volume plus the `image` source it lacks. */
export interface PodVolume extends k8s.Volume {
  /** Image volume source. */
  readonly image?: ImageVolumeSource;
}

/** The JSON of a pod spec: the L1 serialiser's, with the `image` source of each {@link PodVolume} put back. */
export function podSpecToJson(spec: k8s.PodSpec): Record<string, any> | undefined {
  const json = k8s.toJson_PodSpec(spec);
  const volumes = (spec.volumes ?? []) as PodVolume[];
  if (!json || !volumes.some((v) => v.image)) return json;
  return {
    ...json,
    volumes: (json.volumes as Record<string, unknown>[]).map((v, i) => {
      const image = volumes[i].image;
      return image ? { ...v, image: defined({ reference: image.reference, pullPolicy: image.pullPolicy }) } : v;
    }),
  };
}

/** A pod template whose spec is the L1 PodSpec. */
export interface PodTemplate {
  readonly metadata?: k8s.ObjectMeta;
  readonly spec: k8s.PodSpec;
}

/** The SandboxBlueprint part of a Sandbox and a SandboxTemplate spec. */
export interface SandboxBlueprint {
  readonly podTemplate: PodTemplate;
  readonly volumeClaimTemplates?: k8s.PersistentVolumeClaimTemplate[];
  readonly service?: boolean;
}

/** `agents.x-k8s.io/v1beta1` Sandbox spec (the fields ftekit sets). */
export interface SandboxSpec extends SandboxBlueprint {
  readonly operatingMode?: string;
  readonly shutdownTime?: string;
  readonly shutdownPolicy?: string;
}

/** `extensions.agents.x-k8s.io/v1beta1` SandboxTemplate spec (the fields ftekit sets). */
export interface SandboxTemplateSpec extends SandboxBlueprint {
  readonly networkPolicyManagement?: string;
  readonly envVarsInjectionPolicy?: string;
  readonly volumeClaimTemplatesPolicy?: string;
}

function blueprintToJson(b: SandboxBlueprint): Record<string, unknown> {
  return defined({
    podTemplate: defined({ metadata: k8s.toJson_ObjectMeta(b.podTemplate.metadata), spec: podSpecToJson(b.podTemplate.spec) }),
    volumeClaimTemplates: b.volumeClaimTemplates?.map((t) => k8s.toJson_PersistentVolumeClaimTemplate(t)),
    service: b.service,
  });
}

/** agent-sandbox Sandbox. */
export class Sandbox extends TypedKind<SandboxSpec> {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'agents.x-k8s.io/v1beta1', kind: 'Sandbox' };

  public constructor(scope: Construct, id: string, props: TypedKindProps<SandboxSpec>) {
    super(scope, id, Sandbox.GVK, props);
  }

  protected specToJson(s: SandboxSpec): Record<string, unknown> {
    return defined({ ...blueprintToJson(s), operatingMode: s.operatingMode, shutdownTime: s.shutdownTime, shutdownPolicy: s.shutdownPolicy });
  }
}

/** agent-sandbox SandboxTemplate. */
export class SandboxTemplate extends TypedKind<SandboxTemplateSpec> {
  public static readonly GVK: GroupVersionKind = { apiVersion: 'extensions.agents.x-k8s.io/v1beta1', kind: 'SandboxTemplate' };

  public constructor(scope: Construct, id: string, props: TypedKindProps<SandboxTemplateSpec>) {
    super(scope, id, SandboxTemplate.GVK, props);
  }

  protected specToJson(s: SandboxTemplateSpec): Record<string, unknown> {
    return defined({
      ...blueprintToJson(s),
      networkPolicyManagement: s.networkPolicyManagement,
      envVarsInjectionPolicy: s.envVarsInjectionPolicy,
      volumeClaimTemplatesPolicy: s.volumeClaimTemplatesPolicy,
    });
  }
}

class ValidatingAdmissionPolicyV1 extends TypedKind<k8s.ValidatingAdmissionPolicySpecV1Beta1> {
  public constructor(scope: Construct, id: string, props: TypedKindProps<k8s.ValidatingAdmissionPolicySpecV1Beta1>) {
    super(scope, id, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy' }, props);
  }

  protected specToJson(s: k8s.ValidatingAdmissionPolicySpecV1Beta1): Record<string, unknown> | undefined {
    return k8s.toJson_ValidatingAdmissionPolicySpecV1Beta1(s);
  }
}

class ValidatingAdmissionPolicyBindingV1 extends TypedKind<k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1> {
  public constructor(scope: Construct, id: string, props: TypedKindProps<k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1>) {
    super(scope, id, { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding' }, props);
  }

  protected specToJson(s: k8s.ValidatingAdmissionPolicyBindingSpecV1Beta1): Record<string, unknown> | undefined {
    return k8s.toJson_ValidatingAdmissionPolicyBindingSpecV1Beta1(s);
  }
}

/** `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy, cluster-scoped. */
export const ValidatingAdmissionPolicy = clusterScoped(ValidatingAdmissionPolicyV1);

/** `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicyBinding, cluster-scoped. */
export const ValidatingAdmissionPolicyBinding = clusterScoped(ValidatingAdmissionPolicyBindingV1);
