/**
 * Test cases under a folder tree, the layout onnxruntime's `onnx_test_runner <data_root>` takes:
 * a case is a folder holding a `.onnx` model and `test_data_set_*` folders (or an `.npz`). Case ids
 * are paths relative to the root, with `/`. ONNX's light models (onnx/backend/test/data/light since
 * ONNX 1.13: `light_x.onnx` with `light_x_output_0.pb` beside it, for the inputs arange(n)/n) are
 * cases too, `light/light_x`. Folders that look like cases but cannot be run (a `data.json` naming a
 * download, two models, a model without test data) are listed as skipped with the reason, never dropped.
 * Links are followed, but each real folder is searched once: a link back to a folder above it (a
 * cycle) or a second link to one folder is listed as skipped, naming the id it is listed under.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  /** An ONNX light model: its outputs are `<stem>_output_N.pb` beside it, for the inputs arange(n)/n. */
  light?: boolean;
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

/** Is `<x>.onnx` an ONNX light model: `<x>_output_0.pb` beside it (in its folder's `entries`)? */
function isLightModel(name: string, entries: Entry[]): boolean {
  const outputs = `${name.slice(0, -'.onnx'.length)}_output_0.pb`;
  return entries.some((e) => e.file && e.name === outputs);
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

/** How deep below the root discovery looks for cases. */
const MAX_DEPTH = 32;

/** What Node's readdir puts for the bytes of a name that are not UTF-8; such a path cannot be opened. */
const NOT_UTF8 = '\uFFFD';
const NOT_UTF8_REASON = 'its name is not valid UTF-8, which Node cannot open by name: rename it';

/** The one-line reason a folder cannot be listed; a name that is not UTF-8 says so. */
function listingError(dir: string, e: unknown): string {
  if (dir.includes(NOT_UTF8) && (e as NodeJS.ErrnoException).code === 'ENOENT') return NOT_UTF8_REASON;
  return errorLine(e);
}

/** Every case below `root`, sorted by id; `filter` keeps the ids it matches (comma-separated patterns). */
export function discoverCases(root: string, filter?: string): Discovery {
  const abs = resolve(root);
  if (!existsSync(abs)) throw new InputError(`${root}: no such folder`);
  if (!statSync(abs).isDirectory()) throw new InputError(`${root}: not a folder`);
  const cases: SuiteCase[] = [];
  const skipped: SkippedCase[] = [];
  const idOf = (dir: string) => relative(abs, dir).split(sep).join('/') || '.';
  /** Real path of each folder searched -> the id it was searched under. */
  const searched = new Map<string, string>();
  const walk = (dir: string, depth: number) => {
    let entries: Entry[];
    try {
      const real = realpathSync.native(dir); // one realpath(3), not an lstat per path component
      const first = searched.get(real);
      if (first !== undefined) {
        const id = idOf(dir);
        const cycle = first === '.' || id.startsWith(`${first}/`);
        skipped.push({
          id,
          dir,
          reason: cycle
            ? `a link back to ${first === '.' ? 'the root' : first}, a folder above it (a cycle): not searched again`
            : `the same folder as ${first} (a link): its cases are listed once, under ${first}`,
        });
        return;
      }
      searched.set(real, idOf(dir));
      entries = entriesOf(dir);
    } catch (e) {
      skipped.push({ id: idOf(dir), dir, reason: `cannot list the folder (${listingError(dir, e)})` });
      return;
    }
    const onnxFiles = entries.filter((e) => e.file && e.name.endsWith('.onnx')).map((e) => e.name);
    // A model whose name is not UTF-8 cannot be opened: said, and the folder's other models still count.
    for (const name of onnxFiles.filter((m) => m.includes(NOT_UTF8)))
      skipped.push({ id: idOf(dir), dir, reason: `${name}: ${NOT_UTF8_REASON}` });
    const models = onnxFiles.filter((m) => !m.includes(NOT_UTF8)).sort();
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
    // Models without test data sets: an ONNX light model is a case of its own; any other is said, not dropped.
    for (const name of models) {
      const stem = name.slice(0, -'.onnx'.length);
      const id = idOf(dir) === '.' ? stem : `${idOf(dir)}/${stem}`;
      if (isLightModel(name, entries)) cases.push({ id, dir, modelPath: join(dir, name), light: true });
      else
        skipped.push({
          id,
          dir,
          reason: `${name} has no test data beside it (test_data_set_* folders, an .npz, or ${stem}_output_N.pb as ONNX's light models have)`,
        });
    }
    if (!models.length && entries.some((e) => e.file && e.name === 'data.json') && !entries.some((e) => e.dir)) {
      skipped.push({ id: idOf(dir), dir, reason: dataJsonReason(dir, abs, idOf) });
      return;
    }
    for (const e of entries.filter((x) => x.dir).sort((a, b) => a.name.localeCompare(b.name))) {
      if (/^test_data_set_\d+$/.test(e.name)) continue;
      if (depth >= MAX_DEPTH) {
        const sub = join(dir, e.name);
        skipped.push({
          id: idOf(sub),
          dir: sub,
          reason: `more than ${MAX_DEPTH} folders below the root: not searched`,
        });
      } else walk(join(dir, e.name), depth + 1);
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

/**
 * Why a folder with only a data.json is not a case. ONNX's `real/` cases name a model to download
 * (ONNX 1.12: an https URL) or, since ONNX 1.13, a light model of the ONNX repository
 * (`onnx/backend/test/data/light/light_x.onnx`), which is then a case of its own where it is found.
 */
function dataJsonReason(dir: string, root: string, idOf: (d: string) => string): string {
  const download = 'no model here: data.json names a model to download (the workbench downloads nothing)';
  let url: unknown;
  try {
    const file = join(dir, 'data.json');
    if (statSync(file).size > 64 * 1024) return download;
    url = (JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown }).url;
  } catch {
    return download;
  }
  if (typeof url !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(url)) return download;
  // A light model of the ONNX repository: look for its part below `onnx/backend/test/data/` from here up.
  const light = /(?:^|\/)onnx\/backend\/test\/data\/(light\/[\w.-]+\.onnx)$/.exec(url);
  if (!light)
    return `no model here: data.json names ${JSON.stringify(url).slice(0, 200)}, neither a download nor an ONNX light model`;
  const rel = light[1]!;
  for (let a = dir; ; a = dirname(a)) {
    const found = join(a, rel);
    if (existsSync(found)) {
      const inside = !relative(root, found).startsWith('..');
      const caseId = inside ? idOf(found).replace(/\.onnx$/, '') : undefined;
      return caseId
        ? `no model here: data.json names ONNX's light model ${url}, run as the case ${caseId}`
        : `no model here: data.json names ONNX's light model ${url}, found at ${found}, outside this root`;
    }
    if (dirname(a) === a) break;
  }
  return `no model here: data.json names ${url}, a file of the ONNX repository that is not here`;
}

/** Is this folder a suite root (cases below it) rather than one model folder? */
export function isSuiteRoot(path: string): boolean {
  if (!existsSync(path) || !statSync(path).isDirectory()) return false;
  const entries = entriesOf(path);
  const models = entries.filter((e) => e.file && e.name.endsWith('.onnx'));
  // A folder of ONNX light models (each `<x>.onnx` with `<x>_output_0.pb` beside it) holds cases itself.
  const lightOnly = models.length > 0 && !hasTestData(entries) && models.every((m) => isLightModel(m.name, entries));
  if (lightOnly) return !entries.some((e) => e.file && e.name === 'manifest.json');
  if (models.length || entries.some((e) => e.file && e.name === 'manifest.json')) return false;
  return entries.some((e) => e.dir && !/^test_data_set_\d+$/.test(e.name));
}
