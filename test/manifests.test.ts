import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseManifest, readManifest, STATUSES, type ModelManifest } from '../src/models/manifest.js';
import { loadCatalog, resolveTargets } from '../src/models/catalog.js';
import { decodeModel } from '../src/onnx/model.js';
import { parseNpz } from '../src/tensor/npy.js';
import { BACKEND_IDS } from '../src/backends/types.js';
import { InputError } from '../src/errors.js';

const ROOT = 'models';

function findManifests(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) findManifests(p, out);
    else if (entry.name === 'manifest.json') out.push(p);
  }
  return out;
}

const manifestPaths = findManifests(ROOT).sort();

describe('the bundled models', () => {
  it('there are more than 100 manifests, and the catalog loads all of them', () => {
    expect(manifestPaths.length).toBeGreaterThan(100);
    const catalog = loadCatalog();
    expect(catalog).toHaveLength(manifestPaths.length);
    const ids = catalog.map((e) => e.manifest.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a.localeCompare(b))).toEqual(ids);
  });

  it('every .onnx file below models/ belongs to a manifest', () => {
    const declared = new Set(manifestPaths.map((p) => join(p, '..', readManifest(p).file)));
    const stray: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.onnx') && !declared.has(p)) stray.push(p);
      }
    };
    walk(ROOT);
    expect(stray).toEqual([]);
  });

  it('includes the models other tests rely on', () => {
    const ids = new Set(loadCatalog().map((e) => e.manifest.id));
    for (const id of [
      'cntk/mnist-8',
      'caffe2/light-resnet50',
      'caffe2/light-squeezenet',
      'pytorch/pytorch-converted/test_AvgPool1d',
      'tensorflow/keras-dense-tf2onnx',
      'pytorch/bidi-lstm-pt1.5',
      'pytorch/fresh-gru',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
  });
});

describe.each(manifestPaths.map((p) => [relative(ROOT, join(p, '..')).split(sep).join('/'), p]))(
  '%s',
  (folderId, path) => {
    let m: ModelManifest;

    it('validates against the manifest schema and its id is its folder path', () => {
      m = readManifest(path);
      expect(m.id).toBe(folderId);
      expect(m.framework).toBe(folderId.split('/')[0]);
    });

    it('its model file has the manifest sha256 and producer_name', () => {
      m ??= readManifest(path);
      const modelPath = join(path, '..', m.file);
      expect(existsSync(modelPath), modelPath).toBe(true);
      const bytes = readFileSync(modelPath);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(m.sha256);
      const proto = decodeModel(bytes, modelPath);
      expect(proto.producerName ?? '').toBe(m.expectedProducer);
    });

    it('its reference data exists and is consistent with its kind', () => {
      m ??= readManifest(path);
      const dir = join(path, '..');
      if (m.reference.format === 'none') {
        expect(m.reference.kind).toBe('none');
        return;
      }
      expect(m.reference.kind).not.toBe('none');
      expect(m.reference.path, 'reference.path').toBeTruthy();
      const data = join(dir, m.reference.path!);
      expect(existsSync(data), data).toBe(true);
      if (m.reference.format === 'test_data_set') {
        expect(statSync(data).isDirectory()).toBe(true);
        const files = readdirSync(data);
        expect(
          files.some((f) => /^output_\d+\.pb$/.test(f)),
          `${data} holds output_N.pb`,
        ).toBe(true);
        // Without inputs in the set, the manifest must say how to make them.
        if (!files.some((f) => /^input_\d+\.pb$/.test(f)))
          expect(m.inputRecipe, 'inputRecipe for a set without inputs').toBeDefined();
      } else {
        expect(data.endsWith('.npz')).toBe(true);
        const keys = new Set(parseNpz(readFileSync(data), data).keys());
        for (const key of [...Object.values(m.reference.inputs ?? {}), ...Object.values(m.reference.outputs ?? {})]) {
          expect(keys.has(key), `${data} has array '${key}'`).toBe(true);
        }
      }
    });

    it('its expectations are well formed', () => {
      m ??= readManifest(path);
      if (m.expected.status === 'load-error')
        expect(m.expected.reason?.trim(), 'a load-error expectation has a reason').toBeTruthy();
      for (const [key, e] of Object.entries(m.backendExpected ?? {})) {
        const [backend, adapter, more] = key.split(':');
        expect(BACKEND_IDS as readonly string[]).toContain(backend);
        if (adapter !== undefined) expect(['cpu', 'software', 'hardware', 'unknown']).toContain(adapter);
        expect(more).toBeUndefined();
        expect(STATUSES).toContain(e.status);
        if (e.status !== 'pass') expect(e.reason?.trim(), `${key}: a reason`).toBeTruthy();
      }
      for (const backend of Object.keys(m.backendTolerance ?? {}))
        expect(BACKEND_IDS as readonly string[]).toContain(backend);
    });
  },
);

describe('parseManifest', () => {
  const good = (): Record<string, unknown> =>
    JSON.parse(readFileSync('models/cntk/mnist-8/manifest.json', 'utf8')) as Record<string, unknown>;

  it('accepts a bundled manifest', () => {
    expect(parseManifest(good(), 'good').id).toBe('cntk/mnist-8');
  });

  function rejects(value: unknown, pattern: RegExp): void {
    let thrown: unknown;
    try {
      parseManifest(value, 'manifest-under-test.json');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(InputError);
    const msg = (thrown as Error).message;
    expect(msg).toMatch(/^manifest-under-test\.json: invalid model manifest: /);
    expect(msg).toMatch(pattern);
    expect(msg).not.toContain('\n');
  }

  it('rejects a bad sha256', () => {
    rejects({ ...good(), sha256: 'not-a-hash' }, /\/sha256/);
    rejects({ ...good(), sha256: 'A'.repeat(64) }, /\/sha256/); // upper case
    rejects({ ...good(), sha256: '0'.repeat(63) }, /\/sha256/);
  });

  it('rejects an unknown status', () => {
    rejects({ ...good(), expected: { status: 'flaky' } }, /\/expected\/status/);
    rejects({ ...good(), backendExpected: { webgpu: { status: 'sometimes' } } }, /\/backendExpected\/webgpu\/status/);
  });

  it('rejects missing fields, unknown fields, bad ids and bad tolerances', () => {
    const { sha256: _omit, ...noSha } = good();
    rejects(noSha, /sha256/);
    rejects({ ...good(), surprise: 1 }, /additional properties/);
    rejects({ ...good(), file: 'sub/model.onnx' }, /\/file/);
    rejects({ ...good(), tolerance: { atol: -1, rtol: 0 } }, /\/tolerance\/atol/);
    rejects({ ...good(), reference: { kind: 'guess', format: 'npz' } }, /\/reference\/kind/);
    rejects({ ...good(), inputRecipe: { kind: 'random' } }, /inputRecipe/);
    rejects('not an object', /must be object/);
  });

  it('rejects ids with . or .. segments (an id is a folder path below models/)', () => {
    rejects({ ...good(), id: '../escape' }, /\/id/);
    rejects({ ...good(), id: 'cntk/./mnist-8' }, /\/id/);
  });

  it('readManifest names the file when the JSON is broken', () => {
    expect(() => readManifest('test/fixtures/foundation/f32_2x3.npy')).toThrow(/f32_2x3\.npy: cannot read manifest/);
  });
});

describe('resolveTargets', () => {
  it('resolves an id, a unique last segment, a group and a folder path', () => {
    expect(resolveTargets(['cntk/mnist-8']).map((t) => t.id)).toEqual(['cntk/mnist-8']);
    expect(resolveTargets(['mnist-8']).map((t) => t.id)).toEqual(['cntk/mnist-8']);
    expect(resolveTargets(['cntk/mnist-8/']).map((t) => t.id)).toEqual(['cntk/mnist-8']);
    const caffe2 = resolveTargets(['caffe2']);
    expect(caffe2.length).toBeGreaterThan(5);
    expect(caffe2.every((t) => t.id.startsWith('caffe2/') && t.manifest)).toBe(true);
    expect(resolveTargets(['models/cntk/mnist-8'])[0]!.manifest?.id).toBe('cntk/mnist-8');
    expect(resolveTargets(['cntk/mnist-8', 'mnist-8'])).toHaveLength(1);
  });

  it('refuses an unknown name with an InputError', () => {
    expect(() => resolveTargets(['no/such/model'])).toThrow(InputError);
    expect(() => resolveTargets(['no/such/model'])).toThrow(/^no\/such\/model: no bundled model of that name/);
  });
});
