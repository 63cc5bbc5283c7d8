import { Size } from 'cdk8s';
import { PodVolume } from './_l1';
import { POLICY_EXCEPTION_PREFIX } from './_labels';
import { ExtraMount } from './_pod';
import { claimSizeProblem, sizeBytes } from './_quantities';
import { IMAGE_VOLUMES_SINCE } from './policy/kubernetes-version';
import { checkDnsSubdomain, checkMountPath, checkPinnedImage } from './_validate';
import { describeValue } from './errors';

/** When the kubelet pulls the image of an image volume (`volumes[].image.pullPolicy`). */
export enum ImagePullPolicy {
  /** Pull only when the node does not have the image. */
  IF_NOT_PRESENT = 'IfNotPresent',
  /** Pull every time the pod starts. */
  ALWAYS = 'Always',
  /** Never pull: the image must be on the node already. */
  NEVER = 'Never',
}

/** Options for {@link SkillsVolume.image}. */
export interface ImageSkillsOptions {
  /**
   * Where the skills appear in the agent container (mounted read-only).
   * @default '/skills'
   */
  readonly mountPath?: string;
  /**
   * When the kubelet pulls the image.
   * @default ImagePullPolicy.IF_NOT_PRESENT
   */
  readonly pullPolicy?: ImagePullPolicy;
}

/** Options for {@link SkillsVolume.claim}. */
export interface ClaimSkillsOptions {
  /**
   * Must be `true`: skills are always mounted read-only (the claim's volume source and the
   * container's mount both say so). Written out so the call reads as what it does.
   */
  readonly readOnly: true;
  /**
   * The claim's requested storage (`spec.resources.requests.storage`). The claim lives in the
   * workloads' namespace, so it counts against the namespace's ResourceQuota
   * (`persistentvolumeclaims`, `requests.storage`) and must fit its LimitRange's largest
   * claim: ftekit adds it, once per claim name, to what it derives them from.
   */
  readonly size: Size;
  /**
   * Where the skills appear in the agent container.
   * @default '/skills'
   */
  readonly mountPath?: string;
}

/** Name of the skills volume in the pod. */
export const SKILLS_VOLUME = 'skills';


/**
 * A read-only volume of skills and tools for the agent, without `hostPath` (which Pod
 * Security refuses): an OCI image mounted as a volume, or an existing ReadOnlyMany
 * PersistentVolumeClaim. Give it to an FteSandbox or SandboxPool as `skills`.
 */
export class SkillsVolume {
  /**
   * A Kubernetes image volume (`volumes[].image`): the files of an OCI image, mounted
   * read-only, pinned like a container image (a version tag other than `latest`, or a digest).
   *
   * Needs Kubernetes 1.33 or later with the `ImageVolume` feature gate on (alpha in 1.31, beta
   * but off by default in 1.33 and 1.34, on by default from 1.35, GA in 1.36), a container
   * runtime that supports it (containerd 2.1+, CRI-O 1.31+), and, under Pod Security
   * `restricted`, 1.33+: earlier releases refuse the volume type. Objects that carry one are
   * marked with a `pss-volume-types` policy exception saying so, so the gate (which checks
   * Kubernetes 1.28 unless told otherwise) lists the requirement instead of failing.
   */
  public static image(reference: string, options: ImageSkillsOptions = {}): SkillsVolume {
    return new SkillsVolume({ reference, pullPolicy: options.pullPolicy ?? ImagePullPolicy.IF_NOT_PRESENT }, undefined, options.mountPath ?? '/skills', true);
  }

  /**
   * An existing PersistentVolumeClaim (ReadOnlyMany, so every sandbox can mount it at once),
   * mounted read-only. ftekit does not create or fill the claim: whoever publishes the skills
   * does, in the workloads' namespace; its `size` counts in the namespace's quota and LimitRange.
   */
  public static claim(claimName: string, options: ClaimSkillsOptions): SkillsVolume {
    return new SkillsVolume(undefined, claimName, options?.mountPath ?? '/skills', options?.readOnly, options?.size);
  }

  private constructor(
    /** The image source (image volumes only). */
    public readonly imageSource: { readonly reference: string; readonly pullPolicy: ImagePullPolicy } | undefined,
    /** The claim name (claim volumes only). */
    public readonly claimName: string | undefined,
    /** Where the skills are mounted. */
    public readonly mountPath: string,
    private readonly readOnly: unknown,
    /** The claim's requested storage (claim volumes only). */
    public readonly claimSize?: Size,
  ) {}

  /** The claim and its size in bytes, for the namespace's quota (claim volumes only). */
  public sharedClaim(): { readonly name: string; readonly bytes: number } | undefined {
    if (this.imageSource || this.claimName === undefined || this.claimSize === undefined) return undefined;
    return { name: this.claimName, bytes: sizeBytes(this.claimSize) };
  }

  /** Problems with the options, as `[field, problem]`, fields relative to the `skills` prop. */
  public problems(): Array<readonly [string, string]> {
    const out: Array<readonly [string, string]> = [];
    const add = (field: string, problem: string | undefined): void => {
      if (problem) out.push([field, problem]);
    };
    if (this.imageSource) {
      add('.image', checkPinnedImage(this.imageSource.reference));
      add('.pullPolicy', Object.values(ImagePullPolicy).includes(this.imageSource.pullPolicy) ? undefined
        : `${describeValue(this.imageSource.pullPolicy)} is not an ImagePullPolicy; expected IfNotPresent, Always or Never`);
    } else {
      const p = checkDnsSubdomain(this.claimName);
      add('.claim', p && `${p} (the name of a PersistentVolumeClaim in the namespace)`);
      add('.readOnly', this.readOnly === true ? undefined : `${describeValue(this.readOnly)} is not true; skills are always mounted read-only, expected { readOnly: true }`);
      add('.size', this.sizeProblem());
    }
    add('.mountPath', checkMountPath(this.mountPath) ?? (this.mountPath === '/tmp' ? '"/tmp" is taken by the writable /tmp volume; expected another path' : undefined));
    return out;
  }

  private sizeProblem(): string | undefined {
    if (!(this.claimSize instanceof Size)) return `${describeValue(this.claimSize)} is not a Size; expected the claim's requested storage, e.g. Size.gibibytes(5), which counts in the namespace's quota`;
    return claimSizeProblem(this.claimSize);
  }

  /** The pod volume. */
  public podVolume(): PodVolume {
    if (this.imageSource) return { name: SKILLS_VOLUME, image: { reference: this.imageSource.reference, pullPolicy: this.imageSource.pullPolicy } };
    return { name: SKILLS_VOLUME, persistentVolumeClaim: { claimName: this.claimName as string, readOnly: true } };
  }

  /** The agent container's read-only mount. */
  public mount(): ExtraMount {
    return { name: SKILLS_VOLUME, mountPath: this.mountPath, readOnly: true };
  }

  /**
   * Annotations of the object whose pod carries this volume: for an image volume, the policy
   * exception that states the Kubernetes version it needs (the gate checks 1.28 by default).
   */
  public objectAnnotations(): Record<string, string> {
    if (!this.imageSource) return {};
    return {
      [`${POLICY_EXCEPTION_PREFIX}pss-volume-types`]: `image volume ${JSON.stringify(SKILLS_VOLUME)} (${this.imageSource.reference}): Pod Security restricted admits image volumes from Kubernetes 1.${IMAGE_VOLUMES_SINCE}; the cluster must run 1.${IMAGE_VOLUMES_SINCE}+ with the ImageVolume feature gate on (default from 1.35)`,
    };
  }
}
