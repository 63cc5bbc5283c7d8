import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, JsonPatch } from 'cdk8s';
import { ApiAccess, DaprWorker, EnvValue, FteNamespace, FteSandbox, FteValidationError, Probe, SandboxPool, SandboxRuntime } from '../../src';
import { AGENT_POD_LABEL, UNSANDBOXED_POD_ANNOTATION } from '../../src/policy';
import { Cpu } from 'cdk8s-plus-28';
import { evaluatePolicy, formatPolicyReport, KubernetesVersion, POLICY_RULES, PolicyException, PolicyReport } from '../../src/policy';
import { Size } from 'cdk8s';
import { UNSANDBOXED_ANNOTATION, WORKLOAD_LABEL } from '../../src/_labels';
import { compileSelector, selects } from '../../src/policy/selectors';
import { IMAGE, RESOURCES } from '../support/fixtures';
import { compliantTemplate, defaultDeny, NS, POD_KINDS, podObject, specPath, templateOf } from '../support/policy-fixtures';
import { chart, one, podSpecOf, synth } from '../support/synth';

const ruleIds = (r: PolicyReport): string[] => r.errors.map((f) => f.ruleId);
const q = (v: unknown): string => JSON.stringify(v);
const at = (r: PolicyReport, ruleId: string): string[] => r.errors.filter((f) => f.ruleId === ruleId).map((f) => f.path);

/** A violation: the rule, how to break a compliant pod template, and the path reported (relative to the pod spec, or `meta:` for the pod metadata). */
type Violation = [rule: string, what: string, mutate: (t: any) => void, path: string];
const c0 = (t: any): any => t.spec.containers[0].securityContext;
const VIOLATIONS: Violation[] = [
  ['pss-host-namespaces', 'hostNetwork', (t) => { t.spec.hostNetwork = true; }, 'hostNetwork'],
  ['pss-host-namespaces', 'hostPID', (t) => { t.spec.hostPID = true; }, 'hostPID'],
  ['pss-host-namespaces', 'hostIPC', (t) => { t.spec.hostIPC = 'yes'; }, 'hostIPC'],
  ['pss-host-process', 'a HostProcess container', (t) => { c0(t).windowsOptions = { hostProcess: true }; }, 'containers[0].securityContext.windowsOptions.hostProcess'],
  ['pss-privileged', 'a privileged container', (t) => { c0(t).privileged = true; }, 'containers[0].securityContext.privileged'],
  ['pss-privileged', 'a privileged init container', (t) => { t.spec.initContainers[0].securityContext.privileged = true; }, 'initContainers[0].securityContext.privileged'],
  ['pss-privileged', 'a privileged ephemeral container', (t) => { t.spec.ephemeralContainers[0].securityContext.privileged = true; }, 'ephemeralContainers[0].securityContext.privileged'],
  ['pss-capabilities', 'capabilities not dropped', (t) => { c0(t).capabilities = { drop: ['NET_RAW'] }; }, 'containers[0].securityContext.capabilities.drop'],
  ['pss-capabilities', 'an added capability', (t) => { c0(t).capabilities.add = ['SYS_ADMIN']; }, 'containers[0].securityContext.capabilities.add'],
  ['pss-capabilities', 'an ephemeral container keeping capabilities', (t) => { delete t.spec.ephemeralContainers[0].securityContext.capabilities; }, 'ephemeralContainers[0].securityContext.capabilities.drop'],
  ['pss-host-path-volumes', 'a hostPath volume', (t) => { t.spec.volumes.push({ name: 'root', hostPath: { path: '/' } }); }, 'volumes[2].hostPath'],
  ['pss-volume-types', 'an nfs volume', (t) => { t.spec.volumes.push({ name: 'nfs', nfs: { server: 'nfs', path: '/' } }); }, 'volumes[2].nfs'],
  ['pss-host-ports', 'a host port', (t) => { t.spec.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]; }, 'containers[0].ports[0].hostPort'],
  ['pss-host-probes', 'a probe with a host', (t) => { t.spec.containers[0].readinessProbe = { httpGet: { host: '10.0.0.1', port: 80 } }; }, 'containers[0].readinessProbe.httpGet.host'],
  ['pss-host-probes', 'a lifecycle hook with a host', (t) => { t.spec.initContainers[0].lifecycle = { preStop: { tcpSocket: { host: 'x', port: 1 } } }; }, 'initContainers[0].lifecycle.preStop.tcpSocket.host'],
  ['pss-apparmor', 'an unconfined AppArmor annotation', (t) => { t.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/agent': 'unconfined' }; }, 'meta:annotations["container.apparmor.security.beta.kubernetes.io/agent"]'],
  ['pss-apparmor', 'an unconfined AppArmor profile', (t) => { c0(t).appArmorProfile = { type: 'Unconfined' }; }, 'containers[0].securityContext.appArmorProfile.type'],
  ['pss-selinux', 'a custom SELinux type', (t) => { t.spec.securityContext.seLinuxOptions = { type: 'spc_t' }; }, 'securityContext.seLinuxOptions.type'],
  ['pss-selinux', 'an SELinux user', (t) => { c0(t).seLinuxOptions = { user: 'root' }; }, 'containers[0].securityContext.seLinuxOptions.user'],
  ['pss-proc-mount', 'an unmasked /proc', (t) => { c0(t).procMount = 'Unmasked'; }, 'containers[0].securityContext.procMount'],
  ['pss-seccomp', 'an unconfined container', (t) => { c0(t).seccompProfile = { type: 'Unconfined' }; }, 'containers[0].securityContext.seccompProfile.type'],
  ['pss-seccomp', 'no profile at either level', (t) => { delete t.spec.securityContext.seccompProfile; delete t.spec.initContainers[0].securityContext.seccompProfile; }, 'initContainers[0].securityContext.seccompProfile'],
  ['pss-seccomp', 'an unconfined pod', (t) => { t.spec.securityContext.seccompProfile = { type: 'Unconfined' }; }, 'securityContext.seccompProfile.type'],
  ['pss-sysctls', 'an unsafe sysctl', (t) => { t.spec.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]; }, 'securityContext.sysctls[0].name'],
  ['pss-privilege-escalation', 'escalation not disabled', (t) => { delete c0(t).allowPrivilegeEscalation; }, 'containers[0].securityContext.allowPrivilegeEscalation'],
  ['pss-privilege-escalation', 'escalation allowed in an ephemeral container', (t) => { t.spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation = true; }, 'ephemeralContainers[0].securityContext.allowPrivilegeEscalation'],
  ['pss-run-as-non-root', 'runAsNonRoot false', (t) => { c0(t).runAsNonRoot = false; }, 'containers[0].securityContext.runAsNonRoot'],
  ['pss-run-as-non-root', 'runAsNonRoot at neither level', (t) => { delete t.spec.securityContext.runAsNonRoot; delete t.spec.initContainers[0].securityContext.runAsNonRoot; }, 'initContainers[0].securityContext.runAsNonRoot'],
  ['pss-run-as-user', 'UID 0', (t) => { c0(t).runAsUser = 0; }, 'containers[0].securityContext.runAsUser'],
  ['pss-run-as-user', 'UID 0 for the pod', (t) => { t.spec.securityContext.runAsUser = 0; }, 'securityContext.runAsUser'],
  ['sandboxed-runtime', 'no runtime class', (t) => { delete t.spec.runtimeClassName; }, 'runtimeClassName'],
  ['sandboxed-runtime', 'runc', (t) => { t.spec.runtimeClassName = 'runc'; }, 'runtimeClassName'],
  ['container-resources', 'no limits', (t) => { delete t.spec.containers[0].resources.limits; }, 'containers[0].resources'],
  ['container-resources', 'an init container without requests', (t) => { delete t.spec.initContainers[0].resources.requests.memory; }, 'initContainers[0].resources'],
  ['env-secret-literal', 'a literal token', (t) => { t.spec.containers[0].env.push({ name: 'SLACK_TOKEN', value: 'xoxb-1' }); }, 'containers[0].env[2].value'],
  ['env-secret-literal', 'a literal password in an init container', (t) => { t.spec.initContainers[0].env = [{ name: 'DB_PASSWORD', value: 'hunter2' }]; }, 'initContainers[0].env[0].value'],
  ['pinned-image', 'latest', (t) => { t.spec.containers[0].image = 'nginx:latest'; }, 'containers[0].image'],
  ['pinned-image', 'no tag in an ephemeral container', (t) => { t.spec.ephemeralContainers[0].image = 'busybox'; }, 'ephemeralContainers[0].image'],
  ['dapr-sidecar-hardening', 'Dapr without sidecar annotations', (t) => { t.metadata.annotations = { 'dapr.io/enabled': 'true' }; }, 'meta:annotations["dapr.io/sidecar-cpu-request"]'],
  ['dapr-sidecar-hardening', 'an unconfined Dapr sidecar', (t) => {
    t.metadata.annotations = {
      'dapr.io/enabled': 'true', 'dapr.io/sidecar-seccomp-profile-type': 'Unconfined', 'dapr.io/sidecar-cpu-request': '100m', 'dapr.io/sidecar-cpu-limit': '1', 'dapr.io/sidecar-memory-request': '64Mi', 'dapr.io/sidecar-memory-limit': '256Mi',
    };
  }, 'meta:annotations["dapr.io/sidecar-seccomp-profile-type"]'],
];

function expectedPath(kind: string, rel: string): string {
  const spec = specPath(kind);
  if (!rel.startsWith('meta:')) return `${spec}.${rel}`;
  const meta = spec.replace(/spec$/, 'metadata');
  return `${meta}.${rel.slice(5)}`;
}

describe('policy rules on every pod-bearing kind', () => {
  test.each(POD_KINDS.map((k) => [k.kind]))('%s: a compliant object passes', (kind) => {
    const report = evaluatePolicy([defaultDeny(), podObject(kind)]);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
  });

  const cases = POD_KINDS.flatMap((k) => VIOLATIONS.map(([rule, what, mutate, rel]) => [k.kind, rule, what, mutate, rel] as const));
  test.each(cases)('%s: %s catches %s', (kind, rule, _what, mutate, rel) => {
    const obj = podObject(kind);
    mutate(templateOf(obj));
    const report = evaluatePolicy([defaultDeny(), obj]);
    expect(report.ok).toBe(false);
    expect(at(report, rule)).toContain(expectedPath(kind, rel));
    const finding = report.errors.find((f) => f.ruleId === rule)!;
    expect(finding.object).toEqual({ index: 1, apiVersion: obj.apiVersion, kind, namespace: NS, name: 'agent' });
    expect(finding.fix).toBe(POLICY_RULES.find((r) => r.id === rule)!.fix);
    expect(finding.message.length).toBeGreaterThan(10);
  });

  test('every rule that applies to pods has a violation case', () => {
    const podRules = ['pss-', 'sandboxed-runtime', 'container-resources', 'env-secret-literal', 'pinned-image', 'dapr-sidecar-hardening'];
    const covered = new Set(VIOLATIONS.map(([r]) => r));
    for (const r of POLICY_RULES.filter((x) => podRules.some((p) => x.id.startsWith(p)))) expect([r.id, covered.has(r.id)]).toEqual([r.id, true]);
  });

  test('a Windows pod is exempt where Pod Security exempts it', () => {
    const obj = podObject('Deployment');
    const t = templateOf(obj);
    t.spec.os = { name: 'windows' };
    for (const c of [...t.spec.containers, ...t.spec.initContainers, ...t.spec.ephemeralContainers]) {
      delete c.securityContext.allowPrivilegeEscalation;
      delete c.securityContext.capabilities;
      delete c.securityContext.seccompProfile;
    }
    delete t.spec.securityContext.seccompProfile;
    expect(evaluatePolicy([defaultDeny(), obj]).findings).toEqual([]);
  });

  test('pod-like objects of unknown groups and PodTemplates are checked too', () => {
    const pod = { ...podObject('Pod'), apiVersion: 'acme.io/v1' };
    pod.spec.hostPID = true;
    const template = { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 't', namespace: NS }, template: compliantTemplate() };
    template.template.spec.containers[0].image = 'busybox';
    expect(evaluatePolicy([defaultDeny(), pod, template]).errors.map((f) => [f.ruleId, f.path])).toEqual([['pss-host-namespaces', 'spec.hostPID'], ['pinned-image', 'template.spec.containers[0].image']]);
  });

  test('unknown kinds with a pod template are checked too (e.g. an Argo Rollout)', () => {
    const obj = { ...podObject('Deployment'), apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' };
    obj.spec.template.spec.containers[0].securityContext.privileged = true;
    expect(at(evaluatePolicy([defaultDeny(), obj]), 'pss-privileged')).toEqual(['spec.template.spec.containers[0].securityContext.privileged']);
  });
});

describe('sandboxed runtime', () => {
  test('agent pods are those of agent-sandbox kinds and those labelled ftekit.dev/workload; others need no runtime class', () => {
    const plain = podObject('Deployment');
    const t = templateOf(plain);
    delete t.spec.runtimeClassName;
    delete t.metadata.labels[AGENT_POD_LABEL];
    expect(evaluatePolicy([defaultDeny(), plain]).findings).toEqual([]);
    const sandbox = podObject('Sandbox');
    delete templateOf(sandbox).spec.runtimeClassName;
    delete templateOf(sandbox).metadata.labels[AGENT_POD_LABEL];
    expect(ruleIds(evaluatePolicy([defaultDeny(), sandbox]))).toEqual(['sandboxed-runtime']);
  });

  test('kata classes, RuntimeClasses with a sandboxed handler, and configured classes count as sandboxed', () => {
    const withClass = (rc: string): any => {
      const o = podObject('Deployment');
      templateOf(o).spec.runtimeClassName = rc;
      return o;
    };
    expect(evaluatePolicy([defaultDeny(), withClass('kata-qemu')]).ok).toBe(true);
    const runtimeClass = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'secure' }, handler: 'runsc' };
    expect(evaluatePolicy([runtimeClass, defaultDeny(), withClass('secure')]).ok).toBe(true);
    expect(ruleIds(evaluatePolicy([defaultDeny(), withClass('secure')]))).toEqual(['sandboxed-runtime']);
    expect(evaluatePolicy([defaultDeny(), withClass('secure')], { sandboxedRuntimeClasses: ['secure'] }).ok).toBe(true);
  });

  test('a RuntimeClass in the input is judged by its handler, not by a sandboxed-looking name', () => {
    const withClass = (rc: string): any => {
      const o = podObject('Deployment');
      templateOf(o).spec.runtimeClassName = rc;
      return o;
    };
    const fake = (name: string): any => ({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name }, handler: 'runc' });
    expect(ruleIds(evaluatePolicy([fake('gvisor'), defaultDeny(), withClass('gvisor')]))).toEqual(['sandboxed-runtime']);
    expect(ruleIds(evaluatePolicy([fake('kata-fake'), defaultDeny(), withClass('kata-fake')]))).toEqual(['sandboxed-runtime']);
    // Without the RuntimeClass in the input the name is all there is to go on.
    expect(evaluatePolicy([defaultDeny(), withClass('gvisor')]).ok).toBe(true);
  });

  test('a pod marked ftekit.dev/unsandboxed with a reason is an excepted finding; without a reason an error', () => {
    const obj = podObject('Sandbox');
    const t = templateOf(obj);
    delete t.spec.runtimeClassName;
    t.metadata.annotations = { [UNSANDBOXED_POD_ANNOTATION]: 'kind cluster on a laptop' };
    const report = evaluatePolicy([defaultDeny(), obj]);
    expect(report.ok).toBe(true);
    expect(report.excepted.map((f) => [f.ruleId, f.reason])).toEqual([['sandboxed-runtime', 'ftekit.dev/unsandboxed: kind cluster on a laptop']]);
    t.metadata.annotations[UNSANDBOXED_POD_ANNOTATION] = ' ';
    expect(ruleIds(evaluatePolicy([defaultDeny(), obj]))).toEqual(['sandboxed-runtime']);
  });

  test('an FteSandbox on the local-development runtime passes with the exception in the report', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      new FteSandbox(c, 'dev', { image: IMAGE, resources: RESOURCES, runtime: SandboxRuntime.unsandboxedForLocalDevelopment('minikube without gVisor') });
    });
    const report = evaluatePolicy(objs);
    expect(report.ok).toBe(true);
    expect(report.excepted).toHaveLength(1);
    expect(formatPolicyReport(report)).toContain('reason: ftekit.dev/unsandboxed: minikube without gVisor');
  });

  test('the engine uses the same label and annotation as the constructs', () => {
    expect(AGENT_POD_LABEL).toBe(WORKLOAD_LABEL);
    expect(UNSANDBOXED_POD_ANNOTATION).toBe(UNSANDBOXED_ANNOTATION);
  });
});

describe('namespaces and network policies', () => {
  test('a namespace with pods and no policy: default deny and egress selection fail, on the Namespace object when there is one', () => {
    const pod = podObject('Deployment');
    expect(evaluatePolicy([pod]).errors.map((f) => [f.ruleId, f.path])).toEqual([
      ['namespace-default-deny', 'metadata.namespace'],
      ['pod-egress-policy', 'spec.template.metadata.labels'],
    ]);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
    const report = evaluatePolicy([ns, pod]);
    expect(report.errors.map((f) => [f.ruleId, f.object.kind])).toEqual([['namespace-default-deny', 'Namespace'], ['pod-egress-policy', 'Deployment']]);
    expect(report.errors[0].message).toContain('no policy selecting all pods denies ingress by default, and no policy selecting all pods denies egress by default');
  });

  test('ingress-only deny, a select-all allow-all rule, and a deny without DNS are caught', () => {
    const pod = podObject('Deployment');
    const ingressOnly = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    expect(ruleIds(evaluatePolicy([ingressOnly, pod]))).toEqual(['namespace-default-deny', 'pod-egress-policy']);
    const openIngress = { ...defaultDeny(), metadata: { name: 'open', namespace: NS }, spec: { podSelector: {}, ingress: [{}] } };
    expect(evaluatePolicy([defaultDeny(), openIngress, pod]).errors[0].message).toContain('networking.k8s.io/v1 NetworkPolicy agents/open selects all pods and allows ingress from anywhere');
    const openEgress = { ...defaultDeny(), metadata: { name: 'open', namespace: NS }, spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] } };
    expect(ruleIds(evaluatePolicy([defaultDeny(), openEgress, pod]))).toEqual(['namespace-default-deny', 'pod-egress-policy']);
    const noDns = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
    expect(ruleIds(evaluatePolicy([noDns, pod]))).toEqual(['namespace-dns-egress']);
    const dnsAnywhere = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] } };
    expect(evaluatePolicy([dnsAnywhere, pod]).ok).toBe(true);
  });

  test('a select-all rule from every namespace cancels the deny; a workload policy allowing all egress does not restrict its pods', () => {
    const pod = podObject('Deployment');
    const fromEverywhere = { ...defaultDeny(), metadata: { name: 'open', namespace: NS }, spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] } };
    expect(ruleIds(evaluatePolicy([defaultDeny(), fromEverywhere, pod]))).toEqual(['namespace-default-deny']);
    const openWorkload = { ...defaultDeny(), metadata: { name: 'agent-open', namespace: NS }, spec: { podSelector: { matchLabels: { [AGENT_POD_LABEL]: 'agent' } }, policyTypes: ['Egress'], egress: [{}] } };
    const report = evaluatePolicy([defaultDeny(), openWorkload, pod]);
    expect(report.errors.map((f) => [f.ruleId, f.message])).toEqual([['pod-egress-policy', 'networking.k8s.io/v1 NetworkPolicy agents/agent-open selects this pod and allows egress to any address on any port, so its egress is not restricted']]);
    const portsOnly = { ...openWorkload, spec: { ...openWorkload.spec, egress: [{ ports: [{ port: 443 }] }] } };
    expect(evaluatePolicy([defaultDeny(), portsOnly, pod]).ok).toBe(true);
  });

  test('api-server-egress: a pod granted API access needs an egress rule that can reach the API server', () => {
    const template = compliantTemplate();
    template.metadata.labels['ftekit.dev/api-access'] = 'true';
    template.spec.automountServiceAccountToken = true;
    const pod = podObject('Deployment', template);
    const allow = (egress: any[]): any => ({ ...defaultDeny(), metadata: { name: 'agent-allowlist', namespace: NS }, spec: { podSelector: { matchLabels: { [AGENT_POD_LABEL]: 'agent' } }, policyTypes: ['Egress'], egress } });
    // DNS and a pod peer only: every API call is dropped.
    const closed = evaluatePolicy([defaultDeny(), allow([{ to: [{ podSelector: { matchLabels: { app: 'pool' } } }], ports: [{ port: 8080 }] }]), pod]);
    expect(closed.errors.map((f) => [f.ruleId, f.path])).toEqual([['api-server-egress', 'spec.template.metadata.labels["ftekit.dev/api-access"]']]);
    expect(closed.errors[0].message).toMatch(/granted API access and mounts its token, but no policy selecting it allows egress to the API server/);
    // An ipBlock on DNS's port is not the API server.
    expect(ruleIds(evaluatePolicy([defaultDeny(), allow([{ to: [{ ipBlock: { cidr: '10.0.0.1/32' } }], ports: [{ port: 53, protocol: 'UDP' }] }]), pod]))).toEqual(['api-server-egress']);
    // The endpoint addresses on their port, or any port.
    expect(evaluatePolicy([defaultDeny(), allow([{ to: [{ ipBlock: { cidr: '172.16.0.2/32' } }], ports: [{ port: 443, protocol: 'TCP' }] }]), pod]).ok).toBe(true);
    expect(evaluatePolicy([defaultDeny(), allow([{ to: [{ ipBlock: { cidr: '172.16.0.2/32' } }] }]), pod]).ok).toBe(true);
    // Cilium: the kube-apiserver entity (or a CIDR); a DNS-only entity rule is not enough.
    const cnp = (egress: any[]): any => ({ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'agent-fqdn', namespace: NS }, spec: { endpointSelector: { matchLabels: { [AGENT_POD_LABEL]: 'agent' } }, egress } });
    expect(evaluatePolicy([defaultDeny(), cnp([{ toEntities: ['kube-apiserver'] }]), pod]).ok).toBe(true);
    expect(evaluatePolicy([defaultDeny(), cnp([{ toCIDR: ['172.16.0.2/32'], toPorts: [{ ports: [{ port: '443', protocol: 'TCP' }] }] }]), pod]).ok).toBe(true);
    expect(ruleIds(evaluatePolicy([defaultDeny(), cnp([{ toEntities: ['cluster'], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] }]), pod]))).toEqual(['api-server-egress']);
    // No token mounted, or no api-access label: the rule does not apply.
    const noToken = compliantTemplate();
    noToken.metadata.labels['ftekit.dev/api-access'] = 'true';
    noToken.spec.automountServiceAccountToken = false;
    expect(evaluatePolicy([defaultDeny(), podObject('Deployment', noToken)]).ok).toBe(true);
    expect(evaluatePolicy([defaultDeny(), podObject('Deployment')]).ok).toBe(true);
  });

  test('api-server-egress on constructs: apiAccess with the API server\'s addresses passes; the same pod with its API egress removed is refused', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      new FteSandbox(c, 'orchestrator', { image: IMAGE, resources: RESOURCES, apiAccess: [ApiAccess.MANAGE_SANDBOX_CLAIMS], apiServer: { cidrs: ['172.16.0.2/32'], port: 443 } });
    });
    expect(evaluatePolicy(objs).findings).toEqual([]);
    const cut = objs.map((o) => (o.kind === 'NetworkPolicy' && o.metadata.name === 'orchestrator-allowlist'
      ? { ...o, spec: { ...o.spec, egress: o.spec.egress.filter((r: any) => !(r.to ?? []).some((p: any) => p.ipBlock)) } } : o));
    expect(ruleIds(evaluatePolicy(cut))).toEqual(['api-server-egress']);
  });

  test('policyTypes defaulting: without policyTypes, Egress applies only with egress rules', () => {
    const pod = podObject('Deployment');
    const implicit = { ...defaultDeny(), spec: { podSelector: {}, egress: defaultDeny().spec.egress } };
    expect(evaluatePolicy([implicit, pod]).ok).toBe(true);
    const ingressImplied = { ...defaultDeny(), spec: { podSelector: {} } };
    expect(ruleIds(evaluatePolicy([ingressImplied, pod]))).toContain('namespace-default-deny');
  });

  test('a CiliumNetworkPolicy can be the default deny (with DNS) and can select pods for egress', () => {
    const pod = podObject('Deployment');
    const cnp = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'deny', namespace: NS },
      spec: { endpointSelector: {}, ingress: [{}], egress: [{ toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kube-system' } }], toPorts: [{ ports: [{ port: '53', protocol: 'ANY' }] }] }] },
    };
    expect(evaluatePolicy([cnp, pod]).findings).toEqual([]);
    const ccnp = { ...cnp, kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'deny' }, spec: { ...cnp.spec, endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': NS } } } };
    expect(evaluatePolicy([ccnp, pod]).findings).toEqual([]);
    const other = { ...ccnp, spec: { ...ccnp.spec, endpointSelector: { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'elsewhere' } } } };
    expect(ruleIds(evaluatePolicy([other, pod]))).toEqual(['namespace-default-deny', 'pod-egress-policy']);
  });

  test('pod-egress-policy matches podSelector labels and expressions, in the pod namespace only', () => {
    const ingressOnly = { ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    const pod = podObject('Deployment');
    const np = (selector: any, ns = NS): any => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'w', namespace: ns }, spec: { podSelector: selector, policyTypes: ['Egress'] } });
    const egressRule = (r: PolicyReport): string[] => at(r, 'pod-egress-policy');
    expect(egressRule(evaluatePolicy([ingressOnly, np({ matchLabels: { [AGENT_POD_LABEL]: 'agent' } }), pod]))).toEqual([]);
    expect(egressRule(evaluatePolicy([ingressOnly, np({ matchExpressions: [{ key: AGENT_POD_LABEL, operator: 'In', values: ['a', 'agent'] }] }), pod]))).toEqual([]);
    expect(egressRule(evaluatePolicy([ingressOnly, np({ matchLabels: { [AGENT_POD_LABEL]: 'other' } }), pod]))).toHaveLength(1);
    expect(egressRule(evaluatePolicy([ingressOnly, np({ matchLabels: { [AGENT_POD_LABEL]: 'agent' } }, 'elsewhere'), pod]))).toHaveLength(1);
    expect(egressRule(evaluatePolicy([ingressOnly, np({ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }), pod]))).toHaveLength(1);
  });

  test('label selectors: In, NotIn, Exists, DoesNotExist; malformed selects nothing', () => {
    const labels = new Map([['a', '1'], ['b', '2']]);
    const sel = (s: any): boolean => selects(compileSelector(s), labels);
    expect(sel({})).toBe(true);
    expect(sel({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['2', '3'] }] })).toBe(true);
    expect(sel({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['2'] }] })).toBe(false);
    expect(sel({ matchExpressions: [{ key: 'c', operator: 'NotIn', values: ['2'] }] })).toBe(true);
    expect(sel({ matchExpressions: [{ key: 'a', operator: 'Exists' }] })).toBe(true);
    expect(sel({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] })).toBe(false);
    expect(sel({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toBe(false);
    expect(sel({ matchLabels: 'a=1' })).toBe(false);
    expect(sel(null)).toBe(false);
  });

  test('cluster-scoped objects carry no namespace, including kinds of CRDs in the set', () => {
    const rc = { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'gvisor', namespace: 'agents' }, handler: 'runsc' };
    expect(evaluatePolicy([rc]).errors.map((f) => [f.ruleId, f.path])).toEqual([['cluster-scoped-namespace', 'metadata.namespace']]);
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.acme.io' }, spec: { group: 'acme.io', scope: 'Cluster', names: { kind: 'Widget' } } };
    const widget = { apiVersion: 'acme.io/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'x' } };
    expect(ruleIds(evaluatePolicy([crd, widget]))).toEqual(['cluster-scoped-namespace']);
    expect(evaluatePolicy([widget]).ok).toBe(true);
  });
});

describe('objects that are not pod templates but reach pods', () => {
  test('v1 List and other *List objects are unwrapped, as kubectl applies their items', () => {
    const bad = podObject('Pod');
    bad.spec.hostNetwork = true;
    const report = evaluatePolicy([defaultDeny(), { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'PodList', items: [bad] }] }]);
    expect(ruleIds(report)).toEqual(['pss-host-namespaces']);
    expect(report.objectCount).toBe(2);
  });

  test('a SandboxClaim: literal secrets in spec.env and pod annotations it adds are checked', () => {
    const claim = {
      apiVersion: 'extensions.agents.x-k8s.io/v1beta1',
      kind: 'SandboxClaim',
      metadata: { name: 'task', namespace: NS },
      spec: {
        sandboxTemplateRef: { name: 'code-exec' },
        env: [{ name: 'LOG_LEVEL', value: 'debug' }, { name: 'OPENAI_API_KEY', value: 'sk-live-123' }],
        additionalPodMetadata: { annotations: { 'container.apparmor.security.beta.kubernetes.io/agent': 'unconfined', 'dapr.io/enabled': 'true' } },
      },
    };
    const report = evaluatePolicy([defaultDeny(), claim]);
    expect(report.errors.map((f) => [f.ruleId, f.path])).toEqual([
      ['pss-apparmor', 'spec.additionalPodMetadata.annotations["container.apparmor.security.beta.kubernetes.io/agent"]'],
      ['env-secret-literal', 'spec.env[1].value'],
      ['dapr-sidecar-hardening', 'spec.additionalPodMetadata.annotations["dapr.io/enabled"]'],
    ]);
    delete (claim.spec as any).additionalPodMetadata;
    claim.spec.env.pop();
    expect(evaluatePolicy([defaultDeny(), claim]).ok).toBe(true);
  });

});

describe('Kubernetes versions', () => {
  const withSysctl = (name: string): any => {
    const o = podObject('Deployment');
    templateOf(o).spec.securityContext.sysctls = [{ name, value: '1' }];
    return o;
  };
  const withSeLinuxType = (type: string): any => {
    const o = podObject('Deployment');
    templateOf(o).spec.securityContext.seLinuxOptions = { type };
    return o;
  };
  const passesAt = (obj: any, version: string): boolean => evaluatePolicy([defaultDeny(), obj], { kubernetesVersion: KubernetesVersion.of(version) }).ok;

  test('by default only the sysctls and SELinux types safe on Kubernetes 1.28 pass', () => {
    expect(evaluatePolicy([defaultDeny(), withSysctl('net.ipv4.ip_unprivileged_port_start')]).ok).toBe(true);
    for (const later of ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_notsent_lowat']) {
      expect([later, ruleIds(evaluatePolicy([defaultDeny(), withSysctl(later)]))]).toEqual([later, ['pss-sysctls']]);
    }
    expect(ruleIds(evaluatePolicy([defaultDeny(), withSeLinuxType('container_engine_t')]))).toEqual(['pss-selinux']);
    expect(evaluatePolicy([defaultDeny(), withSeLinuxType('container_kvm_t')]).ok).toBe(true);
  });

  test('each version allows what its Pod Security allows (k8s.io/pod-security-admission policy checks)', () => {
    // Facts, written out independently of the tables in kubernetes-version.ts.
    const cases: Array<[what: any, allowedFrom: number]> = [
      [withSysctl('net.ipv4.ip_local_reserved_ports'), 28],
      [withSysctl('net.ipv4.tcp_keepalive_time'), 29], [withSysctl('net.ipv4.tcp_keepalive_intvl'), 29], [withSysctl('net.ipv4.tcp_keepalive_probes'), 29], [withSysctl('net.ipv4.tcp_fin_timeout'), 29],
      [withSysctl('net.ipv4.tcp_rmem'), 32], [withSysctl('net.ipv4.tcp_wmem'), 32],
      [withSysctl('net.ipv4.tcp_slow_start_after_idle'), 37], [withSysctl('net.ipv4.tcp_notsent_lowat'), 37],
      [withSysctl('kernel.msgmax'), Infinity], [withSysctl('net.ipv4.tcp_keepalive_*'), Infinity],
      [withSeLinuxType('container_engine_t'), 31], [withSeLinuxType('spc_t'), Infinity],
    ];
    for (const [obj, from] of cases) {
      for (let minor = 28; minor <= 37; minor++) expect([q(obj), minor, passesAt(obj, `1.${minor}`)]).toEqual([q(obj), minor, minor >= from]);
    }
  });

  test('from 1.35 a pod in its own user namespace (hostUsers: false) may run as root; a probe host is refused on every version', () => {
    const root = podObject('Deployment');
    const t = templateOf(root);
    delete t.spec.securityContext.runAsNonRoot;
    t.spec.securityContext.runAsUser = 0;
    t.spec.containers[0].securityContext.runAsNonRoot = false;
    t.spec.hostUsers = false;
    expect(ruleIds(evaluatePolicy([defaultDeny(), root], { kubernetesVersion: KubernetesVersion.of('1.34') }))).toEqual(['pss-run-as-non-root', 'pss-run-as-user']);
    expect(passesAt(root, '1.35')).toBe(true);
    t.spec.hostUsers = true;
    expect(passesAt(root, '1.37')).toBe(false);
    const probe = podObject('Deployment');
    templateOf(probe).spec.containers[0].livenessProbe = { httpGet: { host: '169.254.169.254', port: 80, path: '/' } };
    for (const v of KubernetesVersion.ALL) expect([`${v}`, ruleIds(evaluatePolicy([defaultDeny(), probe], { kubernetesVersion: v }))]).toEqual([`${v}`, ['pss-host-probes']]);
  });

  test('the rule texts say exactly what each version allows', () => {
    const description = (id: string): string => POLICY_RULES.find((r) => r.id === id)!.description;
    /** `a, b (from 1.29 also c, d; from 1.32 also e)` → the first version allowing each name. */
    const since = (text: string): Map<string, number> => {
      const m = /^([^(]*?)(?: \((.*)\))?$/.exec(text)!;
      const out = new Map<string, number>(m[1].split(', ').map((n) => [n, 28]));
      for (const group of (m[2] ?? '').split('; ').filter(Boolean)) {
        const g = /^from 1\.(\d+) also (.*)$/.exec(group)!;
        for (const n of g[2].split(', ')) out.set(n, Number(g[1]));
      }
      return out;
    };
    const sysctls = since(/only the safe sysctls of the Kubernetes version checked: (.*)\.$/.exec(description('pss-sysctls'))![1]);
    expect(sysctls.size).toBe(14);
    const types = since(/seLinuxOptions\.type is empty or one of (.*), and user and role are unset\.$/.exec(description('pss-selinux'))![1]);
    expect(types.size).toBe(4);
    for (const v of KubernetesVersion.ALL) {
      for (const [name, from] of sysctls) expect([name, `${v}`, passesAt(withSysctl(name), `${v}`)]).toEqual([name, `${v}`, v.minor >= from]);
      for (const [type, from] of types) expect([type, `${v}`, passesAt(withSeLinuxType(type), `${v}`)]).toEqual([type, `${v}`, v.minor >= from]);
    }
    expect(description('pss-host-probes')).toContain('checked for every version');
    for (const id of ['pss-run-as-non-root', 'pss-run-as-user']) expect(description(id)).toContain('(from 1.35, a pod with hostUsers: false is exempt)');
  });

  test('versions are named 1.28 to 1.37 (v prefix and patch release accepted); throws when another is asked for', () => {
    expect(KubernetesVersion.ALL.map(String)).toEqual(['1.28', '1.29', '1.30', '1.31', '1.32', '1.33', '1.34', '1.35', '1.36', '1.37']);
    expect(KubernetesVersion.of('v1.32.4')).toBe(KubernetesVersion.of('1.32'));
    expect(KubernetesVersion.FLOOR.toString()).toBe('1.28');
    for (const bad of ['1.27', '1.38', '2.0', 'latest', '', '1.3']) {
      expect(() => KubernetesVersion.of(bad)).toThrow(FteValidationError);
      expect(() => KubernetesVersion.of(bad)).toThrow(`kubernetesVersion: ${JSON.stringify(bad)} is not a supported Kubernetes version; expected 1.28 to 1.37`);
    }
    expect(() => evaluatePolicy([], { kubernetesVersion: '1.99' as any })).toThrow('is not a supported Kubernetes version');
    expect(evaluatePolicy([defaultDeny(), withSysctl('net.ipv4.tcp_rmem')], { kubernetesVersion: '1.32' as any }).ok).toBe(true);
  });
});

describe('exceptions', () => {
  const privileged = (): any => {
    const obj = podObject('Deployment');
    templateOf(obj).spec.containers[0].securityContext.privileged = true;
    return obj;
  };

  test('an exception with a reason suppresses that rule on that object only, and shows in the report', () => {
    const excepted = privileged();
    excepted.metadata.annotations = { 'policy.ftekit.dev/exception.pss-privileged': 'node debugger, approved in SEC-42' };
    const other = privileged();
    other.metadata.name = 'other';
    const report = evaluatePolicy([defaultDeny(), excepted, other]);
    expect(report.errors.map((f) => [f.ruleId, f.object.name])).toEqual([['pss-privileged', 'other']]);
    expect(report.excepted.map((f) => [f.ruleId, f.object.name, f.reason])).toEqual([['pss-privileged', 'agent', 'node debugger, approved in SEC-42']]);
    const text = formatPolicyReport(report);
    expect(text).toContain('EXCEPTED [pss-privileged] apps/v1 Deployment agents/agent');
    expect(text).toContain('reason: node debugger, approved in SEC-42');
    expect(text).toContain('ERROR [pss-privileged] apps/v1 Deployment agents/other');
  });

  test('an exception without a reason, for an unknown rule, or for a rule that cannot be excepted is itself an error', () => {
    const obj = privileged();
    obj.metadata.annotations = {
      'policy.ftekit.dev/exception.pss-privileged': '  ',
      'policy.ftekit.dev/exception.no-such-rule': 'because',
      'policy.ftekit.dev/exception.object-malformed': 'because',
    };
    const report = evaluatePolicy([defaultDeny(), obj]);
    expect(report.errors.map((f) => [f.ruleId, f.path])).toEqual([
      ['policy-exception-invalid', 'metadata.annotations["policy.ftekit.dev/exception.pss-privileged"]'],
      ['policy-exception-invalid', 'metadata.annotations["policy.ftekit.dev/exception.no-such-rule"]'],
      ['policy-exception-invalid', 'metadata.annotations["policy.ftekit.dev/exception.object-malformed"]'],
      ['pss-privileged', 'spec.template.spec.containers[0].securityContext.privileged'],
    ]);
    expect(report.excepted).toEqual([]);
  });

  test('PolicyException.add annotates the object of a construct, where the gate finds it', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      const sb = new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES });
      PolicyException.add(sb, 'pinned-image', ' pinned by digest at deploy time ');
      ApiObject.of(sb).addJsonPatch(JsonPatch.replace('/spec/podTemplate/spec/containers/0/image', 'ghcr.io/acme/agent'));
    });
    expect(one(objs, 'Sandbox').metadata.annotations['policy.ftekit.dev/exception.pinned-image']).toBe('pinned by digest at deploy time');
    const report = evaluatePolicy(objs);
    expect(report.ok).toBe(true);
    expect(report.excepted.map((f) => [f.ruleId, f.object.kind, f.reason])).toEqual([['pinned-image', 'Sandbox', 'pinned by digest at deploy time']]);
  });

  test('throws when PolicyException.add gets an unknown rule, an empty reason, a rule that cannot be excepted, or no ApiObject', () => {
    const c = chart();
    const sb = new FteSandbox(c, 'analyst', { image: IMAGE, resources: RESOURCES });
    expect(() => PolicyException.add(sb, 'pinned-images', 'x')).toThrow(FteValidationError);
    expect(() => PolicyException.add(sb, 'pinned-images', 'x')).toThrow('"pinned-images" is not a policy rule; expected one of');
    expect(() => PolicyException.add(sb, 'pinned-image', ' ')).toThrow('reason " " is empty');
    expect(() => PolicyException.add(sb, 'object-malformed', 'x')).toThrow('cannot be excepted');
    expect(() => PolicyException.add(c, 'pinned-image', 'x')).toThrow('has no default ApiObject child');
  });
});

describe('robustness', () => {
  test('malformed input is reported, never thrown on', () => {
    const bad: unknown[] = [
      null, 42, 'text', [], {},
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x', namespace: 3, labels: 'a', annotations: [] } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: 'oops' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: { spec: { containers: 'nope', volumes: {}, initContainers: [7] } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { securityContext: 'x', containers: [{ name: 'c', securityContext: 'y', env: 'z', ports: 'q', resources: 5 }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' }, spec: { podSelector: 'all', egress: 'x', policyTypes: 'Egress' } },
      { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'n' }, specs: [null, { endpointSelector: [] }] },
    ];
    let report: PolicyReport | undefined;
    expect(() => { report = evaluatePolicy(bad); }).not.toThrow();
    const malformedAt = new Set(report!.errors.filter((f) => f.ruleId === 'object-malformed').map((f) => f.object.index));
    for (const i of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) expect([i, malformedAt.has(i)]).toEqual([i, true]);
    expect(() => formatPolicyReport(report!)).not.toThrow();
    expect(() => evaluatePolicy(undefined as any)).not.toThrow();
    expect(() => evaluatePolicy([podObject('Pod')], null as any)).not.toThrow();
    expect(() => evaluatePolicy([podObject('Pod')], { sandboxedRuntimeClasses: 'gvisor' as any })).not.toThrow();
    const sparse = evaluatePolicy([defaultDeny(), , podObject('Pod')]);
    expect(sparse.errors.map((f) => [f.ruleId, f.object.index])).toEqual([['object-malformed', 1]]);
    expect(evaluatePolicy([]).ok).toBe(true);
  });

  test('linear enough: 10,000 objects (5,000 pods each with its own egress policy) in well under the budget', () => {
    const objs: any[] = [{ ...defaultDeny(), spec: { podSelector: {}, policyTypes: ['Ingress'] } }];
    for (let i = 0; i < 5000; i++) {
      const d = podObject('Deployment', compliantTemplate(), `w${i}`);
      templateOf(d).metadata.labels[AGENT_POD_LABEL] = `w${i}`;
      objs.push(d, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: `w${i}`, namespace: NS }, spec: { podSelector: { matchLabels: { [AGENT_POD_LABEL]: `w${i}` } }, policyTypes: ['Egress'] } });
    }
    const start = Date.now();
    const report = evaluatePolicy(objs);
    const ms = Date.now() - start;
    expect(ruleIds(report).filter((r) => r === 'pod-egress-policy')).toEqual([]);
    expect(ms).toBeLessThan(3000);
  });
});

describe('ftekit output passes', () => {
  test('a DaprWorker passes, and fails without its sidecar annotations', () => {
    const objs = synth((c) => {
      new FteNamespace(c, 'ns');
      new DaprWorker(c, 'worker', { image: IMAGE, resources: { cpu: { request: Cpu.millis(100), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } }, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000) });
    });
    expect(evaluatePolicy(objs).findings).toEqual([]);
    const dep = one(objs, 'Deployment');
    delete dep.spec.template.metadata.annotations['dapr.io/sidecar-seccomp-profile-type'];
    delete dep.spec.template.spec.securityContext.seccompProfile;
    expect(ruleIds(evaluatePolicy(objs))).toEqual(expect.arrayContaining(['dapr-sidecar-hardening']));
    expect(podSpecOf(dep)).toBeDefined();
  });
});

describe('README "Policy" section', () => {
  const readme = fs.readFileSync(path.join(__dirname, '../..', 'README.md'), 'utf8');
  const section = /\n## Policy\n([\s\S]*?)(\n## |$)/.exec(readme)?.[1] ?? '';

  test('lists every rule (id, severity, what, fix) and no other', () => {
    expect(section).not.toBe('');
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning) \| (.*) \| (.*) \|$/gm)].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(rows).toEqual(POLICY_RULES.map((r) => [r.id, r.severity, `${r.description}${r.exceptable ? '' : ' (No exception possible.)'}`, r.fix]));
  });

  test('shows all three entry points and how to make an exception', () => {
    for (const s of ['cdk8s synth', 'npm run check', 'toPassFtekitPolicy', 'PolicyException.add', 'policy.ftekit.dev/exception.']) expect(section).toContain(s);
  });
});

test('literals declared not secret under secret-looking names pass as a visible exception on every workload kind', () => {
  const env = { MAX_TOKENS: EnvValue.fromValue('4096', { notSecret: true }), LOG_LEVEL: EnvValue.fromValue('info') };
  const objs = synth((c) => {
    new FteNamespace(c, 'ns');
    new FteSandbox(c, 'sb', { image: IMAGE, resources: RESOURCES, env });
    new SandboxPool(c, 'pool', { image: IMAGE, resources: RESOURCES, env });
    new DaprWorker(c, 'worker', { image: IMAGE, resources: RESOURCES, env, readiness: Probe.exec(['true']) });
  });
  const report = evaluatePolicy(objs);
  expect(report.ok).toBe(true);
  expect(report.excepted.map((f) => [f.ruleId, f.object.kind, f.reason])).toEqual(['Sandbox', 'SandboxTemplate', 'Deployment'].map((k) => ['env-secret-literal', k, 'declared not secret (EnvValue.fromValue(..., { notSecret: true })): MAX_TOKENS']));
  const plain = synth((c) => { new FteSandbox(c, 'sb', { image: IMAGE, resources: RESOURCES, env: { LOG_LEVEL: EnvValue.fromValue('info') } }); });
  expect(one(plain, 'Sandbox').metadata.annotations).toBeUndefined();
});
