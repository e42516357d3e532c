// The deploy files against the binary they deploy: deploy/kubernetes/*.yaml parsed (every
// manifest, selectors, probes on the admin port, preStop drain, resources, HPA, PDB, the
// ConfigMap's config file and the Secret's PGRST_* variables read by gateway/config.ts) and
// the Dockerfile (multi-stage, node:20 slim, non-root, HEALTHCHECK through --ready).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { dumpConfig, readyUrl } from '../../gateway/cli.js';
import { loadConfig, parseConfigFile, type AppConfig } from '../../gateway/config.js';

// Compiled to dist/test/unit/deploy.test.js: the repository root is three levels up.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const k8sDir = join(root, 'deploy', 'kubernetes');

type Doc = Record<string, unknown>;
/** A path into parsed YAML, failing the test with the path when something is missing. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const p of path) {
    assert.ok(v !== null && typeof v === 'object', `missing ${path.join('.')}`);
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}
const str = (value: unknown, ...path: (string | number)[]): string => {
  const v = at(value, ...path);
  assert.equal(typeof v, 'string', `${path.join('.')} should be a string`);
  return v as string;
};

const manifests: Doc[] = readdirSync(k8sDir)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(k8sDir, f), 'utf8')).map((d) => {
      assert.equal(d.errors.length, 0, `${f}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Doc;
    }),
  );
const byKind = (kind: string): Doc => {
  const found = manifests.filter((m) => m['kind'] === kind);
  assert.equal(found.length, 1, `exactly one ${kind} in deploy/kubernetes`);
  return found[0]!;
};

/** Every option name the binary knows: what --dump-config prints. */
const KNOWN_OPTIONS = new Set(parseConfigFile(dumpConfig(loadConfig({ env: {} }))).keys());
const optionOfEnv = (name: string): string => name.slice('PGRST_'.length).toLowerCase().replace(/_/g, '-');

describe('deploy/kubernetes', () => {
  const deployment = byKind('Deployment');
  const pod = at(deployment, 'spec', 'template', 'spec');
  const containers = at(pod, 'containers') as Doc[];
  assert.equal(containers.length, 1);
  const container = containers[0]!;
  const configMap = byKind('ConfigMap');
  const secret = byKind('Secret');
  const configFile = str(configMap, 'data', 'gateway.conf');

  /** The config the pod's binary reads: the mounted file, then the Secret's environment. */
  function podConfig(): AppConfig {
    const args = at(container, 'args') as string[];
    const mount = (at(container, 'volumeMounts') as Doc[]).find((m) => m['name'] === 'config');
    assert.ok(mount !== undefined, 'the config volume is mounted');
    assert.equal(args[0], `${str(mount, 'mountPath')}/gateway.conf`, 'the binary is given the mounted config file');
    const volume = (at(pod, 'volumes') as Doc[]).find((v) => v['name'] === 'config');
    assert.equal(str(volume, 'configMap', 'name'), str(configMap, 'metadata', 'name'));
    const dir = mkdtempSync(join(tmpdir(), 'deploy-test-'));
    try {
      const file = join(dir, 'gateway.conf');
      writeFileSync(file, configFile);
      const env = { ...(at(secret, 'stringData') as Record<string, string>) };
      return loadConfig({ file, env });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('the config file and the Secret only set options the binary reads', () => {
    for (const key of parseConfigFile(configFile).keys()) assert.ok(KNOWN_OPTIONS.has(key), `unknown option ${key} in the ConfigMap`);
    for (const name of Object.keys(at(secret, 'stringData') as Doc)) {
      assert.match(name, /^PGRST_/);
      assert.ok(KNOWN_OPTIONS.has(optionOfEnv(name)), `unknown option ${name} in the Secret`);
    }
    const envFrom = at(container, 'envFrom') as Doc[];
    assert.ok(envFrom.some((e) => at(e, 'secretRef', 'name') === str(secret, 'metadata', 'name')), 'the Secret is the container\'s environment');
    const config = podConfig();
    assert.ok(config.dbReadUris.length > 0 && config.dbUri.startsWith('postgresql://'));
  });

  test('container ports are the config\'s server-port and admin-server-port', () => {
    const config = podConfig();
    const ports = new Map((at(container, 'ports') as Doc[]).map((p) => [str(p, 'name'), at(p, 'containerPort')]));
    assert.equal(ports.get('http'), config.serverPort);
    assert.equal(ports.get('admin'), config.adminServerPort);
    // Probes come from the node, traffic from other pods: neither may listen on loopback only.
    for (const host of [config.serverHost, config.adminServerHost]) assert.ok(!host.startsWith('127.') && host !== 'localhost' && host !== '::1', host);
  });

  test('readiness is /ready and liveness /live on the admin port; preStop drains; resources are set', () => {
    assert.equal(str(container, 'readinessProbe', 'httpGet', 'path'), '/ready');
    assert.equal(str(container, 'readinessProbe', 'httpGet', 'port'), 'admin');
    assert.equal(str(container, 'livenessProbe', 'httpGet', 'path'), '/live');
    assert.equal(str(container, 'livenessProbe', 'httpGet', 'port'), 'admin');
    const preStop = at(container, 'lifecycle', 'preStop', 'exec', 'command') as string[];
    assert.ok(preStop.length > 0);
    const grace = at(pod, 'terminationGracePeriodSeconds') as number;
    const wait = Number(preStop[preStop.length - 1]);
    assert.ok(wait > 0 && wait < grace, 'preStop leaves time for the SIGTERM drain');
    for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(at(container, 'resources', kind, r) !== undefined, `resources.${kind}.${r}`);
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true);
  });

  test('Service, HPA and PDB select and target the Deployment', () => {
    const labels = at(deployment, 'spec', 'template', 'metadata', 'labels') as Record<string, string>;
    assert.deepEqual(at(deployment, 'spec', 'selector', 'matchLabels'), labels);
    const service = byKind('Service');
    for (const [k, v] of Object.entries(at(service, 'spec', 'selector') as Record<string, string>)) assert.equal(labels[k], v, `Service selector ${k}`);
    assert.equal(str((at(service, 'spec', 'ports') as Doc[])[0], 'targetPort'), 'http');
    const pdb = byKind('PodDisruptionBudget');
    for (const [k, v] of Object.entries(at(pdb, 'spec', 'selector', 'matchLabels') as Record<string, string>)) assert.equal(labels[k], v, `PDB selector ${k}`);
    const hpa = byKind('HorizontalPodAutoscaler');
    assert.equal(str(hpa, 'spec', 'scaleTargetRef', 'kind'), 'Deployment');
    assert.equal(str(hpa, 'spec', 'scaleTargetRef', 'name'), str(deployment, 'metadata', 'name'));
    const metrics = at(hpa, 'spec', 'metrics') as Doc[];
    assert.ok(metrics.some((m) => at(m, 'resource', 'name') === 'cpu'), 'the HPA scales on CPU');
    assert.ok((at(hpa, 'spec', 'minReplicas') as number) >= 2);
  });

  test('kustomization.yaml lists every manifest', () => {
    const kustomization = parseAllDocuments(readFileSync(join(k8sDir, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as Doc;
    const files = readdirSync(k8sDir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    assert.deepEqual([...(at(kustomization, 'resources') as string[])].sort(), files);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const instructions = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const all = (op: string): string[] => instructions.filter((l) => l.toUpperCase().startsWith(op + ' ')).map((l) => l.slice(op.length + 1).trim());

  test('multi-stage on node:20 slim, running as a non-root user', () => {
    const froms = all('FROM');
    assert.ok(froms.length >= 2, 'a build stage and a runtime stage');
    for (const f of froms) assert.match(f, /^node:20[-.\w]*-slim\b/);
    const users = all('USER');
    assert.ok(users.length > 0 && !['root', '0'].includes(users[users.length - 1]!), 'the runtime runs as a non-root user');
  });

  test('HEALTHCHECK runs --ready, which can reach the admin server the image configures', () => {
    const [health] = all('HEALTHCHECK');
    assert.ok(health !== undefined);
    assert.match(health, /CMD \[.*"dist\/gateway\/main\.js", "--ready"\]/);
    const env: Record<string, string> = {};
    for (const e of all('ENV')) for (const m of e.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
    const config = loadConfig({ env });
    const url = readyUrl(config);
    assert.ok(url !== null, 'admin-server-port and a concrete admin-server-host are set');
    const exposed = all('EXPOSE').flatMap((e) => e.split(/\s+/)).map(Number);
    assert.ok(exposed.includes(config.serverPort) && exposed.includes(config.adminServerPort!), `EXPOSE ${exposed.join(' ')}`);
    // The Kubernetes pod uses the same ports.
    assert.equal(new URL(url).port, String(config.adminServerPort));
  });
});
