/** `verify <root>`: find the cases under test data roots and prepare them, one bad case one result. */
import { InputError } from '../errors.js';
import { discoverCases, isSuiteRoot, type SuiteCase } from '../suite/discover.js';
import { SuiteCases } from '../suite/prepareCases.js';
import type { ModelInputOptions } from './args/inputs.js';
import type { ModelResult } from '../verify/result.js';
import { isInputFailure } from '../verify/source.js';
import { safeText } from '../format/terminal.js';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A suite run (`verify <root>`): its cases (each read when the run reaches it, or ahead while it waits), and where they come from. */
export interface SuiteRun {
  source: SuiteCases;
  /** Cases found (prepared + input errors), for the summary line. */
  cases: number;
  /** The roots, recorded with each result (`suite`). */
  root: string;
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

/** Find the cases under the roots, each to be read when the run reaches it; no case at all is an error. */
export function discoverSuite(roots: string[], opts: SuiteOptions): SuiteRun {
  const cases: SuiteCase[] = [];
  for (const root of roots) {
    const found = discoverCases(root, opts.filter);
    for (const s of found.skipped) if (!opts.quiet) process.stderr.write(`skipped: ${s.id}: ${s.reason}\n`);
    // Ids stay relative to the root named; with several roots they are prefixed by it.
    cases.push(...found.cases.map((c) => (roots.length > 1 ? { ...c, id: `${root.replace(/\/+$/, '')}/${c.id}` } : c)));
  }
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
  return { source, cases: cases.length, root: roots.map((r) => resolve(r)).join(',') };
}
