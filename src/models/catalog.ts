/**
 * The bundled models: every `manifest.json` below models/, and resolving names or paths to targets.
 * Only the bundled catalog's manifests are trusted (or one the user names explicitly with
 * `--manifest`): a manifest.json found beside a model the user names is ignored with a warning,
 * since it could claim any framework, reference kind or tolerance. A broken manifest in the
 * catalog is skipped with a warning naming it; the other models stay usable.
 */
import { didYouMean } from '../util/suggest.js';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { modelsDir } from '../util/paths.js';
import { readManifest, type ModelManifest } from './manifest.js';

export interface CatalogEntry {
  manifest: ModelManifest;
  dir: string;
  modelPath: string;
}

function findManifests(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) findManifests(p, out);
    else if (entry.name === 'manifest.json') out.push(p);
  }
}

function entryFor(manifestPath: string, root: string): CatalogEntry {
  const manifest = readManifest(manifestPath);
  const dir = resolve(manifestPath, '..');
  const id = relative(root, dir).split(sep).join('/');
  if (root && id !== manifest.id && !id.startsWith('..')) {
    throw new InputError(`${manifestPath}: manifest id '${manifest.id}' does not match its folder '${id}'`);
  }
  return { manifest, dir, modelPath: join(dir, manifest.file) };
}

export interface CatalogProblem {
  file: string;
  reason: string;
}

let cache: { root: string; entries: CatalogEntry[]; problems: CatalogProblem[] } | undefined;

/** Where catalog warnings go (stderr by default, once per catalog load); tests may replace it. */
export let onCatalogProblem: (p: CatalogProblem) => void = (p) =>
  process.stderr.write(`warning: skipped ${p.file}: ${p.reason}\n`);
export function setCatalogProblemHandler(handler: (p: CatalogProblem) => void): void {
  onCatalogProblem = handler;
}

/** All bundled models, sorted by id; a manifest that cannot be read or checked is skipped (see `catalogProblems`). */
export function loadCatalog(root = modelsDir()): CatalogEntry[] {
  if (cache?.root === root) return cache.entries;
  const paths: string[] = [];
  if (existsSync(root)) findManifests(root, paths);
  const entries: CatalogEntry[] = [];
  const problems: CatalogProblem[] = [];
  const ids = new Map<string, string>();
  for (const p of paths.sort()) {
    try {
      const e = entryFor(p, root);
      const before = ids.get(e.manifest.id);
      if (before) throw new InputError(`manifest id '${e.manifest.id}' is also used by ${before}`);
      ids.set(e.manifest.id, p);
      entries.push(e);
    } catch (e) {
      const reason = errorLine(e).replace(`${p}: `, '');
      problems.push({ file: p, reason });
      onCatalogProblem({ file: p, reason });
    }
  }
  entries.sort((a, b) => a.manifest.id.localeCompare(b.manifest.id));
  cache = { root, entries, problems };
  return entries;
}

/** The manifests the last load of `root` skipped, with the reason. */
export function catalogProblems(root = modelsDir()): CatalogProblem[] {
  loadCatalog(root);
  return cache?.problems ?? [];
}

export interface Target {
  /** Manifest id for bundled models, else the path as given. */
  id: string;
  modelPath: string;
  manifest?: ModelManifest;
  dir?: string;
  /** Where the manifest came from: the bundled catalog, or one the user named (`--manifest`). */
  manifestSource?: 'catalog' | 'user';
  /** Said about this target while resolving it (an untrusted manifest ignored, ...): warnings. */
  notes?: string[];
  /** A suite case's `test_data_set_N` folders, as discovery listed them (else they are looked for beside the model). */
  dataSets?: string[];
  /** An ONNX light model (suites): its outputs are `<stem>_output_N.pb` beside it, for the inputs arange(n)/n. */
  light?: boolean;
}

const toTarget = (e: CatalogEntry): Target => ({
  id: e.manifest.id,
  modelPath: e.modelPath,
  manifest: e.manifest,
  dir: e.dir,
  manifestSource: 'catalog',
});

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

const untrusted = (path: string): string =>
  `${path} is not a bundled model's manifest and is not trusted (it could set any framework, reference or tolerance): ignored; name it with --manifest to use it`;

export interface ResolveOptions {
  /** A manifest the user names explicitly for the one model given: trusted like a bundled one. */
  manifest?: string;
}

/**
 * Resolve command-line names: a bundled id (`cntk/mnist-8`), a unique last segment (`mnist-8`), a
 * group prefix (`caffe2`, `pytorch/pytorch-operator`), or a path to a model file or folder.
 * No names means every bundled model. A path inside the bundled catalog resolves to its entry; a
 * manifest.json beside any other path is ignored (with a note on the target).
 */
/** `; did you mean caffe2/light-squeezenet, ...?` for a name that is no bundled id (the shared matcher). */
function suggestion(name: string, catalog: CatalogEntry[]): string {
  const near = didYouMean(
    name,
    catalog.map((e) => e.manifest.id),
  );
  return near ? `;${near}` : '';
}

export function resolveTargets(names: string[], root = modelsDir(), options: ResolveOptions = {}): Target[] {
  const catalog = loadCatalog(root);
  if (options.manifest) return [userManifestTarget(names, options.manifest)];
  if (names.length === 0) return catalog.map(toTarget);
  const byDir = new Map(catalog.map((e) => [realOrSelf(e.dir), e]));
  const byModel = new Map(catalog.map((e) => [realOrSelf(e.modelPath), e]));
  const out: Target[] = [];
  for (const name of names) {
    const clean = name.replace(/\/+$/, '');
    const exact = catalog.find((e) => e.manifest.id === clean);
    if (exact) {
      out.push(toTarget(exact));
      continue;
    }
    const group = catalog.filter((e) => e.manifest.id.startsWith(`${clean}/`));
    if (group.length) {
      out.push(...group.map(toTarget));
      continue;
    }
    const byLast = catalog.filter((e) => e.manifest.id.split('/').pop() === clean);
    if (byLast.length === 1) {
      out.push(toTarget(byLast[0]!));
      continue;
    }
    if (byLast.length > 1)
      throw new InputError(`'${name}' names several bundled models: ${byLast.map((e) => e.manifest.id).join(', ')}`);
    if (!existsSync(name))
      throw new InputError(
        `${name}: no bundled model of that name and no such file or directory${suggestion(name, catalog)} (see onnx-workbench models)`,
      );
    const abs = resolve(name);
    const real = realOrSelf(abs);
    const st = statSync(abs);
    // A path to a bundled model (its folder or its file) is that catalog entry.
    const bundled = st.isDirectory() ? byDir.get(real) : byModel.get(real);
    if (bundled) {
      out.push(toTarget(bundled));
      continue;
    }
    if (st.isDirectory()) {
      const inside = catalog.filter((e) => realOrSelf(e.dir).startsWith(real + sep));
      const hasModel = readdirSync(abs).some((f) => f.endsWith('.onnx'));
      if (inside.length && !hasModel) {
        out.push(...inside.map(toTarget));
        continue;
      }
      if (!hasModel) {
        // A user's folder of model folders: each one a plain model; their manifests are not trusted.
        const below: string[] = [];
        findManifests(abs, below);
        if (below.length) {
          for (const m of below)
            out.push({
              id: relative(process.cwd(), resolve(m, '..')) || '.',
              modelPath: resolve(m, '..'),
              notes: [untrusted(m)],
            });
          continue;
        }
      }
    }
    const beside = st.isDirectory() ? join(abs, 'manifest.json') : join(abs, '..', 'manifest.json');
    out.push({ id: name, modelPath: abs, ...(existsSync(beside) ? { notes: [untrusted(beside)] } : {}) });
  }
  const seen = new Set<string>();
  return out.filter((t) => (seen.has(t.modelPath) ? false : (seen.add(t.modelPath), true)));
}

/** `--manifest <path>` with one model path (or none: the manifest's own folder and file). */
function userManifestTarget(names: string[], manifestPath: string): Target {
  if (names.length > 1) throw new InputError('--manifest applies to exactly one model');
  const manifest = readManifest(manifestPath);
  const dir = resolve(manifestPath, '..');
  let modelPath = join(dir, manifest.file);
  if (names.length === 1) {
    const abs = resolve(names[0]!);
    if (!existsSync(abs)) throw new InputError(`${names[0]}: no such file or directory`);
    modelPath = statSync(abs).isDirectory() ? join(abs, manifest.file) : abs;
  }
  return { id: manifest.id, modelPath, manifest, dir, manifestSource: 'user' };
}
