import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refreshScores, STRICT_LEVEL_SHARE } from '../src/scorecard/refresh.js';
import { formatRefresh } from '../src/format/refresh.js';
import { makeRecord, writeRecord, readEvidence } from '../src/evidence/store.js';
import type { ModelResult } from '../src/verify/verify.js';
import { machineInfo } from '../src/util/machine.js';
import { loadCatalog } from '../src/models/catalog.js';
import { gradeEvidence, type KnownExport, type KnownExports } from '../src/scorecard/levels.js';
import { knownExports } from '../src/scorecard/known.js';
import { evidenceOrSnapshot, shippedSnapshotPath, loadShippedSnapshot } from '../src/scorecard/snapshot.js';
import { onnx } from '../src/onnx/proto.js';
import { encodeNpz } from '../src/tensor/npy.js';
import { resolveTargets } from '../src/models/catalog.js';
import { prepareTarget } from '../src/verify/prepare.js';
import { verify } from '../src/verify/verify.js';
import { runCli } from './helpers/cli.js';
import { assemble } from '../src/report/generate.js';
import { loadRegistry } from '../src/scorecard/data.js';
import { computeScorecard } from '../src/scorecard/scores.js';

const catalog = loadCatalog();
const sha = (id: string) => catalog.find((e) => e.manifest.id === id)!.manifest.sha256;

function result(
  model: string,
  status: ModelResult['status'],
  referenceKind: ModelResult['referenceKind'],
  backend: ModelResult['backend'] = 'cpu',
  extra: Partial<ModelResult> = {},
): ModelResult {
  const entry = catalog.find((e) => e.manifest.id === model);
  return {
    model,
    path: `/x/${model}`,
    sha256: entry?.manifest.sha256 ?? 'f'.repeat(64),
    producerName: entry?.manifest.expectedProducer ?? 'x',
    producerVersion: '',
    ...(entry ? { framework: entry.manifest.framework } : {}),
    backend,
    adapter: { kind: backend === 'webgpu' ? 'software' : 'cpu' },
    status,
    meetsExpectation: true,
    referenceKind,
    referenceSource: 'test',
    tolerance: { atol: 1e-4, rtol: 1e-3 },
    ...extra,
  };
}

// Real bundled exports (their sha256 is on record), one per evidence level.
const records = [
  makeRecord(
    'verify',
    machineInfo(),
    [],
    [
      result('cntk/mnist-8', 'pass', 'exporter'), // level 1
      result('caffe2/light-resnet50', 'pass', 'onnx-reference'), // level 2
      result('mxnet/crazyara_tic_tac_toe_bsize1', 'no-reference', 'none'), // level 3
      result('mxnet/crazyara_tic_tac_toe_bsize1', 'pass', 'cpu-backend', 'wasm'),
      result('chainer/menoh_java_and_op', 'load-error', 'none', 'cpu', {
        reason: 'onnxruntime-node 1.30.0 refuses this export: Could not find an implementation for Gemm(1)',
      }), // level 4
      result('tensorflow/keras-dense-tf2onnx', 'mismatch', 'exporter'),
      // PaddlePaddle: only a user model (not of known provenance) passed.
      result('my-paddle.onnx', 'pass', 'user', 'cpu', {
        framework: 'paddlepaddle',
        frameworkBy: 'fingerprint',
        producerName: 'PaddlePaddle',
      }),
    ],
  ),
];

describe('evidence levels', () => {
  const grades = gradeEvidence(records, knownExports(), (r) => r.framework);

  it('grades each framework by its best export of known provenance', () => {
    expect(grades.get('cntk')!.level).toBe(1);
    expect(grades.get('caffe2')!.level).toBe(2);
    expect(grades.get('mxnet')!.level).toBe(3);
    expect(grades.get('mxnet')!.backends).toEqual(['cpu', 'wasm']);
    expect(grades.get('chainer')!.level).toBe(4);
    expect(grades.get('chainer')!.loadFailureReasons[0]).toMatch(/^Could not find an implementation for Gemm\(1\)/);
    expect(grades.get('tensorflow')!.mismatched).toEqual(['tensorflow/keras-dense-tf2onnx']);
  });

  it('carries exporter versions and export dates from the provenance', () => {
    expect(grades.get('chainer')!.exporterVersions).toEqual(['4.3.0']);
    expect(grades.get('chainer')!.exportDates).toEqual(['by 2018-07-30']);
    expect(grades.get('mxnet')!.exporterVersions).toEqual([]);
  });

  it('keeps user models apart: they never grade a framework', () => {
    const p = grades.get('paddlepaddle')!;
    expect(p.level).toBe(5);
    expect(p.exports).toEqual([]);
    expect(p.user).toEqual({ models: ['my-paddle.onnx'], passes: 1, records: [records[0]!.id] });
  });

  it('believes the catalog, not the record: a forged reference kind on a model without reference is level 3 at most', () => {
    const forged = makeRecord(
      'verify',
      machineInfo(),
      [],
      [result('mxnet/crazyara_tic_tac_toe_bsize1', 'pass', 'exporter')],
    );
    expect(gradeEvidence([forged], knownExports(), () => undefined).get('mxnet')!.level).toBe(3);
    // ...and the framework is the catalog's, whatever the record says.
    const renamed = makeRecord(
      'verify',
      machineInfo(),
      [],
      [result('cntk/mnist-8', 'pass', 'exporter', 'cpu', { framework: 'chainer' })],
    );
    const g = gradeEvidence([renamed], knownExports(), (r) => r.framework);
    expect(g.get('cntk')!.level).toBe(1);
    expect(g.get('chainer')).toBeUndefined();
  });

  it('grades a zoo test set of unknown origin as level 2', () => {
    const zoo: KnownExport = {
      sha256: 'a'.repeat(64),
      id: 'zoo/x',
      framework: 'mxnet',
      origin: 'zoo',
      referenceKind: 'exporter',
      exporterVersion: null,
      exportDate: null,
    };
    const known: KnownExports = new Map([[zoo.sha256, zoo]]);
    const r = makeRecord('verify', machineInfo(), [], [{ ...result('zoo/x', 'pass', 'exporter'), sha256: zoo.sha256 }]);
    expect(gradeEvidence([r], known, () => undefined).get('mxnet')!.level).toBe(2);
  });
});

describe('refresh', () => {
  const strict = refreshScores(records, { policy: 'strict' });
  const cell = (id: string) => strict.cells.find((c) => c.framework === id)!;

  it("scores levels 1-3 at the exporter's documented level and levels 4-5 at 0 under strict", () => {
    expect(STRICT_LEVEL_SHARE).toEqual({ 1: 1, 2: 1, 3: 1, 4: 0, 5: 0 });
    expect(cell('cntk')).toMatchObject({
      level: 1,
      refreshedOnnx: 100,
      basis: 'level 1: exporter outputs',
      records: [records[0]!.id],
    });
    expect(cell('caffe2')).toMatchObject({ level: 2, refreshedOnnx: 100 });
    expect(cell('mxnet')).toMatchObject({
      level: 3,
      refreshedOnnx: 100,
      basis: 'level 3: runs, backends agree',
      backends: ['cpu', 'wasm'],
    });
    expect(cell('chainer')).toMatchObject({ level: 4, refreshedOnnx: 0, basis: 'level 4: fails to load today' });
    expect(cell('chainer').explanation).toMatch(/Gemm\(1\).*exporter 4\.3\.0; exported by 2018-07-30/);
    expect(cell('tensorflow')).toMatchObject({ refreshedOnnx: 0, basis: 'mismatch only' });
    expect(cell('pytorch')).toMatchObject({
      level: 5,
      refreshedOnnx: 0,
      basis: 'level 5: documented only',
      records: [],
    });
  });

  it('shows user evidence apart and does not score it', () => {
    expect(cell('paddlepaddle')).toMatchObject({ level: 5, refreshedOnnx: 0, userEvidence: { models: 1, passes: 1 } });
    expect(cell('paddlepaddle').explanation).toMatch(/user models: 1 pass\(es\) of 1 model\(s\), shown apart/);
  });

  it('gives documented levels under documented, with the evidence beside them', () => {
    const documented = refreshScores(records, { policy: 'documented' });
    expect(documented.cells.find((c) => c.framework === 'pytorch')!.refreshedOnnx).toBe(100);
    expect(documented.cells.find((c) => c.framework === 'chainer')!).toMatchObject({ refreshedOnnx: 100, level: 4 });
  });

  it('recomputes Platform and overall from the refreshed ONNX value', () => {
    const py = cell('pytorch');
    // PyTorch's ONNX criterion 100 -> 0 takes 20 points off its Platform mean of five criteria.
    expect(py.platform.article! - py.platform.refreshed!).toBeCloseTo(20, 6);
    expect(py.overall.article! - py.overall.refreshed!).toBeCloseTo(20 / 3, 6);
  });

  it('renders a markdown table with one row per framework and the level', () => {
    const md = formatRefresh(strict, 'markdown');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| framework'));
    expect(rows).toHaveLength(13);
    expect(md).toMatch(/\| MXNet \| 100 \| 100 \| level 3: runs, backends agree \|/);
    expect(md).toMatch(/\| Chainer \| 100 \| 0 \| level 4: fails to load today \|/);
  });

  it('the CLI reads an evidence directory and prints JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'refresh-'));
    try {
      writeRecord(dir, records[0]!);
      expect(readEvidence(dir).records).toHaveLength(1);
      const r = await runCli(['refresh', '--evidence-dir', dir, '--json']);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as {
        cells: { framework: string; refreshedOnnx: number; level: number }[];
        evidenceSource: { kind: string };
      };
      expect(json.cells.find((c) => c.framework === 'cntk')).toMatchObject({ refreshedOnnx: 100, level: 1 });
      expect(json.evidenceSource.kind).toBe('user');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A one-node model (Relu) whose producer_name claims Chainer, with outputs made by "numpy". */
function forgedChainerModel(): Uint8Array {
  const vi = (name: string) => ({
    name,
    type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1 }, { dimValue: 2 }] } } },
  });
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'Chainer',
    producerVersion: '7.8.1',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'Graph',
      node: [{ opType: 'Relu', input: ['x'], output: ['y'] }],
      input: [vi('x')],
      output: [vi('y')],
    },
  }).finish();
}

describe("a user-made model is not proof of a framework's exporter (strict policy)", () => {
  it('a one-node "Chainer" model with numpy-made outputs passes, but does not lift Chainer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'forged-chainer-'));
    try {
      const model = join(dir, 'my-chainer.onnx');
      writeFileSync(model, forgedChainerModel());
      const x = new Float32Array([-1, 2]);
      // What `np.maximum(x, 0)` gives: the user's own reference.
      const io = encodeNpz({
        x: { dtype: 'float32', dims: [1, 2], data: x },
        y: { dtype: 'float32', dims: [1, 2], data: new Float32Array([0, 2]) },
      });
      writeFileSync(join(dir, 'io.npz'), io);
      const [target] = resolveTargets([model]);
      const prepared = prepareTarget(target!, { inputs: join(dir, 'io.npz') });
      expect(prepared.exporter.framework).toBe('chainer');
      const run = await verify([prepared], {
        backends: ['cpu'],
        plan: { warmup: 0, iterations: 1, maxDurationMs: 100 },
      });
      const r = run.results[0]!;
      expect(r).toMatchObject({
        status: 'pass',
        referenceKind: 'user',
        framework: 'chainer',
        frameworkBy: 'fingerprint',
      });
      const record = makeRecord('verify', run.machine, run.backends, run.results);
      const chainer = refreshScores([record], { policy: 'strict' }).cells.find((c) => c.framework === 'chainer')!;
      expect(chainer.refreshedOnnx).toBe(0);
      expect(chainer.level).toBe(5);
      expect(chainer.userEvidence).toMatchObject({ models: 1, passes: 1 });
      // The same pass, claimed as an exporter reference of a bundled-looking record, still counts for nothing:
      // its sha256 is no bundled or zoo export's.
      const claimed = makeRecord('verify', run.machine, run.backends, [
        { ...r, referenceKind: 'exporter', model: 'chainer/menoh_java_mlp' },
      ]);
      expect(
        refreshScores([claimed], { policy: 'strict' }).cells.find((c) => c.framework === 'chainer')!.refreshedOnnx,
      ).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the report uses the same attribution', () => {
  it('keeps a user model that calls itself PaddlePaddle in a row of its own', () => {
    const registry = loadRegistry();
    const data = assemble({
      outDir: '/nonexistent',
      records,
      recordFiles: new Map(),
      catalog,
      registry,
      scorecards: {
        published: computeScorecard({ view: 'as-published' }),
        corrected: computeScorecard({ view: 'corrected' }),
        refreshed: refreshScores(records, { registry }),
      },
    });
    expect(data.matrix.frameworks).toContain('paddlepaddle (user models)');
    const cell = (fw: string) => data.matrix.cells.find((c) => c.framework === fw && c.backend === 'cpu')!;
    expect(cell('paddlepaddle').state).toBe('documented only');
    expect(cell('paddlepaddle (user models)').state).toBe('pass');
    expect(cell('mxnet').counts).toEqual({ 'no-reference': 1 });
  });
});

describe('the shipped evidence snapshot', () => {
  it('is a valid evidence record of the bundled models on cpu and wasm, with its machine and date', () => {
    const { record, source } = loadShippedSnapshot();
    expect(source.kind).toBe('shipped');
    expect(source.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(source.machine).toBeTruthy();
    expect(new Set(record.results.map((r) => r.backend))).toEqual(new Set(['cpu', 'wasm']));
    const bundled = new Set(catalog.filter((e) => !e.manifest.id.startsWith('zoo/')).map((e) => e.manifest.id));
    expect(new Set(record.results.map((r) => r.model))).toEqual(bundled);
    expect(record.results.every((r) => r.sha256 === sha(r.model))).toBe(true);
  });

  it('is used, labelled as shipped, when the evidence folder is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'refresh-empty-'));
    try {
      const loaded = evidenceOrSnapshot(dir, readEvidence(dir));
      expect(loaded.source.kind).toBe('shipped');
      expect(loaded.files.get(loaded.records[0]!.id)).toBe(shippedSnapshotPath());
      const r = await runCli(['refresh', '--evidence-dir', dir, '--json']);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/using the shipped snapshot/);
      const json = JSON.parse(r.stdout) as {
        evidenceSource: { kind: string };
        cells: { framework: string; level: number; refreshedOnnx: number; rank: { refreshed: number } }[];
      };
      expect(json.evidenceSource.kind).toBe('shipped');
      const c = (id: string) => json.cells.find((x) => x.framework === id)!;
      expect(c('mxnet')).toMatchObject({ level: 3, refreshedOnnx: 100 });
      expect(c('paddlepaddle')).toMatchObject({ level: 3, refreshedOnnx: 50 });
      expect(c('chainer')).toMatchObject({ level: 4, refreshedOnnx: 0 });
      expect(c('caffe2').level).toBe(2);
      expect(c('cntk').level).toBe(1);
      expect(c('pytorch').level).toBe(1);
      const table = await runCli(['refresh', '--evidence-dir', dir]);
      expect(table.stdout.replace(/\s+/g, ' ')).toMatch(/SHIPPED evidence snapshot/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('gives frameworks its "verified here" column', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frameworks-empty-'));
    try {
      const json = JSON.parse((await runCli(['frameworks', '--evidence-dir', dir, '--json'])).stdout) as {
        verifiedHere: {
          from: string;
          frameworks: Record<
            string,
            { level: number; exports: number; newestExporterVersion: string | null; backends: string[] }
          >;
        };
      };
      expect(json.verifiedHere.from).toMatch(/SHIPPED snapshot/);
      expect(json.verifiedHere.frameworks.mxnet).toMatchObject({
        level: 3,
        exports: 1,
        newestExporterVersion: null,
        backends: ['cpu', 'wasm'],
      });
      expect(json.verifiedHere.frameworks.chainer).toMatchObject({
        level: 4,
        exports: 2,
        newestExporterVersion: '4.3.0',
      });
      expect(json.verifiedHere.frameworks.neon).toMatchObject({ level: 5, exports: 0 });
      const table = (await runCli(['frameworks', '--evidence-dir', dir])).stdout;
      expect(table).toMatch(/verified here/);
      expect(table).toMatch(/level 3: runs, backends/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is not used when the folder has records of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'refresh-own-'));
    try {
      writeRecord(dir, records[0]!);
      const loaded = evidenceOrSnapshot(dir, readEvidence(dir));
      expect(loaded.source).toEqual({ kind: 'user', path: dir });
      expect(loaded.records.map((r) => r.id)).toEqual([records[0]!.id]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
