/*
 * Pod Security Standards, baseline and restricted, as the Kubernetes version checked defines
 * them: each rule's metadata, then the checks over one pod template.
 */
import { Evaluation, Reporter } from './_evaluation';
import { isRec, join, OBJECT_MALFORMED, q, rec, Rec, setTrue } from './_objects';
import { defineRule } from './_rule';
import { IMAGE_VOLUMES_SINCE, KubernetesVersion, PROBE_HOST_SINCE, SAFE_SYSCTLS_TEXT, SELINUX_TYPES_TEXT, USER_NAMESPACE_RELAXATION_SINCE } from './kubernetes-version';

export const PSS_HOST_NAMESPACES = defineRule('pss-host-namespaces',
  'Pod Security baseline: hostNetwork, hostPID and hostIPC are unset or false.',
  'Remove hostNetwork/hostPID/hostIPC from the pod spec.');

export const PSS_HOST_PROCESS = defineRule('pss-host-process',
  'Pod Security baseline: no Windows HostProcess containers (windowsOptions.hostProcess unset or false, pod and containers).',
  'Remove securityContext.windowsOptions.hostProcess.');

export const PSS_PRIVILEGED = defineRule('pss-privileged',
  'Pod Security baseline: no container (init, ephemeral included) runs privileged.',
  'Remove securityContext.privileged or set it to false.');

export const PSS_CAPABILITIES = defineRule('pss-capabilities',
  'Pod Security restricted: every container drops ALL capabilities and adds none but NET_BIND_SERVICE.',
  'Set securityContext.capabilities to { drop: ["ALL"] } (add only NET_BIND_SERVICE if the container binds a port below 1024).');

export const PSS_HOST_PATH_VOLUMES = defineRule('pss-host-path-volumes',
  'Pod Security baseline: no hostPath volumes.',
  'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.');

export const PSS_VOLUME_TYPES = defineRule('pss-volume-types',
  `Pod Security restricted: volumes are only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret (from 1.${IMAGE_VOLUMES_SINCE} also image).`,
  'Replace the volume with a PersistentVolumeClaim (or another allowed type).');

export const PSS_HOST_PORTS = defineRule('pss-host-ports',
  'Pod Security baseline: no container port sets hostPort.',
  'Remove ports[].hostPort; expose the pod through a Service.');

export const PSS_HOST_PROBES = defineRule('pss-host-probes',
  `Pod Security baseline from 1.${PROBE_HOST_SINCE}, checked for every version: probes and lifecycle handlers do not set a host (httpGet.host, tcpSocket.host).`,
  'Remove .host from the probe or lifecycle handler; it then targets the pod itself.');

export const PSS_APPARMOR = defineRule('pss-apparmor',
  'Pod Security baseline: AppArmor is not Unconfined (appArmorProfile.type RuntimeDefault or Localhost; legacy annotation runtime/default or localhost/*).',
  'Remove the Unconfined AppArmor profile, or use RuntimeDefault.');

export const PSS_SELINUX = defineRule('pss-selinux',
  `Pod Security baseline: seLinuxOptions.type is empty or one of ${SELINUX_TYPES_TEXT}, and user and role are unset.`,
  'Remove seLinuxOptions, or keep only an allowed type.');

export const PSS_PROC_MOUNT = defineRule('pss-proc-mount',
  'Pod Security restricted: procMount is unset or Default on every container.',
  'Remove securityContext.procMount.');

export const PSS_SECCOMP = defineRule('pss-seccomp',
  'Pod Security restricted: seccompProfile.type is RuntimeDefault or Localhost, at pod level or on every container, and never Unconfined.',
  'Set spec.securityContext.seccompProfile.type: RuntimeDefault.');

export const PSS_SYSCTLS = defineRule('pss-sysctls',
  `Pod Security baseline: only the safe sysctls of the Kubernetes version checked: ${SAFE_SYSCTLS_TEXT}.`,
  'Remove the unsafe sysctl from spec.securityContext.sysctls.');

export const PSS_PRIVILEGE_ESCALATION = defineRule('pss-privilege-escalation',
  'Pod Security restricted: every container sets allowPrivilegeEscalation: false explicitly.',
  'Set securityContext.allowPrivilegeEscalation: false on every container.');

export const PSS_RUN_AS_NON_ROOT = defineRule('pss-run-as-non-root',
  `Pod Security restricted: runAsNonRoot is true at pod level or on every container, and false nowhere (from 1.${USER_NAMESPACE_RELAXATION_SINCE}, a pod with hostUsers: false is exempt).`,
  'Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser).');

export const PSS_RUN_AS_USER = defineRule('pss-run-as-user',
  `Pod Security restricted: runAsUser is not 0 (root) at pod or container level (from 1.${USER_NAMESPACE_RELAXATION_SINCE}, a pod with hostUsers: false is exempt).`,
  'Set runAsUser to a non-zero UID such as 65532.');

/** The Pod Security rules, in report order. */
export const POD_SECURITY_RULES = [
  PSS_HOST_NAMESPACES,
  PSS_HOST_PROCESS,
  PSS_PRIVILEGED,
  PSS_CAPABILITIES,
  PSS_HOST_PATH_VOLUMES,
  PSS_VOLUME_TYPES,
  PSS_HOST_PORTS,
  PSS_HOST_PROBES,
  PSS_APPARMOR,
  PSS_SELINUX,
  PSS_PROC_MOUNT,
  PSS_SECCOMP,
  PSS_SYSCTLS,
  PSS_PRIVILEGE_ESCALATION,
  PSS_RUN_AS_NON_ROOT,
  PSS_RUN_AS_USER,
] as const;

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
/** Seccomp (and AppArmor) profile types Pod Security restricted accepts. */
export const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
/** Prefix of the legacy per-container AppArmor annotation. */
export const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/** The container lists of a pod spec, in the order they are checked. */
export const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** The Pod Security controls of one Kubernetes version, as the pod checks use them. */
export interface PodSecurityControls {
  readonly version: KubernetesVersion;
  readonly sysctls: ReadonlySet<string>;
  readonly seLinuxTypes: ReadonlySet<string>;
}

/** One pod template of an object, where it is, and whether it is an agent pod. */
export interface PodTemplate {
  readonly index: number;
  /** Path of the pod template's metadata and spec (`spec.template.metadata` ...). */
  readonly metaPath: string;
  readonly specPath: string;
  readonly meta: Rec;
  readonly spec: Rec;
  readonly agent: boolean;
}

/** A container of a pod template, with its security context and how messages name it. */
export interface Container {
  readonly c: Rec;
  readonly sc: Rec;
  readonly path: string;
  readonly list: typeof CONTAINER_LISTS[number];
  readonly label: string;
}

/** The containers of a pod template (init, regular, ephemeral); malformed lists and entries are findings. */
export function containersOf(ev: Evaluation, pod: PodTemplate): Container[] {
  const out: Container[] = [];
  for (const list of CONTAINER_LISTS) {
    const value = pod.spec[list];
    const path = join(pod.specPath, list);
    if (value === undefined || value === null) {
      if (list === 'containers') ev.report(pod.index, OBJECT_MALFORMED, path, 'the pod spec has no containers; expected at least one');
      continue;
    }
    if (!Array.isArray(value)) {
      ev.report(pod.index, OBJECT_MALFORMED, path, `${list} is ${q(value)}, not a list of containers`);
      continue;
    }
    if (list === 'containers' && value.length === 0) ev.report(pod.index, OBJECT_MALFORMED, path, 'the pod spec has no containers; expected at least one');
    value.forEach((c, j) => {
      const cp = `${path}[${j}]`;
      if (!isRec(c)) {
        ev.report(pod.index, OBJECT_MALFORMED, cp, `container ${q(c)} is not a mapping`);
        return;
      }
      const label = `${list === 'containers' ? 'container' : list === 'initContainers' ? 'init container' : 'ephemeral container'} ${q(c.name ?? j)}`;
      out.push({ c, sc: rec(c.securityContext), path: cp, list, label });
    });
  }
  return out;
}

/** The Pod Security Standards (baseline and restricted) over one pod template and its containers. */
export function checkPodSecurity(ev: Evaluation, pod: PodTemplate, containers: readonly Container[], controls: PodSecurityControls): void {
  const { spec, specPath: sp, index: i } = pod;
  const report: Reporter = (rule, path, message, excuse) => ev.report(i, rule, path, message, excuse);
  const podSC = rec(spec.securityContext);
  const scPath = join(sp, 'securityContext');
  const windows = rec(spec.os).name === 'windows';
  // A pod in its own user namespace: root inside is not root on the node.
  const userNamespace = controls.version.atLeast(USER_NAMESPACE_RELAXATION_SINCE) && spec.hostUsers === false;
  const annotations = rec(pod.meta.annotations);

  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (setTrue(spec[k])) report(PSS_HOST_NAMESPACES, join(sp, k), `${k} is ${q(spec[k])}; the pod would share the node's ${k.slice(4)} namespace`);
  }
  if (setTrue(rec(podSC.windowsOptions).hostProcess)) report(PSS_HOST_PROCESS, `${scPath}.windowsOptions.hostProcess`, 'the pod runs as a Windows HostProcess');

  // Pod-level security context.
  checkSeLinux(report, podSC.seLinuxOptions, `${scPath}.seLinuxOptions`, 'the pod', controls);
  checkAppArmor(report, podSC.appArmorProfile, `${scPath}.appArmorProfile`, 'the pod');
  const podSeccomp = rec(podSC.seccompProfile).type;
  if (podSeccomp !== undefined && !SECCOMP_OK.has(podSeccomp as string) && !(windows && podSeccomp !== 'Unconfined')) {
    report(PSS_SECCOMP, `${scPath}.seccompProfile.type`, `the pod's seccomp profile is ${q(podSeccomp)}; expected RuntimeDefault or Localhost`);
  }
  const podSeccompOk = SECCOMP_OK.has(podSeccomp as string);
  if (!userNamespace && podSC.runAsNonRoot !== undefined && podSC.runAsNonRoot !== true) report(PSS_RUN_AS_NON_ROOT, `${scPath}.runAsNonRoot`, `runAsNonRoot is ${q(podSC.runAsNonRoot)} for the pod; expected true`);
  if (!userNamespace && (podSC.runAsUser === 0 || podSC.runAsUser === '0')) report(PSS_RUN_AS_USER, `${scPath}.runAsUser`, 'the pod runs as UID 0 (root)');
  if (podSC.sysctls !== undefined) {
    if (!Array.isArray(podSC.sysctls)) report(PSS_SYSCTLS, `${scPath}.sysctls`, `sysctls is ${q(podSC.sysctls)}, not a list of safe sysctls`);
    else {
      podSC.sysctls.forEach((s, j) => {
        const name = rec(s).name;
        if (!controls.sysctls.has(name as string)) report(PSS_SYSCTLS, `${scPath}.sysctls[${j}].name`, `sysctl ${q(name)} is not in the safe set of Kubernetes ${controls.version}`);
      });
    }
  }

  for (const [key, value] of Object.entries(annotations)) {
    if (unconfinedAppArmorAnnotation(key, value)) {
      report(PSS_APPARMOR, `${pod.metaPath}.annotations[${JSON.stringify(key)}]`, `AppArmor profile ${q(value)} for container ${q(key.slice(APPARMOR_ANNOTATION.length))}; expected runtime/default or localhost/<profile>`);
    }
  }

  // Volumes.
  const volumes = spec.volumes;
  if (volumes !== undefined && volumes !== null) {
    if (!Array.isArray(volumes)) report(OBJECT_MALFORMED, join(sp, 'volumes'), `volumes is ${q(volumes)}, not a list`);
    else {
      volumes.forEach((v, j) => {
        const vp = `${join(sp, 'volumes')}[${j}]`;
        if (!isRec(v)) {
          report(OBJECT_MALFORMED, vp, `volume ${q(v)} is not a mapping`);
          return;
        }
        for (const type of Object.keys(v)) {
          if (type === 'name') continue;
          if (type === 'hostPath') report(PSS_HOST_PATH_VOLUMES, `${vp}.hostPath`, `volume ${q(v.name)} mounts the node's ${q(rec(v.hostPath).path)}`);
          else if (type === 'image' && !controls.version.atLeast(IMAGE_VOLUMES_SINCE)) {
            report(PSS_VOLUME_TYPES, `${vp}.image`, `volume ${q(v.name)} is an image volume, which Pod Security restricted allows from Kubernetes 1.${IMAGE_VOLUMES_SINCE}, not ${controls.version}`);
          } else if (type !== 'image' && !RESTRICTED_VOLUME_TYPES.has(type)) report(PSS_VOLUME_TYPES, `${vp}.${type}`, `volume ${q(v.name)} is of type ${type}, which Pod Security restricted does not allow`);
        }
      });
    }
  }

  // Containers: init, regular and ephemeral alike.
  for (const { c, sc, path: cp, label } of containers) {
    const csp = `${cp}.securityContext`;
    if (setTrue(sc.privileged)) report(PSS_PRIVILEGED, `${csp}.privileged`, `${label} is privileged`);
    if (setTrue(rec(sc.windowsOptions).hostProcess)) report(PSS_HOST_PROCESS, `${csp}.windowsOptions.hostProcess`, `${label} runs as a Windows HostProcess`);
    const caps = rec(sc.capabilities);
    if (!windows && !(Array.isArray(caps.drop) && caps.drop.includes('ALL'))) report(PSS_CAPABILITIES, `${csp}.capabilities.drop`, `${label} does not drop ALL capabilities (drop is ${q(caps.drop)})`);
    if (caps.add !== undefined && caps.add !== null) {
      const allowed = windows ? BASELINE_CAPABILITIES : new Set(['NET_BIND_SERVICE']);
      const bad = Array.isArray(caps.add) ? caps.add.filter((x) => !allowed.has(x as string)) : [caps.add];
      if (bad.length) report(PSS_CAPABILITIES, `${csp}.capabilities.add`, `${label} adds capabilities ${q(bad)}; only NET_BIND_SERVICE may be added`);
    }
    if (Array.isArray(c.ports)) {
      c.ports.forEach((p, j) => {
        const hp = rec(p).hostPort;
        if (hp !== undefined && hp !== null && hp !== 0) report(PSS_HOST_PORTS, `${cp}.ports[${j}].hostPort`, `${label} binds host port ${q(hp)}`);
      });
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) checkHandlerHost(report, c[probe], `${cp}.${probe}`, label);
    const lifecycle = rec(c.lifecycle);
    for (const hook of ['postStart', 'preStop']) checkHandlerHost(report, lifecycle[hook], `${cp}.lifecycle.${hook}`, label);
    checkAppArmor(report, sc.appArmorProfile, `${csp}.appArmorProfile`, label);
    checkSeLinux(report, sc.seLinuxOptions, `${csp}.seLinuxOptions`, label, controls);
    if (sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default') report(PSS_PROC_MOUNT, `${csp}.procMount`, `${label} has procMount ${q(sc.procMount)}`);
    const seccomp = rec(sc.seccompProfile).type;
    if (seccomp !== undefined && !SECCOMP_OK.has(seccomp as string) && !(windows && seccomp !== 'Unconfined')) {
      report(PSS_SECCOMP, `${csp}.seccompProfile.type`, `${label} has seccomp profile ${q(seccomp)}; expected RuntimeDefault or Localhost`);
    } else if (seccomp === undefined && !podSeccompOk && !windows) {
      report(PSS_SECCOMP, `${csp}.seccompProfile`, `${label} has no seccomp profile and the pod sets none (RuntimeDefault or Localhost)`);
    }
    if (!windows && sc.allowPrivilegeEscalation !== false) report(PSS_PRIVILEGE_ESCALATION, `${csp}.allowPrivilegeEscalation`, `${label} does not set allowPrivilegeEscalation: false (it is ${q(sc.allowPrivilegeEscalation)})`);
    if (userNamespace) {
      // Exempt from runAsNonRoot and runAsUser (Pod Security 1.35+).
    } else if (sc.runAsNonRoot !== undefined && sc.runAsNonRoot !== true) {
      report(PSS_RUN_AS_NON_ROOT, `${csp}.runAsNonRoot`, `${label} sets runAsNonRoot ${q(sc.runAsNonRoot)}`);
    } else if (sc.runAsNonRoot === undefined && podSC.runAsNonRoot !== true) {
      report(PSS_RUN_AS_NON_ROOT, `${csp}.runAsNonRoot`, `${label} may run as root: neither it nor the pod sets runAsNonRoot: true`);
    }
    if (!userNamespace && (sc.runAsUser === 0 || sc.runAsUser === '0')) report(PSS_RUN_AS_USER, `${csp}.runAsUser`, `${label} runs as UID 0 (root)`);

  }
}

/** A legacy AppArmor annotation whose profile is neither runtime/default nor localhost/*. */
export function unconfinedAppArmorAnnotation(key: string, value: unknown): boolean {
  return key.startsWith(APPARMOR_ANNOTATION) && !(value === '' || value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/')));
}
function checkHandlerHost(report: Reporter, handler: unknown, path: string, label: string): void {
  const h = rec(handler);
  for (const kind of ['httpGet', 'tcpSocket']) {
    const host = rec(h[kind]).host;
    if (host !== undefined && host !== null && host !== '') report(PSS_HOST_PROBES, `${path}.${kind}.host`, `${label} probes or hooks host ${q(host)}`);
  }
}
function checkAppArmor(report: Reporter, profile: unknown, path: string, who: string): void {
  if (profile === undefined || profile === null) return;
  const type = rec(profile).type;
  if (!SECCOMP_OK.has(type as string)) report(PSS_APPARMOR, `${path}.type`, `${who} has AppArmor profile type ${q(type)}; expected RuntimeDefault or Localhost`);
}
function checkSeLinux(report: Reporter, options: unknown, path: string, who: string, controls: PodSecurityControls): void {
  if (options === undefined || options === null) return;
  const o = rec(options);
  if (o.type !== undefined && !controls.seLinuxTypes.has(o.type as string)) report(PSS_SELINUX, `${path}.type`, `${who} has SELinux type ${q(o.type)}, which Kubernetes ${controls.version} does not allow`);
  for (const k of ['user', 'role']) {
    if (o[k] !== undefined && o[k] !== '') report(PSS_SELINUX, `${path}.${k}`, `${who} sets SELinux ${k} ${q(o[k])}`);
  }
}
