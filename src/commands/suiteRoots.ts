/** `verify <root>`: find the cases under test data roots and prepare them, one bad case one result. */
import { InputError } from '../errors.js';
import { discoverCases, isSuiteRoot, type SuiteCase } from '../suite/discover.js';
import type { SkippedFolder } from '../evidence/store.js';
import { SuiteCases } from '../suite/prepareCases.js';
import type { ModelInputOptions } from './args/inputs.js';
import type { ModelResult } from '../verify/result.js';
import { isInputFailure } from '../verify/source.js';
import { safeText } from '../format/terminal.js';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A suite run (`verify <root>`): its cases (each read when the run reaches it, or ahead while it waits), and where they come from. */
export interface SuiteRun {
  source: SuiteCases;
  /** Cases found (prepared + input errors), for the summary line. */
  cases: number;
  /** The roots, recorded with each result (`suite`). */
  root: string;
  /** Folders that look like cases but cannot run, with the reason: printed, in --json and in the record. */
  skipped: SkippedFolder[];
  /** Replaces the verify table (and --json's run) with another view of the results (conformance). */
  view?: { render(results: ModelResult[]): string; json(results: ModelResult[]): unknown };
}

/** A bundled-style tree (manifest.json files) is a group of bundled models, not a suite root. */
function holdsManifests(dir: string, depth = 0): boolean {
  if (depth > 4) return false;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (entries.some((e) => e.isFile() && e.name === 'manifest.json')) return true;
  return entries.some(
    (e) => e.isDirectory() && !/^test_data_set_\d+$/.test(e.name) && holdsManifests(join(dir, e.name), depth + 1),
  );
}

export function suiteRoots(names: string[]): string[] {
  return names.filter((n) => existsSync(n) && isSuiteRoot(n) && !holdsManifests(n));
}

export type SuiteOptions = ModelInputOptions & { filter?: string; quiet?: boolean; json?: boolean };

/**
 * When every name is a test data root: discover and prepare its cases (null otherwise, and the
 * names go the usual way). `--filter` without a root is a usage error.
 */
export function prepareSuiteRoots(names: string[], opts: SuiteOptions): SuiteRun | null {
  const roots = suiteRootsFor(names, opts);
  return roots ? discoverSuite(roots, opts) : null;
}

/** The roots when every name is a test data root (null otherwise); the options' usage errors, before any case is found. */
export function suiteRootsFor(names: string[], opts: SuiteOptions): string[] | null {
  const roots = suiteRoots(names);
  if (roots.length === 0 || roots.length !== names.length) {
    if (opts.filter)
      throw new InputError(
        '--filter applies to test data roots (a folder of cases, each a folder with a .onnx and test_data_set_*)',
      );
    return null;
  }
  if (opts.inputs) throw new InputError('--inputs applies to one model, not to a test data root');
  return roots;
}

/**
 * The cases under the roots, in the order named. Ids stay relative to the root named; with several
 * roots they are prefixed by it. A case reached again (a root named twice, or one inside another)
 * runs once, under its first id; the repeat is said, as a skipped folder is.
 */
export function casesOfRoots(roots: string[], filter?: string): { cases: SuiteCase[]; skipped: SkippedFolder[] } {
  const cases: SuiteCase[] = [];
  const skipped: SkippedFolder[] = [];
  const firstId = new Map<string, string>(); // a model's real path -> the id it runs under
  const prefixed = (root: string, id: string) => (roots.length > 1 ? `${root.replace(/\/+$/, '')}/${id}` : id);
  for (const root of roots) {
    const found = discoverCases(root, filter);
    skipped.push(...found.skipped.map((s) => ({ id: prefixed(root, s.id), reason: s.reason })));
    for (const c of found.cases) {
      const id = prefixed(root, c.id);
      // Within one root discovery searches each real folder once; only a second root can reach a case again.
      const key = roots.length > 1 ? realModelPath(c.modelPath) : c.modelPath;
      const first = firstId.get(key);
      if (first !== undefined) skipped.push({ id, reason: `the same case as ${first} (named twice): run once` });
      else {
        firstId.set(key, id);
        cases.push(id === c.id ? c : { ...c, id });
      }
    }
  }
  return { cases, skipped };
}

function realModelPath(path: string): string {
  try {
    return realpathSync.native(path);
  } catch {
    return resolve(path); // unreadable: preparing the case says so
  }
}

/** Find the cases under the roots, each to be read when the run reaches it; no case at all is an error. */
export function discoverSuite(roots: string[], opts: SuiteOptions): SuiteRun {
  const { cases, skipped } = casesOfRoots(roots, opts.filter);
  // Folder names are the user's (or a hostile archive's): no terminal controls reach the terminal.
  if (!opts.quiet) for (const s of skipped) process.stderr.write(`skipped: ${safeText(s.id)}: ${safeText(s.reason)}\n`);
  if (cases.length === 0)
    throw new InputError(
      `${roots.join(', ')}: no test cases${opts.filter ? ` match --filter ${opts.filter}` : ' (a case is a folder with a .onnx model and test_data_set_* folders or an .npz)'}`,
    );
  // Each case is read when the run first needs it (or ahead, while the command waits for a worker);
  // one that cannot be read is an input-error result in its place.
  const source = new SuiteCases(cases, { ...(opts.dim ? { dims: opts.dim } : {}), seed: opts.seed }, (item) => {
    if (isInputFailure(item)) return;
    for (const w of item.warnings) process.stderr.write(`warning: ${safeText(item.target.id)}: ${safeText(w)}\n`);
  });
  return { source, cases: cases.length, root: roots.map((r) => resolve(r)).join(','), skipped };
}
