/**
 * Issue 14, data loss and evidence integrity: evidence writes that never leave a truncated record
 * (short writes and write errors injected; a real full and a real read-only tmpfs when the tests
 * run as root), the folder probed before a run, results printed before a failed record's error,
 * reading commands refusing a missing folder, `report --out` never deleting what the workbench did
 * not write, implausible records skipped by name and unable to hide a later real result, manifest
 * trust, and a broken catalog manifest skipped with a warning.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EvidenceWriteError,
  makeRecord,
  nodeIo,
  probeEvidenceDir,
  readEvidence,
  writeRecord,
  type EvidenceRecord,
  type WriteIo,
} from '../src/evidence/store.js';
import { aggregateEvidence } from '../src/evidence/aggregate.js';
import { latestResults } from '../src/report/data.js';
import { catalogProblems, loadCatalog, resolveTargets, setCatalogProblemHandler } from '../src/models/catalog.js';
import { prepareTarget } from '../src/verify/prepare.js';
import type { ModelResult } from '../src/verify/verify.js';
import { machineInfo } from '../src/util/machine.js';
import { repoRoot, runCli } from './helpers/cli.js';
import { expectRefused } from './helpers/errors.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'owb-safety-ev-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const sha = (c: string) => c.repeat(64);
function result(model: string, status: ModelResult['status'], s = 'a', extra: Partial<ModelResult> = {}): ModelResult {
  return {
    model,
    path: `/x/${model}`,
    sha256: sha(s),
    producerName: 'CNTK',
    producerVersion: '1',
    framework: 'cntk',
    backend: 'cpu',
    adapter: { kind: 'cpu' },
    status,
    meetsExpectation: status === 'pass',
    referenceKind: 'exporter',
    referenceSource: 'test',
    tolerance: { atol: 1e-4, rtol: 1e-3 },
    ...extra,
  };
}
const record = (results: ModelResult[], createdAt?: string): EvidenceRecord => ({
  ...makeRecord('verify', machineInfo(), [], results),
  ...(createdAt ? { createdAt } : {}),
});
const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('evidence writes: every byte or nothing', () => {
  it('a short write that makes no progress: temp file removed, nothing renamed, the path named', () => {
    const d = join(dir, 'short');
    let calls = 0;
    const io: WriteIo = {
      ...nodeIo,
      writeSync: (fd, b, o, l) => (++calls === 1 ? nodeIo.writeSync(fd, b, o, Math.min(l, 100)) : 0),
    };
    const r = record([result('cntk/a', 'pass')]);
    let thrown: unknown;
    try {
      writeRecord(d, r, io);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EvidenceWriteError);
    expect((thrown as EvidenceWriteError).exitCode).toBe(2);
    expect((thrown as Error).message).toContain(join(d, `${r.id}.json`));
    expect((thrown as Error).message).toMatch(/short write: 100 of \d+ bytes/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('short writes that do progress are looped until every byte is written', () => {
    const d = join(dir, 'partial-writes');
    const io: WriteIo = { ...nodeIo, writeSync: (fd, b, o, l) => nodeIo.writeSync(fd, b, o, Math.min(l, 7)) };
    const path = writeRecord(d, record([result('cntk/a', 'pass')]), io);
    expect(readEvidence(d).records).toHaveLength(1);
    expect(JSON.parse(readFileSync(path, 'utf8')).id).toBeTruthy();
  });

  it('ENOSPC in the middle, or a failing fsync: the cause is named and nothing is left', () => {
    for (const io of [
      {
        ...nodeIo,
        writeSync: (fd: number, b: Uint8Array, o: number, l: number) => {
          if (o > 0) throw enospc();
          return nodeIo.writeSync(fd, b, o, Math.min(l, 50));
        },
      },
      {
        ...nodeIo,
        fsyncSync: () => {
          throw Object.assign(new Error('EIO'), { code: 'EIO' });
        },
      },
    ]) {
      const d = mkdtempSync(join(dir, 'fail-'));
      expect(() => writeRecord(d, record([result('cntk/a', 'pass')]), io)).toThrow(
        /no space left on the device|input\/output error/,
      );
      expect(readdirSync(d)).toEqual([]);
    }
  });

  it('the probe names a read-only file system, a full disk, or a file in the way', () => {
    const rofs: WriteIo = {
      ...nodeIo,
      openSync: (() => {
        throw Object.assign(new Error('EROFS'), { code: 'EROFS' });
      }) as WriteIo['openSync'],
    };
    const d = join(dir, 'probe');
    expect(() => probeEvidenceDir(d, rofs)).toThrow(
      new RegExp(`evidence folder ${d} is not writable: read-only file system`),
    );
    const full: WriteIo = {
      ...nodeIo,
      writeSync: () => {
        throw enospc();
      },
    };
    expect(() => probeEvidenceDir(d, full)).toThrow(/no space left on the device/);
    expect(readdirSync(d)).toEqual([]);
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(() => probeEvidenceDir(join(file, 'evidence'))).toThrow(EvidenceWriteError);
    probeEvidenceDir(join(dir, 'fresh'));
    expect(readdirSync(join(dir, 'fresh'))).toEqual([]);
  });
});

/** Mounting a tmpfs needs root; as root these run against a real full and a real read-only file system. */
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  const d = mkdtempSync(join(tmpdir(), 'owb-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
})();

describe.runIf(canMount)('a real full or read-only evidence folder (tmpfs, as root)', () => {
  const mounts: string[] = [];
  const mount = (opts: string): string => {
    const d = mkdtempSync(join(tmpdir(), 'owb-tmpfs-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', d]);
    mounts.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of mounts) {
      try {
        execFileSync('umount', [d]);
      } catch {
        /* already */
      }
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('full before the run: refused before any model runs, exit 2, folder and cause named', async () => {
    const d = mount('size=64k');
    try {
      writeFileSync(join(d, 'filler'), Buffer.alloc(128 * 1024));
    } catch {
      /* filled up */
    }
    const r = await runCli(['verify', 'cntk/mnist-8', '--evidence-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`evidence folder ${d} is not writable: no space left on the device`));
    expect(r.stderr).not.toMatch(/\[1\//); // nothing ran
    expect(readdirSync(d)).toEqual(['filler']);
  });

  it('a folder a file system will not create (under /proc): one line, exit 2, no hang', async () => {
    // Node's recursive mkdir never returns for such a path; the workbench creates each folder itself.
    const r = await runCli(['verify', 'cntk/mnist-8', '--evidence-dir', '/proc/onnx-workbench-nope/records']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/evidence folder \/proc\/onnx-workbench-nope\/records is not writable: no such file/);
    expect(r.stderr).not.toMatch(/\[1\//); // nothing ran
  });

  it('read-only: refused before the run', async () => {
    const d = mount('size=64k,ro');
    const r = await runCli(['verify', 'cntk/mnist-8', '--evidence-dir', d]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/read-only file system/);
  });

  it('room for the probe but not the record: the results print first, then one line naming the record, exit 2, nothing left', async () => {
    const d = mount('size=48k');
    const r = await runCli(['verify', 'pytorch/pytorch-operator', '--evidence-dir', d, '-q'], { timeoutMs: 300_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/of 35 pass; .*0 unexpected results/); // the results, printed before the error
    expect(r.stdout).not.toMatch(/evidence:/);
    expect(r.stderr.trim().split('\n').pop()).toMatch(
      new RegExp(`cannot write the evidence record ${d}/.*\\.json: no space left on the device`),
    );
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('reading commands refuse a folder that does not exist', () => {
  it('evidence list, refresh and report: exit 2, one line; the last report is kept', async () => {
    const missing = join(dir, 'evidnece');
    for (const args of [
      ['evidence', 'list', '--dir', missing],
      ['evidence', 'show', 'x', '--dir', missing],
      ['refresh', '--evidence-dir', missing],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`${missing}: no such evidence folder`);
    }
    const out = join(dir, 'kept-report');
    mkdirSync(out);
    writeFileSync(join(out, 'index.html'), 'the last report');
    writeFileSync(join(out, '.onnx-workbench-report'), '');
    const r = await runCli(['report', '--evidence-dir', missing, '--out', out]);
    expect(r.code).toBe(2);
    expect(readFileSync(join(out, 'index.html'), 'utf8')).toBe('the last report');
  });
});

describe('report --out never deletes what the workbench did not write', () => {
  it('refuses a non-empty folder that is not an earlier report (., evidence), and replaces its own', async () => {
    const ev = join(dir, 'report-evidence');
    writeRecord(ev, record([result('cntk/a', 'pass')]));
    const before = readdirSync(ev);
    const project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'thesis.tex'), 'years of work');
    for (const [out, cwd] of [
      ['.', project],
      [ev, repoRoot],
    ] as const) {
      const r = await runCli(['report', '--evidence-dir', ev, '--out', out], { cwd });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/not an earlier onnx-workbench report/);
    }
    expect(readFileSync(join(project, 'thesis.tex'), 'utf8')).toBe('years of work');
    expect(readdirSync(ev)).toEqual(before);
    const out = join(dir, 'site');
    expect((await runCli(['report', '--evidence-dir', ev, '--out', out])).code).toBe(0);
    expect(existsSync(join(out, '.onnx-workbench-report'))).toBe(true);
    expect((await runCli(['report', '--evidence-dir', ev, '--out', out])).code).toBe(0); // its own: replaced
    writeFileSync(join(out, 'my-notes.md'), 'mine');
    const r = await runCli(['report', '--evidence-dir', ev, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/files the workbench did not write \(my-notes\.md\)/);
    expect(readFileSync(join(out, 'my-notes.md'), 'utf8')).toBe('mine');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);
  });
});

describe('evidence plausibility and order', () => {
  it('a future-dated or impossible record is skipped by name; an unknown sha256 for a known model is warned about', () => {
    const d = join(dir, 'implausible');
    const future = writeRecord(d, record([result('cntk/a', 'pass')], '2099-01-01T00:00:00.000Z'));
    const impossible = writeRecord(
      d,
      record([result('cntk/b', 'pass', 'b', { comparison: { ok: false, outputs: [], missing: [] } as never })]),
    );
    const stats = writeRecord(
      d,
      record([
        result('cntk/c', 'pass', 'c', {
          latency: {
            sessionCreateMs: 1,
            firstRunMs: 1,
            stats: { n: 3, min: 5, mean: 4, p50: 3, p90: 6, p99: 6, max: 6, stdev: 1 },
          } as never,
        }),
      ]),
    );
    const fine = writeRecord(d, record([result('cntk/mnist-8', 'pass', 'e')]));
    const read = readEvidence(d, { knownModels: new Map([['cntk/mnist-8', sha('f')]]) });
    expect(read.records).toHaveLength(1);
    const why = new Map(read.rejected.map((r) => [r.file, r.reason]));
    expect(why.get(future)).toMatch(/in the future/);
    expect(why.get(impossible)).toMatch(/cntk\/b .*pass but its comparison failed/);
    expect(why.get(stats)).toMatch(/latency p50 3 below min 5/);
    expect(read.warnings).toEqual([
      { file: fine, reason: expect.stringMatching(/known model with a sha256 that is not its own/) },
    ]);
  });

  it('a record dated ahead of its writing cannot hide a later real result', async () => {
    const d = join(dir, 'order');
    // Dropped in first, dated 9 minutes ahead (inside the clock-skew allowance): a forged pass.
    const ahead = new Date(Date.now() + 9 * 60 * 1000).toISOString();
    const forged = writeRecord(d, record([result('cntk/a', 'pass')], ahead));
    // Its mtime forged into the future too: ordering uses ctime, which the writer cannot set.
    utimesSync(forged, new Date(Date.now() + 3600_000), new Date(Date.now() + 3600_000));
    await new Promise((r) => setTimeout(r, 50));
    writeRecord(d, record([result('cntk/a', 'mismatch')])); // the real, later run
    const { records } = readEvidence(d);
    expect(records.map((r) => r.results[0]!.status)).toEqual(['pass', 'mismatch']);
    expect(latestResults(records).map((x) => x.result.status)).toEqual(['mismatch']);
    const cntk = aggregateEvidence(records).get('cntk')!;
    expect(cntk.verified).toEqual([]);
    expect(cntk.mismatched).toEqual(['cntk/a']);
  });
});

describe('manifest trust', () => {
  const copy = (name: string): string => {
    const d = join(dir, name);
    cpSync(join(repoRoot, 'models', 'cntk', 'mnist-8'), d, { recursive: true });
    return d;
  };

  it('a manifest.json beside a user-named model is ignored with a warning; --manifest trusts one', () => {
    const d = copy('mnist-copy');
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(
      join(d, 'manifest.json'),
      JSON.stringify({ ...m, framework: 'mxnet', tolerance: { atol: 1e30, rtol: 1e30 } }),
    );
    for (const name of [d, join(d, 'model.onnx')]) {
      const [t] = resolveTargets([name]);
      expect(t!.manifest).toBeUndefined();
      expect(t!.notes![0]).toMatch(/manifest\.json is not a bundled model's manifest and is not trusted/);
      const p = prepareTarget(t!);
      expect(p.tolerance.atol).toBeLessThan(1);
      expect(p.referenceKind).toBe('user');
      expect(p.warnings.join(' ')).toMatch(/not trusted/);
    }
    const [t] = resolveTargets([d], undefined, { manifest: join(d, 'manifest.json') });
    expect(t!.manifestSource).toBe('user');
    expect(t!.manifest!.framework).toBe('mxnet');
  });

  it('a manifest whose sha256 differs from its file is refused', () => {
    const d = copy('mnist-other-sha');
    const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, sha256: sha('0') }));
    const [t] = resolveTargets([d], undefined, { manifest: join(d, 'manifest.json') });
    expect(expectRefused(() => prepareTarget(t!), join(d, 'model.onnx')).message).toMatch(
      /differs from its manifest's/,
    );
  });

  it('a bundled model named by its path is the catalog entry (trusted)', () => {
    const [t] = resolveTargets([join(repoRoot, 'models', 'cntk', 'mnist-8')]);
    expect(t!.manifestSource).toBe('catalog');
    expect(t!.id).toBe('cntk/mnist-8');
  });

  it('one broken manifest in the catalog is skipped with a warning naming it', () => {
    const root = join(dir, 'catalog');
    cpSync(join(repoRoot, 'models', 'cntk', 'mnist-8'), join(root, 'cntk', 'mnist-8'), { recursive: true });
    mkdirSync(join(root, 'cntk', 'broken'));
    writeFileSync(join(root, 'cntk', 'broken', 'manifest.json'), '{ "id": ');
    const seen: string[] = [];
    setCatalogProblemHandler((p) => seen.push(p.file));
    try {
      expect(loadCatalog(root).map((e) => e.manifest.id)).toEqual(['cntk/mnist-8']);
      expect(catalogProblems(root).map((p) => p.file)).toEqual([join(root, 'cntk', 'broken', 'manifest.json')]);
      expect(seen).toEqual([join(root, 'cntk', 'broken', 'manifest.json')]);
    } finally {
      setCatalogProblemHandler((p) => process.stderr.write(`warning: skipped ${p.file}: ${p.reason}\n`));
    }
  });
});
