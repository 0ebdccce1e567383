/**
 * Issue 8: a seeded slice of the fuzz sweep (`node bench/fuzz.mjs` runs >= 1000 cases). Mutated
 * bundled models go through inspect (loadModel + summarize) and prepare; a few that load go
 * through verify on the cpu backend. Nothing may crash (only WorkbenchErrors with one line) or hang.
 * The cases come from bench/fuzzCases.mjs, which runs the built code (dist/): build first.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from './helpers/cli.js';

interface FuzzCase {
  index: number;
  seedModel: string;
  mutation: string;
  detail: string;
  model: Uint8Array;
  files: unknown[];
}
interface Seed {
  id: string;
  bytes: Uint8Array;
  testData: unknown[];
}
interface Inspected {
  stage: string;
  outcome: 'ok' | 'refused' | 'crash';
  kind: string;
  message?: string;
  prepared?: { target: { id: string } };
}
interface Verified {
  outcome: 'result' | 'crash';
  status: string;
  reason: string;
}
interface FuzzApi {
  loadSeeds(): Seed[];
  makeCase(seeds: Seed[], seed: number, index: number): FuzzCase;
  materializeCase(c: FuzzCase, dir: string): string;
  inspectCase(modelPath: string, id?: string): Inspected;
  verifyCases(prepared: unknown[], options?: { timeoutMs?: number }): Promise<Map<string, Verified>>;
  resultKind(r: Verified): string;
  rng(seed: number): () => number;
  MUTATIONS: Record<
    string,
    (r: () => number, s: Seed, seeds: Seed[]) => { detail: string; model: Uint8Array; files?: unknown[] } | null
  >;
}

const SEED = 8;
const CASES = 400;
const VERIFY = 24;

let fc: FuzzApi;
let seeds: Seed[];
let dir: string;
const oldLimit = process.env.ONNX_WORKBENCH_MAX_ELEMENTS;

beforeAll(async () => {
  // A variable path keeps TypeScript from resolving the plain-JS module; FuzzApi types it.
  const modulePath = pathToFileURL(join(repoRoot, 'bench', 'fuzzCases.mjs')).href;
  fc = (await import(modulePath)) as FuzzApi;
  seeds = fc.loadSeeds();
  dir = mkdtempSync(join(tmpdir(), 'owb-fuzz-test-'));
  process.env.ONNX_WORKBENCH_MAX_ELEMENTS = String(16 * 1024 * 1024); // as the sweep: keeps generated inputs small
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (oldLimit === undefined) delete process.env.ONNX_WORKBENCH_MAX_ELEMENTS;
  else process.env.ONNX_WORKBENCH_MAX_ELEMENTS = oldLimit;
});

describe('fuzz slice', () => {
  it(`${CASES} seeded cases: inspect and prepare refuse with one line or succeed, never crash or stall; ${VERIFY} verify on cpu`, async () => {
    const kinds = new Map<string, number>();
    const mutations = new Set<string>();
    const prepared: NonNullable<Inspected['prepared']>[] = [];
    const crashes: string[] = [];
    for (let i = 0; i < CASES; i++) {
      const c = fc.makeCase(seeds, SEED, i);
      mutations.add(c.mutation.split('+')[0]!);
      const path = fc.materializeCase(c, join(dir, `case-${i}`));
      // CPU time, not wall time: a pathological case (a decoding or validation blow-up) burns CPU, while a
      // loaded machine only stretches the wall clock.
      const cpu0 = process.cpuUsage();
      const r = fc.inspectCase(path, `fuzz/case-${i}`);
      const used = process.cpuUsage(cpu0);
      const ms = (used.user + used.system) / 1000;
      const what = `case ${i} (${c.seedModel} ${c.mutation}: ${c.detail})`;
      if (r.outcome === 'crash') crashes.push(`${what}: ${r.message}`);
      expect(ms, `${what} took ${ms.toFixed(0)} ms of CPU`).toBeLessThan(5000);
      kinds.set(`${r.stage}: ${r.kind}`, (kinds.get(`${r.stage}: ${r.kind}`) ?? 0) + 1);
      if (r.outcome === 'refused') {
        expect(r.message, what).not.toContain('\n');
        expect(r.message, what).not.toMatch(/^\s+at /m);
      }
      if (r.prepared && prepared.length < VERIFY) prepared.push(r.prepared);
    }
    expect(crashes).toEqual([]);
    // The slice reaches far: many mutations, many ways to refuse, and some models that still load.
    expect(mutations.size).toBeGreaterThanOrEqual(15);
    expect([...kinds.keys()].filter((k) => !k.endsWith(': ok')).length).toBeGreaterThanOrEqual(10);
    expect(kinds.get('prepare: ok') ?? 0).toBeGreaterThanOrEqual(VERIFY);

    const results = await fc.verifyCases(prepared, { timeoutMs: 30_000 });
    expect(results.size).toBe(prepared.length);
    for (const [id, res] of results) {
      expect(res.outcome, `${id}: ${res.reason}`).toBe('result');
      expect([
        'pass',
        'mismatch',
        'load-error',
        'run-error',
        'no-reference',
        'timeout',
        'unsupported',
        'input-error',
        'nondeterministic',
      ]).toContain(res.status);
    }
  }); // vitest's limit (test/vitest.config.ts) catches a hang; a fixed 60 s failed on a loaded machine

  it('cases are a pure function of (seed, index)', () => {
    for (const i of [0, 17, 99]) {
      const a = fc.makeCase(seeds, SEED, i);
      const b = fc.makeCase(seeds, SEED, i);
      expect(Buffer.from(a.model).equals(Buffer.from(b.model))).toBe(true);
      expect(a.detail).toBe(b.detail);
    }
  });

  it('every external-data variant that leaves the folder, or is missing or out of range, is refused', () => {
    const mustRefuse = [
      'missing',
      'dotdot',
      'dotdot-passwd',
      'absolute',
      'absolute-inside',
      'symlink-out',
      'symlink-passwd',
      'symlink-loop',
      'offset-beyond',
      'length-beyond',
      'bad-offset',
      'negative-length',
      'no-location',
      'directory',
      'nul',
      'length-short',
      'backslash-dotdot',
    ];
    const mustLoad = ['valid', 'valid-offset', 'symlink-in'];
    const seen = new Set<string>();
    const r = fc.rng(SEED);
    const small = seeds.filter((s) => s.bytes.length < 100_000);
    for (let k = 0; k < 2000 && seen.size < mustRefuse.length + mustLoad.length; k++) {
      const s = small[k % small.length]!;
      const out = fc.MUTATIONS['external-data']!(r, s, seeds);
      if (!out) continue;
      const variant = out.detail.split(': ').pop()!;
      if (seen.has(variant)) continue;
      seen.add(variant);
      const c: FuzzCase = {
        index: k,
        seedModel: s.id,
        mutation: 'external-data',
        detail: out.detail,
        model: out.model,
        files: out.files ?? [],
      };
      const path = fc.materializeCase(c, join(dir, `ext-${variant}`));
      const res = fc.inspectCase(path);
      if (mustRefuse.includes(variant)) {
        expect(res.outcome, `${variant}: ${res.message ?? res.kind}`).toBe('refused');
        expect(res.kind, `${variant}: ${res.message}`).toBe('external-data');
      } else {
        expect(res.stage === 'prepare' || res.outcome === 'ok', `${variant}: ${res.message}`).toBe(true);
      }
    }
    expect([...seen].sort()).toEqual([...mustRefuse, ...mustLoad].sort());
  });
});
