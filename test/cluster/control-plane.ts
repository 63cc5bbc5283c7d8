/*
 * A live Kubernetes control plane on loopback, built from Go modules: etcd, kube-apiserver,
 * kube-controller-manager, kube-scheduler, kwok (fake nodes and kubelets) and the
 * agent-sandbox controller. Used by `npm run cluster`, the jest global setup of
 * test/cluster/ and `npm run bench -- --cluster`.
 *
 * What is real: the API server (admission incl. PodSecurity, ResourceQuota, LimitRanger,
 * RuntimeClass, ValidatingAdmissionPolicy; CRD schemas and CEL; RBAC), the controllers
 * and the scheduler. What is simulated: kubelets (kwok marks scheduled pods Running and
 * Ready without running a container) and volume provisioning (kwok binds claims to made-up
 * volumes). Nothing enforces network policies, and no container runtime or gVisor runs.
 */
import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { KubeClient } from './kube-client';

/** The repository root: the nearest folder above this file with ftekit's package.json (works from lib/ too). */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ftekit') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ftekit package.json above ${__dirname}`);
  }
}

/** The Go module that pins every component: test/cluster/go.mod. */
export const GO_MODULE_DIR = path.join(repoRoot(), 'test', 'cluster');

/** Default state directory of `npm run cluster`: `$FTEKIT_CLUSTER_DIR`, else beside the build cache. */
export function defaultStateDir(): string {
  return process.env.FTEKIT_CLUSTER_DIR ?? path.join(path.dirname(cacheRoot()), 'cluster');
}

/** Kubernetes release the control plane is built from (must match go.mod). */
export const KUBERNETES_VERSION = 'v1.37.2';

/** Main packages built into binaries, by binary name. */
const COMPONENTS = {
  'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
  'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
  'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
  etcd: 'go.etcd.io/etcd/server/v3',
  kwok: 'sigs.k8s.io/kwok/cmd/kwok',
  'agent-sandbox-controller': 'sigs.k8s.io/agent-sandbox/cmd/agent-sandbox-controller',
} as const;

type Component = keyof typeof COMPONENTS;

/** Start order; `down` stops in reverse. */
const START_ORDER: readonly Component[] = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'agent-sandbox-controller'];

/** Thrown for anything the user must act on; the CLI prints the message without a stack. */
export class ControlPlaneError extends Error {}

/** Where built binaries and module files are cached, keyed by versions; never in the repo. */
export function cacheRoot(): string {
  const base = process.env.FTEKIT_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ftekit');
  return path.join(base, 'control-plane');
}

/** Whether a Go toolchain is on PATH (the live-cluster tests skip without one, except on CI). */
export function goAvailable(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function goVersion(): string {
  return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim();
}

/** ldflags that stamp the Kubernetes version into the servers (unstamped, they report v0.0.0). */
function kubernetesLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split('.');
  const stamp = (pkg: string): string[] => [
    `-X ${pkg}.gitVersion=${KUBERNETES_VERSION}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ];
  return ['-s', '-w', ...stamp('k8s.io/component-base/version'), ...stamp('k8s.io/client-go/pkg/version')].join(' ');
}

/** The build's identity: go.mod, go.sum, the Go version and how we build. */
export function buildKey(): string {
  const h = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum']) h.update(fs.readFileSync(path.join(GO_MODULE_DIR, f)));
  h.update(goVersion());
  h.update(kubernetesLdflags());
  h.update(JSON.stringify(COMPONENTS));
  return `${KUBERNETES_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

/** A finished build: binaries plus the module files the control plane reads at start. */
export interface Build {
  readonly dir: string;
  bin(name: Component): string;
  /** kwok's own stage configurations (node and pod lifecycles), from its module. */
  readonly kwokStages: string[];
  /** The agent-sandbox CRDs of the controller's own release. */
  readonly agentSandboxCrds: string[];
}

function moduleDir(mod: string): string {
  return execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', mod], { cwd: GO_MODULE_DIR, encoding: 'utf8' }).trim();
}

function buildAt(dir: string): Build {
  const read = (sub: string): string[] =>
    fs.readdirSync(path.join(dir, sub)).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, sub, f));
  return {
    dir,
    bin: (name) => path.join(dir, 'bin', name),
    kwokStages: read('kwok-stages'),
    agentSandboxCrds: read('agent-sandbox-crds'),
  };
}

/**
 * Builds the binaries unless a build for the same versions is cached. `log` receives
 * progress lines. Builds with `CGO_ENABLED=0`, as Kubernetes releases are built.
 */
export function ensureBuild(log: (line: string) => void = () => undefined): Build {
  if (!goAvailable()) throw new ControlPlaneError('Go is not on PATH: the live control plane is built from Go modules (Go 1.26 or later)');
  const dir = path.join(cacheRoot(), buildKey());
  buildIntoCache(dir, `the control plane (${KUBERNETES_VERSION})`, '20-40 minutes', log, (tmp) => buildControlPlane(tmp));
  return buildAt(dir);
}

/**
 * Runs `build` into a fresh `<dir>.tmp-<pid>` (with `bin/`) unless `dir` already holds a
 * finished build, then marks it complete and moves it into place, so an interrupted build
 * never looks finished. Shared by the control plane's and the Pulumi engine's builds.
 */
export function buildIntoCache(dir: string, what: string, coldTime: string, log: (line: string) => void, build: (tmp: string) => void): void {
  if (fs.existsSync(path.join(dir, '.complete'))) return;
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, 'bin'), { recursive: true });
  const started = Date.now();
  log(`building ${what} into ${dir}; a cold build takes ${coldTime} on 2 cores`);
  build(tmp);
  const secs = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(path.join(tmp, '.complete'), `${new Date().toISOString()} ${secs}s\n`);
  fs.chmodSync(tmp, 0o755);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  log(`built in ${secs} s`);
}

/** The control plane's binaries, kwok's stage files and the agent-sandbox CRDs, into `tmp`. */
function buildControlPlane(tmp: string): void {
  const env = { ...process.env, CGO_ENABLED: '0' };
  const goBuild = (ldflags: string, names: Component[]): void => {
    execFileSync('go', ['build', '-trimpath', '-ldflags', ldflags, '-o', path.join(tmp, 'bin') + path.sep, ...names.map((n) => COMPONENTS[n])], {
      cwd: GO_MODULE_DIR,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  };
  // One `go build` per ldflags set, so the compiler shares packages across binaries.
  goBuild(kubernetesLdflags(), ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']);
  fs.renameSync(path.join(tmp, 'bin', 'server'), path.join(tmp, 'bin', 'etcd'));
  goBuild('-s -w', ['kwok', 'agent-sandbox-controller']);
  const stagesDir = path.join(moduleDir('sigs.k8s.io/kwok'), 'kustomize', 'stage');
  fs.mkdirSync(path.join(tmp, 'kwok-stages'));
  for (const f of ['node/fast/node-initialize.yaml', 'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml', 'pod/fast/pod-ready.yaml', 'pod/fast/pod-complete.yaml', 'pod/fast/pod-delete.yaml']) {
    fs.copyFileSync(path.join(stagesDir, f), path.join(tmp, 'kwok-stages', path.basename(f)));
  }
  const crdDir = path.join(moduleDir('sigs.k8s.io/agent-sandbox'), 'k8s', 'crds');
  fs.mkdirSync(path.join(tmp, 'agent-sandbox-crds'));
  for (const f of fs.readdirSync(crdDir).filter((x) => x.endsWith('.yaml'))) fs.copyFileSync(path.join(crdDir, f), path.join(tmp, 'agent-sandbox-crds', f));
}

/** Options of {@link up}. */
export interface UpOptions {
  /** Directory for certificates, etcd data, logs, PID files and the kubeconfig. */
  readonly stateDir: string;
  /** Fake nodes per kind (plain, Kata-labelled, GKE Sandbox-labelled and tainted). @default 2 plain, 1 of the others */
  readonly nodes?: { readonly plain?: number; readonly kata?: number; readonly gkeSandbox?: number };
  /** Pods a fake node holds. @default 250 */
  readonly podsPerNode?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/** What a running control plane writes to `<stateDir>/state.json`. */
export interface ControlPlaneState {
  readonly kubeconfig: string;
  readonly server: string;
  readonly pids: Readonly<Record<string, number>>;
  readonly binaries: Readonly<Record<string, string>>;
  readonly dataDir: string;
}

const STATE_FILE = 'state.json';

/** The running control plane recorded in `stateDir`, if any of its processes is alive. */
export function runningState(stateDir: string): ControlPlaneState | undefined {
  const file = path.join(stateDir, STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  const state = JSON.parse(fs.readFileSync(file, 'utf8')) as ControlPlaneState;
  return Object.entries(state.pids).some(([name, pid]) => isOurProcess(pid, state.binaries[name])) ? state : undefined;
}

/** Whether `pid` is alive and runs `binary` (a recycled PID is not ours to kill). */
function isOurProcess(pid: number, binary: string | undefined): boolean {
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
    return binary !== undefined && cmd === binary;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, the API server's serving certificate, an admin client certificate and the service-account key. */
function makePki(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = (name: string): void => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  key('ca');
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=ftekit-local-ca', '-days', '30', '-out', 'ca.crt'], dir);
  const sign = (name: string, subj: string, ext: string): void => {
    key(name);
    openssl(['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`], dir);
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '30', '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  };
  sign(
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\n',
  );
  sign('admin', '/O=system:masters/CN=ftekit-admin', 'extendedKeyUsage=clientAuth\n');
  key('sa');
  openssl(['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function writeKubeconfig(file: string, server: string, pki: string): void {
  const b64 = (f: string): string => fs.readFileSync(path.join(pki, f)).toString('base64');
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: ftekit-local',
      '  cluster:',
      `    server: ${server}`,
      `    certificate-authority-data: ${b64('ca.crt')}`,
      'users:',
      '- name: ftekit-admin',
      '  user:',
      `    client-certificate-data: ${b64('admin.crt')}`,
      `    client-key-data: ${b64('admin.key')}`,
      'contexts:',
      '- name: ftekit-local',
      '  context: { cluster: ftekit-local, user: ftekit-admin }',
      'current-context: ftekit-local',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
}

function tail(file: string, lines = 25): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Stage configuration for volumes: any claim with a storage class is bound to a made-up volume. */
const VOLUME_STAGES = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: { name: ftekit-pvc-provision }
spec:
  resourceRef: { apiGroup: v1, kind: PersistentVolumeClaim }
  selector:
    matchExpressions:
    - cel: { expression: "has(self.spec.storageClassName) && self.spec.storageClassName != ''" }
    - cel: { expression: "!has(self.metadata.deletionTimestamp)" }
    - cel: { expression: "!has(self.spec.volumeName)" }
  steps:
  - apply:
      template: |
        apiVersion: v1
        kind: PersistentVolume
        metadata:
          name: pv-{{ .metadata.uid }}
          annotations: { pv.kubernetes.io/provisioned-by: kwok.x-k8s.io/volume }
        spec:
          accessModes:
          {{ YAML .spec.accessModes 2 }}
          capacity:
          {{ YAML .spec.resources.requests 2 }}
          persistentVolumeReclaimPolicy: Retain
          storageClassName: {{ .spec.storageClassName | Quote }}
          volumeMode: {{ default "Filesystem" .spec.volumeMode | Quote }}
          claimRef:
            apiVersion: v1
            kind: PersistentVolumeClaim
            name: {{ .metadata.name | Quote }}
            namespace: {{ .metadata.namespace | Quote }}
            uid: {{ .metadata.uid | Quote }}
          csi: { driver: volume.kwok.x-k8s.io, volumeHandle: {{ .metadata.uid | Quote }} }
  - patch:
      root: metadata
      template: |
        annotations:
          pv.kubernetes.io/bind-completed: "yes"
          pv.kubernetes.io/bound-by-controller: "yes"
          volume.kubernetes.io/storage-provisioner: kwok.x-k8s.io/volume
  - patch:
      root: spec
      template: |
        volumeName: pv-{{ .metadata.uid }}
  - patch:
      root: status
      subresource: status
      template: |
        phase: Bound
        accessModes:
        {{ YAML .spec.accessModes 1 }}
        capacity:
        {{ YAML .spec.resources.requests 1 }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: { name: ftekit-pv-bind }
spec:
  resourceRef: { apiGroup: v1, kind: PersistentVolume }
  selector:
    matchExpressions:
    - cel: { expression: "!has(self.metadata.deletionTimestamp)" }
    - cel: { expression: "has(self.spec.claimRef.name)" }
    - cel: { expression: "!has(self.status.phase) || !(self.status.phase in ['Bound', 'Released', 'Failed'])" }
  steps:
  - patch:
      root: status
      subresource: status
      template: |
        phase: Bound
`;

/** Fake node objects for kwok to manage. */
function nodeObjects(opts: UpOptions): object[] {
  const counts = { plain: opts.nodes?.plain ?? 2, kata: opts.nodes?.kata ?? 1, gkeSandbox: opts.nodes?.gkeSandbox ?? 1 };
  const pods = String(opts.podsPerNode ?? 250);
  const node = (name: string, labels: Record<string, string>, taints: object[] = []): object => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake' },
      labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': name, type: 'kwok', ...labels },
    },
    spec: { taints },
    status: { allocatable: { cpu: '64', memory: '256Gi', pods }, capacity: { cpu: '64', memory: '256Gi', pods } },
  });
  const out: object[] = [];
  for (let i = 0; i < counts.plain; i++) out.push(node(`ftekit-node-${i}`, {}));
  for (let i = 0; i < counts.kata; i++) out.push(node(`ftekit-kata-${i}`, { 'katacontainers.io/kata-runtime': 'true' }));
  for (let i = 0; i < counts.gkeSandbox; i++) {
    out.push(node(`ftekit-gke-sandbox-${i}`, { 'sandbox.gke.io/runtime': 'gvisor' }, [{ key: 'sandbox.gke.io/runtime', value: 'gvisor', effect: 'NoSchedule' }]));
  }
  return out;
}

/**
 * Starts the control plane in `stateDir` and returns its state. Fails, after stopping
 * what it started, with the failing component's last log lines.
 */
export async function up(opts: UpOptions): Promise<ControlPlaneState> {
  const log = opts.log ?? (() => undefined);
  const stateDir = path.resolve(opts.stateDir);
  const existing = fs.existsSync(stateDir) ? runningState(stateDir) : undefined;
  if (existing) throw new ControlPlaneError(`a control plane is already running from ${stateDir} (kubeconfig ${existing.kubeconfig}); run \`npm run cluster -- down\` first`);
  const build = ensureBuild(log);
  fs.rmSync(stateDir, { recursive: true, force: true });
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const pki = path.join(stateDir, 'pki');
  const dataDir = path.join(stateDir, 'data');
  const logs = path.join(stateDir, 'logs');
  fs.mkdirSync(dataDir);
  fs.mkdirSync(logs);
  makePki(pki);

  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = path.join(stateDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, server, pki);
  const p = (f: string): string => path.join(pki, f);

  const pids: Record<string, number> = {};
  const binaries: Record<string, string> = {};
  const children: ChildProcess[] = [];
  const state = (): ControlPlaneState => ({ kubeconfig, server, pids, binaries, dataDir });
  const save = (): void => fs.writeFileSync(path.join(stateDir, STATE_FILE), JSON.stringify(state(), null, 2));

  const start = (name: Component, args: string[], env: Record<string, string> = {}): ChildProcess => {
    const out = fs.openSync(path.join(logs, `${name}.log`), 'a');
    const child = spawn(build.bin(name), args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
    fs.closeSync(out);
    child.unref();
    if (child.pid === undefined) throw new ControlPlaneError(`${name} did not start`);
    pids[name] = child.pid;
    binaries[name] = build.bin(name);
    fs.writeFileSync(path.join(stateDir, `${name}.pid`), `${child.pid}\n`);
    children.push(child);
    save();
    return child;
  };
  const fail = async (name: string, why: string): Promise<never> => {
    await down(stateDir, { keepData: true });
    throw new ControlPlaneError(`${name} ${why}; last lines of ${path.join(logs, `${name}.log`)}:\n${tail(path.join(logs, `${name}.log`))}`);
  };
  const waitFor = async (name: Component, check: () => Promise<boolean>, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!isOurProcess(pids[name], binaries[name])) await fail(name, 'exited during start-up');
      try {
        if (await check()) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) await fail(name, `was not ready within ${timeoutMs / 1000} s`);
      await sleep(250);
    }
  };

  try {
    log('starting etcd');
    start('etcd', [
      '--name=ftekit',
      `--data-dir=${path.join(dataDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=ftekit=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--quota-backend-bytes=4294967296',
    ]);
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok, 30_000);

    log('starting kube-apiserver');
    start('kube-apiserver', [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      // The lease reconciler refuses loopback addresses; nothing in the cluster dials the
      // `kubernetes` Service here (every component uses the kubeconfig).
      '--endpoint-reconciler-type=none',
      `--secure-port=${apiPort}`,
      `--cert-dir=${pki}`,
      `--tls-cert-file=${p('apiserver.crt')}`,
      `--tls-private-key-file=${p('apiserver.key')}`,
      `--client-ca-file=${p('ca.crt')}`,
      `--service-account-key-file=${p('sa.pub')}`,
      `--service-account-signing-key-file=${p('sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.0.0.0/16',
      '--authorization-mode=Node,RBAC',
      // The default plugins (NamespaceLifecycle, LimitRanger, ServiceAccount, PodSecurity,
      // RuntimeClass, DefaultStorageClass, ResourceQuota, ValidatingAdmissionPolicy, ...) plus NodeRestriction.
      '--enable-admission-plugins=NodeRestriction',
      // kubeadm's setting: privileged pods are then refused by PodSecurity, as on real clusters.
      '--allow-privileged=true',
      '--profiling=false',
      '--max-requests-inflight=800',
      '--max-mutating-requests-inflight=400',
    ]);
    const client = KubeClient.fromKubeconfig(kubeconfig);
    await waitFor('kube-apiserver', async () => (await client.raw('GET', '/readyz')).status === 200, 90_000);

    log('starting kube-controller-manager, kube-scheduler and kwok');
    start('kube-controller-manager', [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
      `--service-account-private-key-file=${p('sa.key')}`,
      `--root-ca-file=${p('ca.crt')}`,
      '--use-service-account-credentials=true',
      '--service-cluster-ip-range=10.0.0.0/16',
      '--kube-api-qps=200',
      '--kube-api-burst=400',
      '--concurrent-deployment-syncs=10',
      '--concurrent-replicaset-syncs=10',
      '--horizontal-pod-autoscaler-sync-period=5s',
      // A pod admitted while the quota admission's cache does not yet hold a quota that was
      // just created is counted only at the controller's full recalculation (default every
      // 5 min): shorter here, so a freshly applied stack's quota usage settles in seconds.
      '--resource-quota-sync-period=10s',
    ]);
    start('kube-scheduler', [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--secure-port=0',
    ]);
    const stageFile = path.join(stateDir, 'kwok-stages.yaml');
    fs.writeFileSync(stageFile, [...build.kwokStages.map((f) => fs.readFileSync(f, 'utf8').trim()), VOLUME_STAGES.trim()].join('\n---\n') + '\n');
    start('kwok', [
      `--kubeconfig=${kubeconfig}`,
      `--config=${stageFile}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      '--cidr=10.244.0.0/16',
      '--node-ip=10.1.0.1',
      `--server-address=127.0.0.1:${await freePort()}`,
    ]);
    for (const n of nodeObjects(opts)) await client.apply(n);
    await client.apply({
      apiVersion: 'storage.k8s.io/v1',
      kind: 'StorageClass',
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kwok.x-k8s.io/volume',
      reclaimPolicy: 'Delete',
      volumeBindingMode: 'Immediate',
    });
    await waitFor('kwok', async () => {
      const nodes = (await client.list('v1', 'Node')).filter((n) => n.metadata.annotations?.['kwok.x-k8s.io/node'] === 'fake');
      return nodes.length > 0 && nodes.every((n) => (n.status?.conditions as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True'));
    }, 60_000);
    await waitFor('kube-controller-manager', async () => (await client.get('v1', 'ServiceAccount', 'default', 'default')) !== undefined, 60_000);

    log('installing the agent-sandbox CRDs and starting its controller');
    for (const f of build.agentSandboxCrds) await client.applyYamlFile(f);
    await client.waitForCrdsEstablished();
    start('agent-sandbox-controller', ['--extensions', '--leader-elect=false', '--metrics-bind-address=0', '--health-probe-bind-address=0'], { KUBECONFIG: kubeconfig });
    // The controller has no readiness endpoint once probes are off: give it a moment and check it stayed up.
    await sleep(1500);
    await waitFor('agent-sandbox-controller', async () => true, 1000);
    save();
    return state();
  } catch (e) {
    if (!(e instanceof ControlPlaneError)) await down(stateDir, { keepData: true });
    throw e;
  }
}

/** Options of {@link down}. */
export interface DownOptions {
  /** Keep the state directory (logs) instead of removing it. @default false */
  readonly keepData?: boolean;
}

/**
 * Stops exactly the processes recorded in `stateDir` (by PID, and only while that PID still
 * runs the recorded binary), then removes the directory. Returns the names of the stopped
 * components.
 */
export async function down(stateDir: string, opts: DownOptions = {}): Promise<string[]> {
  const file = path.join(stateDir, STATE_FILE);
  const stopped: string[] = [];
  if (fs.existsSync(file)) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as ControlPlaneState;
    const names = Object.keys(state.pids).sort((a, b) => START_ORDER.indexOf(b as Component) - START_ORDER.indexOf(a as Component));
    for (const name of names) {
      const pid = state.pids[name];
      if (!isOurProcess(pid, state.binaries[name])) continue;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (isOurProcess(pid, state.binaries[name]) && Date.now() < deadline) await sleep(100);
      if (isOurProcess(pid, state.binaries[name])) process.kill(pid, 'SIGKILL');
      stopped.push(name);
    }
  }
  if (!opts.keepData) fs.rmSync(stateDir, { recursive: true, force: true });
  return stopped;
}
