/**
 * Test cases under a folder tree, the layout onnxruntime's `onnx_test_runner <data_root>` takes:
 * a case is a folder holding a `.onnx` model and `test_data_set_*` folders (or an `.npz`). Case ids
 * are paths relative to the root, with `/`. Folders that look like cases but cannot be run (a
 * `data.json` naming a download, two models) are listed as skipped with the reason, never dropped.
 */
import { existsSync, readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError, errorLine } from '../errors.js';

export interface SuiteCase {
  /** Path relative to the root, `/`-separated (`node/test_abs`). */
  id: string;
  dir: string;
  modelPath: string;
  /**
   * The case's `test_data_set_N` folders in number order, as discovery listed them, so preparing
   * the case does not list its folder again (absent for an .npz case).
   */
  dataSets?: string[];
}

export interface SkippedCase {
  id: string;
  dir: string;
  reason: string;
}

export interface Discovery {
  root: string;
  cases: SuiteCase[];
  skipped: SkippedCase[];
}

/** A folder entry's kind, following symbolic links (a root of linked cases works). */
interface Entry {
  name: string;
  dir: boolean;
  file: boolean;
}

function entriesOf(dir: string): Entry[] {
  return readdirSync(dir, { withFileTypes: true }).map((e: Dirent) => {
    if (!e.isSymbolicLink()) return { name: e.name, dir: e.isDirectory(), file: e.isFile() };
    try {
      const st = statSync(join(dir, e.name));
      return { name: e.name, dir: st.isDirectory(), file: st.isFile() };
    } catch {
      return { name: e.name, dir: false, file: false }; // a dangling link
    }
  });
}

/** Does this folder hold test data (test_data_set_* folders or an .npz)? */
function hasTestData(entries: Entry[]): boolean {
  return entries.some((e) => (e.dir && /^test_data_set_\d+$/.test(e.name)) || (e.file && e.name.endsWith('.npz')));
}

/** The `test_data_set_N` folders among a folder's entries, in number order (as reference.ts's findTestDataSets). */
function dataSetsOf(dir: string, entries: Entry[]): string[] {
  return entries
    .map((e) => ({ e, m: e.dir ? /^test_data_set_(\d+)$/.exec(e.name) : null }))
    .filter((x): x is { e: Entry; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]))
    .map((x) => join(dir, x.e.name));
}

/** `*` any run of characters but `/`, `**` anything, `?` one character; else a plain substring. */
export function filterMatcher(pattern: string): (id: string) => boolean {
  if (!/[*?]/.test(pattern)) return (id) => id.includes(pattern);
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  const rx = new RegExp(`^${re}$`);
  // A pattern without a slash matches the last segment too (`test_abs*` finds `node/test_abs`).
  return pattern.includes('/') ? (id) => rx.test(id) : (id) => rx.test(id) || rx.test(id.split('/').pop() ?? id);
}

/** Every case below `root`, sorted by id; `filter` keeps the ids it matches (comma-separated patterns). */
export function discoverCases(root: string, filter?: string): Discovery {
  const abs = resolve(root);
  if (!existsSync(abs)) throw new InputError(`${root}: no such folder`);
  if (!statSync(abs).isDirectory()) throw new InputError(`${root}: not a folder`);
  const cases: SuiteCase[] = [];
  const skipped: SkippedCase[] = [];
  const idOf = (dir: string) => relative(abs, dir).split(sep).join('/') || '.';
  const walk = (dir: string, depth: number) => {
    let entries: Entry[];
    try {
      entries = entriesOf(dir);
    } catch (e) {
      skipped.push({ id: idOf(dir), dir, reason: `cannot list the folder (${errorLine(e)})` });
      return;
    }
    const models = entries
      .filter((e) => e.file && e.name.endsWith('.onnx'))
      .map((e) => e.name)
      .sort();
    if (models.length && hasTestData(entries)) {
      if (models.length > 1)
        skipped.push({
          id: idOf(dir),
          dir,
          reason: `${models.length} .onnx files (${models.join(', ')}): a case holds one model`,
        });
      else {
        const sets = dataSetsOf(dir, entries);
        cases.push({
          id: idOf(dir),
          dir,
          modelPath: join(dir, models[0]!),
          ...(sets.length ? { dataSets: sets } : {}),
        });
      }
      return; // a case's subfolders are its data
    }
    if (!models.length && entries.some((e) => e.file && e.name === 'data.json') && !entries.some((e) => e.dir)) {
      skipped.push({
        id: idOf(dir),
        dir,
        reason: 'no model here: data.json names a model to download (the workbench downloads nothing)',
      });
      return;
    }
    if (depth > 32) return; // also ends a cycle of links
    for (const e of entries.filter((x) => x.dir).sort((a, b) => a.name.localeCompare(b.name))) {
      if (/^test_data_set_\d+$/.test(e.name)) continue;
      walk(join(dir, e.name), depth + 1);
    }
  };
  walk(abs, 0);
  cases.sort((a, b) => a.id.localeCompare(b.id));
  skipped.sort((a, b) => a.id.localeCompare(b.id));
  if (!filter) return { root: abs, cases, skipped };
  const matchers = filter
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map(filterMatcher);
  const keep = (id: string) => matchers.some((m) => m(id));
  return { root: abs, cases: cases.filter((c) => keep(c.id)), skipped: skipped.filter((s) => keep(s.id)) };
}

/** Is this folder a suite root (cases below it) rather than one model folder? */
export function isSuiteRoot(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isDirectory()) return false;
  const entries = entriesOf(path);
  if (entries.some((e) => e.file && (e.name.endsWith('.onnx') || e.name === 'manifest.json'))) return false;
  return entries.some((e) => e.dir && !/^test_data_set_\d+$/.test(e.name));
}
