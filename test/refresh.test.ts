import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refreshScores } from '../src/scorecard/refresh.js';
import { formatRefresh } from '../src/format/refresh.js';
import { makeRecord, writeRecord, readEvidence } from '../src/evidence/store.js';
import type { ModelResult } from '../src/verify/verify.js';
import { machineInfo } from '../src/util/machine.js';
import { runCli } from './helpers/cli.js';

const sha = (c: string) => c.repeat(64);
function result(framework: string | undefined, producerName: string, status: ModelResult['status'], referenceKind: ModelResult['referenceKind'], model: string, s: string, backend: ModelResult['backend'] = 'cpu'): ModelResult {
  return {
    model, path: `/x/${model}`, sha256: sha(s), producerName, producerVersion: '1', ...(framework ? { framework } : {}),
    backend, adapter: { kind: backend === 'webgpu' ? 'software' : 'cpu' }, status, meetsExpectation: true, referenceKind,
    referenceSource: 'test', tolerance: { atol: 1e-4, rtol: 1e-3 },
  };
}

const records = [
  makeRecord('verify', machineInfo(), [], [
    result('cntk', 'CNTK', 'pass', 'exporter', 'cntk/a', 'a'),
    result('pytorch', 'pytorch', 'pass', 'exporter', 'pytorch/new', 'b'),
    result('pytorch', 'pytorch', 'load-error', 'exporter', 'pytorch/old', 'c'),
    result('caffe2', 'onnx-caffe2', 'load-error', 'onnx-reference', 'caffe2/x', 'd'),
    result('tensorflow', 'tf2onnx', 'mismatch', 'exporter', 'tf/x', 'e'),
    // A user model without manifest: attributed through the registry's producer names.
    result(undefined, 'Chainer', 'pass', 'user', 'my-chainer.onnx', 'f', 'webgpu'),
    // Passing only against the cpu backend does not verify an export.
    result('paddlepaddle', 'PaddlePaddle', 'pass', 'cpu-backend', 'paddle/x', '1', 'wasm'),
  ]),
];

describe('refresh', () => {
  const strict = refreshScores(records, { policy: 'strict' });
  const cell = (id: string) => strict.cells.find((c) => c.framework === id)!;

  it('scores verified exporters at their level and points to the records', () => {
    expect(cell('cntk').refreshedOnnx).toBe(100);
    expect(cell('cntk').basis).toBe('verified');
    expect(cell('cntk').records).toEqual([records[0]!.id]);
    expect(cell('pytorch').evidence?.failedToLoad).toEqual(['pytorch/old']);
    expect(cell('chainer').basis).toBe('verified');
    expect(cell('chainer').evidence?.backends).toEqual(['webgpu (software)']);
  });

  it('gives documented-only, failing and mismatching exporters 0 under strict, their level under documented', () => {
    expect(cell('mxnet')).toMatchObject({ refreshedOnnx: 0, basis: 'documented only', records: [] });
    expect(cell('caffe2')).toMatchObject({ refreshedOnnx: 0, basis: 'failed today' });
    expect(cell('tensorflow')).toMatchObject({ refreshedOnnx: 0, basis: 'mismatch only' });
    expect(cell('paddlepaddle').basis).toBe('documented only');
    const documented = refreshScores(records, { policy: 'documented' });
    expect(documented.cells.find((c) => c.framework === 'mxnet')!.refreshedOnnx).toBe(100);
    expect(documented.cells.find((c) => c.framework === 'tensorflow')!.refreshedOnnx).toBe(50);
  });

  it('recomputes Platform and overall from the refreshed ONNX value', () => {
    const mx = cell('mxnet');
    // MXNet's Platform criteria are 100, 100, 100, 100, 100: ONNX 100 -> 0 takes 20 points off Platform.
    expect(mx.platform.article! - mx.platform.refreshed!).toBeCloseTo(20, 6);
    expect(mx.overall.article! - mx.overall.refreshed!).toBeCloseTo(20 / 3, 6);
    expect(mx.rank.refreshed).toBeGreaterThan(mx.rank.article!);
  });

  it('renders a markdown table with one row per framework', () => {
    const md = formatRefresh(strict, 'markdown');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| framework'));
    expect(rows).toHaveLength(13);
    expect(md).toMatch(/\| MXNet \| 100 \| 0 \| documented only \|/);
  });

  it('the CLI reads an evidence directory and prints JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'refresh-'));
    try {
      writeRecord(dir, records[0]!);
      expect(readEvidence(dir).records).toHaveLength(1);
      const r = await runCli(['refresh', '--evidence-dir', dir, '--json']);
      expect(r.code).toBe(0);
      const json = JSON.parse(r.stdout) as { cells: { framework: string; refreshedOnnx: number }[] };
      expect(json.cells.find((c) => c.framework === 'cntk')!.refreshedOnnx).toBe(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
