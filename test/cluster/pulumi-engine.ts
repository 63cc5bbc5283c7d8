/*
 * The Pulumi engine the live `pulumi preview/up/destroy` tests run, built from Go modules
 * (test/pulumi/go.mod) and cached outside the repository like the control plane:
 *
 * - the CLI, `github.com/pulumi/pulumi/pkg/v3/cmd/pulumi`, at the version of the npm pin of
 *   `@pulumi/pulumi`;
 * - the Kubernetes provider, `github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-
 *   resource-kubernetes`, in a module of its own (test/pulumi/provider/go.mod): its commit
 *   needs the Pulumi SDK it was written for (v3.215.0), whose codegen API the CLI's v3.248.0
 *   changed. Its main package embeds `schema-embed.json` and
 *   `terraform-mapping-embed.json`, which upstream's `go generate` makes and the module does
 *   not ship. `go build -overlay` cannot supply them (Go refuses overlays beneath
 *   GOMODCACHE), so the build copies the module into the cache, generates the two files from
 *   the `schema.json` and `terraform-mapping.json` it does ship, and points a generated
 *   go.work at that copy (`replace`);
 * - a Node.js language host: the official `pulumi-language-nodejs` module is refused by the
 *   Go module proxy, so test/pulumi/nodejs-host (ours) stands in for it.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { buildIntoCache, ControlPlaneError, goAvailable } from './control-plane';

function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'ftekit') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ftekit package.json above ${__dirname}`);
  }
}

/** The repository root. */
export const REPO_ROOT = repoRoot();

/** The Go module that pins the CLI and the language host: test/pulumi/go.mod. */
export const ENGINE_MODULE_DIR = path.join(REPO_ROOT, 'test', 'pulumi');

/** The Go module that pins the Kubernetes provider: test/pulumi/provider/go.mod. */
export const PROVIDER_MODULE_DIR = path.join(ENGINE_MODULE_DIR, 'provider');

/** The CLI version: the npm pin of @pulumi/pulumi (the Go module `github.com/pulumi/pulumi/pkg/v3` at the same tag). */
export const PULUMI_VERSION = '3.248.0';

const PROVIDER_MODULE = 'github.com/pulumi/pulumi-kubernetes/provider/v4';

/**
 * The provider module version: the only one the module proxy serves (the module has no
 * tags, pseudo-versions only). It is not the npm pin of @pulumi/kubernetes (4.34.2): it is
 * an earlier commit, with the Kubernetes 1.33 schema. The engine is told to use it from
 * $PATH (see {@link engineEnv}), whatever version the SDK asks for.
 */
export const PROVIDER_MODULE_VERSION = 'v4.0.0-20260115033456-f47bc2d6f199';

/** The version stamped into the provider (its module version without the leading v). */
export const PROVIDER_VERSION = PROVIDER_MODULE_VERSION.slice(1);

/** Where engine builds are cached, keyed by versions; never in the repository. */
export function engineCacheRoot(): string {
  const base = process.env.FTEKIT_CACHE_DIR ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'ftekit');
  return path.join(base, 'pulumi-engine');
}

/** ldflags of the CLI and the language host (both report the CLI's version). */
function engineLdflags(): string {
  return ['-s', '-w', `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}`, `-X main.version=${PULUMI_VERSION}`].join(' ');
}

/** ldflags of the provider. */
function providerLdflags(): string {
  return ['-s', '-w', `-X ${PROVIDER_MODULE}/pkg/version.Version=${PROVIDER_VERSION}`].join(' ');
}

/** The build's identity: our module files, the Go version and how we build. */
export function engineBuildKey(): string {
  const h = crypto.createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'nodejs-host/main.go', 'provider/go.mod', 'provider/go.sum']) h.update(fs.readFileSync(path.join(ENGINE_MODULE_DIR, f)));
  h.update(execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
  h.update(engineLdflags());
  h.update(providerLdflags());
  return `${PULUMI_VERSION}-${h.digest('hex').slice(0, 16)}`;
}

/** A finished engine build. */
export interface EngineBuild {
  readonly dir: string;
  /** Folder with `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-kubernetes`. */
  readonly binDir: string;
  readonly pulumi: string;
  readonly provider: string;
  /** Seconds the cold build took (from the cache's `.complete`). */
  readonly buildSeconds?: number;
}

function buildAt(dir: string): EngineBuild {
  const secs = /(\d+)s$/.exec(fs.readFileSync(path.join(dir, '.complete'), 'utf8').trim())?.[1];
  return {
    dir,
    binDir: path.join(dir, 'bin'),
    pulumi: path.join(dir, 'bin', 'pulumi'),
    provider: path.join(dir, 'bin', 'pulumi-resource-kubernetes'),
    buildSeconds: secs ? Number(secs) : undefined,
  };
}

/** The cached build for the current versions, if one exists (never builds). */
export function cachedEngine(): EngineBuild | undefined {
  if (!goAvailable()) return undefined;
  const dir = path.join(engineCacheRoot(), engineBuildKey());
  return fs.existsSync(path.join(dir, '.complete')) ? buildAt(dir) : undefined;
}

/**
 * Builds the engine unless a build for the same versions is cached. Builds with
 * `CGO_ENABLED=0`; the CLI with its `grpcnotrace` tag, in one `go build` with the language
 * host so they share compiled packages; then the provider from its own module.
 */
export function ensureEngineBuild(log: (line: string) => void = () => undefined): EngineBuild {
  if (!goAvailable()) throw new ControlPlaneError('Go is not on PATH: the Pulumi engine is built from Go modules (Go 1.26 or later)');
  const dir = path.join(engineCacheRoot(), engineBuildKey());
  buildIntoCache(dir, `the Pulumi engine (CLI v${PULUMI_VERSION}, Kubernetes provider ${PROVIDER_VERSION})`, 'about 45 minutes', log, (tmp) => buildEngine(tmp, log));
  return buildAt(dir);
}

/** The CLI, the language host stand-in and the provider, into `tmp/bin`. */
function buildEngine(tmp: string, log: (line: string) => void): void {
  const started = Date.now();
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' };
  const bin = path.join(tmp, 'bin') + path.sep;

  execFileSync('go', ['build', '-trimpath', '-tags', 'grpcnotrace', '-ldflags', engineLdflags(), '-o', bin, 'github.com/pulumi/pulumi/pkg/v3/cmd/pulumi', './nodejs-host'], {
    cwd: ENGINE_MODULE_DIR, env: { ...env, GOWORK: 'off' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.renameSync(path.join(tmp, 'bin', 'nodejs-host'), path.join(tmp, 'bin', 'pulumi-language-nodejs'));
  log(`CLI and language host built in ${Math.round((Date.now() - started) / 1000)} s`);

  // The provider module, with the two embed files its own build generates.
  const moduleDir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', PROVIDER_MODULE], { cwd: PROVIDER_MODULE_DIR, env: { ...env, GOWORK: 'off', GOFLAGS: '-mod=mod' }, encoding: 'utf8' }).trim();
  const providerCopy = path.join(tmp, 'provider-v4');
  fs.cpSync(moduleDir, providerCopy, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', providerCopy]);
  const cmdDir = path.join(providerCopy, 'cmd', 'pulumi-resource-kubernetes');
  const schema = JSON.parse(fs.readFileSync(path.join(cmdDir, 'schema.json'), 'utf8')) as Record<string, unknown>;
  schema.version = PROVIDER_VERSION;
  fs.writeFileSync(path.join(cmdDir, 'schema-embed.json'), JSON.stringify(schema));
  fs.writeFileSync(path.join(cmdDir, 'terraform-mapping-embed.json'), JSON.stringify(JSON.parse(fs.readFileSync(path.join(cmdDir, 'terraform-mapping.json'), 'utf8'))));
  const work = path.join(tmp, 'go.work');
  fs.writeFileSync(work, `go 1.26.0\n\nuse ${PROVIDER_MODULE_DIR}\n\nreplace ${PROVIDER_MODULE} ${PROVIDER_MODULE_VERSION} => ${providerCopy}\n`);
  execFileSync('go', ['build', '-trimpath', '-ldflags', providerLdflags(), '-o', bin, `${PROVIDER_MODULE}/cmd/pulumi-resource-kubernetes`], {
    cwd: PROVIDER_MODULE_DIR, env: { ...env, GOWORK: work }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  fs.rmSync(providerCopy, { recursive: true, force: true });
  for (const f of ['go.work', 'go.work.sum']) fs.rmSync(path.join(tmp, f), { force: true });
}

/**
 * Environment for every `pulumi` command of the tests: nothing is downloaded (no plugin
 * acquisition, no update check), the local backend under `home`, the provider and language
 * host from the build (on PATH: the provider is not the SDK's requested version, see
 * {@link PROVIDER_MODULE_VERSION}), and a fixed passphrase for the local secrets provider.
 */
export function engineEnv(build: EngineBuild, home: string, kubeconfig: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${build.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    PULUMI_HOME: path.join(home, '.pulumi'),
    PULUMI_BACKEND_URL: `file://${path.join(home, 'state')}`,
    PULUMI_CONFIG_PASSPHRASE: 'ftekit-test-passphrase',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_SKIP_CONFIRMATIONS: 'true',
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    PULUMI_DIY_BACKEND_NO_LEGACY_WARNING: 'true',
    KUBECONFIG: kubeconfig,
    NO_COLOR: '1',
  };
}
