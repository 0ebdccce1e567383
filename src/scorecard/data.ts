/**
 * Reading and checking the scorecard's data files (`src/scorecard/data/`): the digitized scores CSV,
 * the framework list and the ONNX registry. Every load runs the checks; a file that does not fit
 * throws an InputError with one line naming the file and what is wrong. The JSON-schema part is
 * skipped only for bytes the build itself ran it on (`checkData.ts` records their sha256 with the
 * schemas' digest): the same bytes against the same schemas give the same answer, and compiling the
 * schemas is most of the start-up of a command that only attributes a model's exporter.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, errorLine } from '../errors.js';
import { packageRoot } from '../util/paths.js';
import { safeReadText } from '../util/safeRead.js';
import { parseCsv } from './csv.js';
import {
  CATEGORIES,
  CRITERIA_BY_CATEGORY,
  type Category,
  type Criterion,
  type FrameworkInfo,
  type FrameworksFile,
  type PublishedScores,
  type Reading,
  type RegistryEntry,
  type RegistryFile,
  isCategory,
  isCriterion,
} from './model.js';
import {
  CSV_COLUMNS,
  describeErrors,
  schemasDigest,
  validateFrameworks,
  validateRegistry,
  validateScoreRow,
  type RawScoreRow,
} from './schemas.js';

export const SCORES_FILE = 'scores-digitized.csv';
export const FRAMEWORKS_FILE = 'frameworks.json';
export const REGISTRY_FILE = 'onnx-registry.json';

/** Where the data files live: `<package root>/src/scorecard/data` (the same from src/ and from dist/). */
export function dataDir(): string {
  return join(packageRoot(), 'src', 'scorecard', 'data');
}

/** Everything the scorecard is computed from. */
export interface ScorecardData {
  /** Frameworks file (article info and the 13 frameworks, in the file's order). */
  frameworks: FrameworksFile;
  /** Published scores by framework id, as labelled in the source. */
  published: Record<string, PublishedScores>;
  /** Where the scores came from (a path, for the output's provenance). */
  scoresFile: string;
}

// ---------------------------------------------------------------------------------------------
// bytes the build checked

/** The record `npm run build` writes after checking the bundled files (`checkData.ts`). */
export const CHECKED_RECORD = 'data-checked.json';
export type CheckedKind = 'frameworks' | 'registry';

/** The record's path: in the package's dist/ (from src/ too, so tests use what the build wrote). */
export function checkedRecordPath(): string {
  return join(packageRoot(), 'dist', 'scorecard', CHECKED_RECORD);
}

export interface CheckedRecord {
  /** `schemasDigest()` of the schemas the files were checked against. */
  schemas: string;
  /** sha256 (hex) of file contents that passed each schema. */
  sha256: Record<CheckedKind, string[]>;
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

let checkedAtBuild: CheckedRecord | null | undefined;

/** Did the build run this kind's schema on exactly these bytes, with the schemas of this code? */
function passedAtBuild(kind: CheckedKind, text: string): boolean {
  if (checkedAtBuild === undefined) {
    checkedAtBuild = null;
    try {
      const rec = JSON.parse(readFileSync(checkedRecordPath(), 'utf8')) as CheckedRecord;
      if (rec.schemas === schemasDigest()) checkedAtBuild = rec;
    } catch {
      // no record (a build without the check, or run from a source tree): every check runs
    }
  }
  const known = checkedAtBuild?.sha256?.[kind];
  return Array.isArray(known) && known.includes(sha256Text(text));
}

function readText(path: string, what: string): string {
  try {
    return safeReadText(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read the ${what} (${errorLine(e).replace(`${path}: `, '')})`);
  }
}

function parseJson(text: string, path: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: the ${what} is not valid JSON (${errorLine(e)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// frameworks.json

export function parseFrameworks(value: unknown, what: string): FrameworksFile {
  if (!validateFrameworks(value)) {
    throw new InputError(`${what}: not a scorecard framework list: ${describeErrors(validateFrameworks.errors)}`);
  }
  return checkFrameworks(value, what);
}

/** The checks past the schema: ids and names unique. */
function checkFrameworks(value: FrameworksFile, what: string): FrameworksFile {
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const f of value.frameworks) {
    if (ids.has(f.id)) throw new InputError(`${what}: framework id '${f.id}' is listed twice`);
    if (names.has(f.name)) throw new InputError(`${what}: framework name '${f.name}' is listed twice`);
    ids.add(f.id);
    names.add(f.name);
  }
  return value;
}

export function loadFrameworks(dir: string = dataDir()): FrameworksFile {
  const path = join(dir, FRAMEWORKS_FILE);
  const text = readText(path, 'framework list');
  const value = parseJson(text, path, 'framework list');
  return passedAtBuild('frameworks', text)
    ? checkFrameworks(value as FrameworksFile, path)
    : parseFrameworks(value, path);
}

// ---------------------------------------------------------------------------------------------
// scores-digitized.csv

function reading(row: RawScoreRow, line: number, what: string): Reading {
  if (row.value === 'NA') {
    if (row.uncertainty !== '')
      throw new InputError(`${what}: line ${line}: an NA value has no uncertainty, got '${row.uncertainty}'`);
    return { value: null, uncertainty: null, sourceImage: row.source_image };
  }
  const value = Number(row.value);
  if (value < 0 || value > 100) throw new InputError(`${what}: line ${line}: value ${row.value} is outside 0-100`);
  if (row.uncertainty === '') throw new InputError(`${what}: line ${line}: value ${row.value} has no uncertainty`);
  return { value, uncertainty: Number(row.uncertainty), sourceImage: row.source_image };
}

/**
 * Parse the digitized scores against the framework list: every framework of the list needs each of
 * the 12 criteria, the 3 category scores and the overall score exactly once, and nothing else.
 * Returns the published scores by framework id.
 */
export function parseDigitizedCsv(
  text: string,
  frameworks: FrameworkInfo[],
  what: string,
): Record<string, PublishedScores> {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    throw new InputError(`${what}: ${errorLine(e)}`);
  }
  const header = records.shift();
  if (!header || header.fields.join(',') !== CSV_COLUMNS.join(',')) {
    throw new InputError(
      `${what}: the header must be '${CSV_COLUMNS.join(',')}', got '${header?.fields.join(',') ?? ''}'`,
    );
  }
  const idByName = new Map(frameworks.map((f) => [f.name, f.id]));
  const partial = new Map<
    string,
    { criteria: Partial<Record<Criterion, Reading>>; categories: Partial<Record<Category, Reading>>; overall?: Reading }
  >();
  for (const { line, fields } of records) {
    if (fields.length !== CSV_COLUMNS.length) {
      throw new InputError(`${what}: line ${line}: expected ${CSV_COLUMNS.length} fields, got ${fields.length}`);
    }
    const row = Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, fields[i]!])) as unknown;
    if (!validateScoreRow(row))
      throw new InputError(`${what}: line ${line}: ${describeErrors(validateScoreRow.errors)}`);
    const id = idByName.get(row.framework);
    if (!id) throw new InputError(`${what}: line ${line}: framework '${row.framework}' is not in the framework list`);
    const entry = partial.get(id) ?? { criteria: {}, categories: {} };
    partial.set(id, entry);
    const r = reading(row, line, what);
    const dup = (): never => {
      throw new InputError(`${what}: line ${line}: ${row.framework} ${row.category}/${row.criterion} is given twice`);
    };
    if (row.category === 'overall') {
      if (row.criterion !== '_overall')
        throw new InputError(
          `${what}: line ${line}: category 'overall' takes criterion '_overall', got '${row.criterion}'`,
        );
      if (r.value === null) throw new InputError(`${what}: line ${line}: the overall score cannot be NA`);
      if (entry.overall) dup();
      entry.overall = r;
      continue;
    }
    if (!isCategory(row.category)) throw new InputError(`${what}: line ${line}: unknown category '${row.category}'`);
    const category: Category = row.category;
    if (row.criterion === '_category') {
      if (r.value === null) throw new InputError(`${what}: line ${line}: a category score cannot be NA`);
      if (entry.categories[category]) dup();
      entry.categories[category] = r;
      continue;
    }
    if (!isCriterion(row.criterion) || !(CRITERIA_BY_CATEGORY[category] as readonly string[]).includes(row.criterion)) {
      throw new InputError(`${what}: line ${line}: '${row.criterion}' is not a criterion of ${category}`);
    }
    if (entry.criteria[row.criterion]) dup();
    entry.criteria[row.criterion] = r;
  }
  const out: Record<string, PublishedScores> = {};
  for (const f of frameworks) {
    const entry = partial.get(f.id);
    if (!entry) throw new InputError(`${what}: no scores for ${f.name}`);
    const missing: string[] = [];
    for (const c of CATEGORIES) {
      if (!entry.categories[c]) missing.push(`${c}/_category`);
      for (const k of CRITERIA_BY_CATEGORY[c]) if (!entry.criteria[k]) missing.push(`${c}/${k}`);
    }
    if (!entry.overall) missing.push('overall/_overall');
    if (missing.length) throw new InputError(`${what}: ${f.name} lacks ${missing.join(', ')}`);
    out[f.id] = {
      name: f.name,
      criteria: entry.criteria as Record<Criterion, Reading>,
      categories: entry.categories as Record<Category, Reading>,
      overall: entry.overall!,
    };
  }
  return out;
}

/** The framework list and the published scores, checked against each other. */
export function loadScorecardData(dir: string = dataDir()): ScorecardData {
  const frameworks = loadFrameworks(dir);
  const path = join(dir, SCORES_FILE);
  const published = parseDigitizedCsv(readText(path, 'digitized scores'), frameworks.frameworks, path);
  return { frameworks, published, scoresFile: path };
}

// ---------------------------------------------------------------------------------------------
// onnx-registry.json

/** A claim needs a source unless it is "unknown" or null (not applicable). `[]` producerNames is a claim. */
export const isClaimed = (v: unknown): boolean => v !== null && v !== undefined && v !== 'unknown';

function checkSources(
  claims: Record<string, unknown>,
  sources: Record<string, string[]> | undefined,
  where: string,
  what: string,
): void {
  for (const [name, value] of Object.entries(claims)) {
    if (!isClaimed(value)) continue;
    if (!sources?.[name]?.length)
      throw new InputError(`${what}: ${where}: '${name}' is claimed (${JSON.stringify(value)}) but has no source`);
  }
}

function checkEntry(e: RegistryEntry, what: string): void {
  for (const side of ['export', 'import'] as const) {
    const s = e[side];
    const where = `${e.id}.${side}`;
    const claims: Record<string, unknown> = {
      level: s.level,
      mechanism: s.mechanism,
      since: s.since,
      maintainer: s.maintainer,
    };
    if (side === 'export') claims.producerNames = e.export.producerNames;
    if (s.level === 'none') {
      for (const [k, v] of Object.entries(claims)) {
        if (k !== 'level' && v !== null)
          throw new InputError(`${what}: ${where}: level is 'none', so '${k}' must be null (not applicable)`);
      }
    } else if (side === 'export' && e.export.producerNames === null) {
      throw new InputError(
        `${what}: ${where}: producerNames is null (not applicable) but the level is '${s.level}'; use [] or "unknown"`,
      );
    }
    if (s.level !== 'none' && s.level !== 'unknown' && (s.mechanism === null || s.mechanism === 'unknown')) {
      throw new InputError(`${what}: ${where}: a '${s.level}' path needs a mechanism`);
    }
    checkSources(claims, s.sources, where, what);
  }
  checkSources({ value: e.status.value, since: e.status.since }, e.status.sources, `${e.id}.status`, what);
}

export function parseRegistry(value: unknown, what: string, frameworks?: FrameworkInfo[]): RegistryFile {
  if (!validateRegistry(value)) {
    throw new InputError(`${what}: not an ONNX registry: ${describeErrors(validateRegistry.errors)}`);
  }
  return checkRegistry(value, what, frameworks);
}

/** The checks past the schema: unique ids, every claim sourced, fingerprints' frameworks named. */
function checkRegistry(value: RegistryFile, what: string, frameworks?: FrameworkInfo[]): RegistryFile {
  const seen = new Set<string>();
  for (const e of value.frameworks) {
    if (seen.has(e.id)) throw new InputError(`${what}: framework '${e.id}' is listed twice`);
    seen.add(e.id);
    checkEntry(e, what);
  }
  for (const [i, f] of (value.fingerprints ?? []).entries()) {
    if (!seen.has(f.framework) && !f.frameworkName) {
      throw new InputError(
        `${what}: fingerprints[${i}] (${f.tool}): framework '${f.framework}' is not in the registry, so it needs a frameworkName`,
      );
    }
  }
  if (frameworks) {
    const unknown = value.frameworks.filter((e) => !frameworks.some((f) => f.id === e.id)).map((e) => e.id);
    if (unknown.length) throw new InputError(`${what}: ${unknown.join(', ')} not in the framework list`);
    const missing = frameworks.filter((f) => !seen.has(f.id)).map((f) => f.id);
    if (missing.length) throw new InputError(`${what}: no entry for ${missing.join(', ')}`);
  }
  return value;
}

/** The ONNX registry, checked against the framework list. */
export function loadRegistry(dir: string = dataDir()): RegistryFile {
  const path = join(dir, REGISTRY_FILE);
  const text = readText(path, 'ONNX registry');
  const value = parseJson(text, path, 'ONNX registry');
  const frameworks = loadFrameworks(dir).frameworks;
  return passedAtBuild('registry', text)
    ? checkRegistry(value as RegistryFile, path, frameworks)
    : parseRegistry(value, path, frameworks);
}
