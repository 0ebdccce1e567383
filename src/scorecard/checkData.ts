/**
 * The build's check of the bundled data files (`npm run build` runs `node dist/scorecard/checkData.js`
 * after tsc): the framework list and the ONNX registry are run through their JSON schemas and every
 * other check, and the sha256 of the bytes that passed is recorded with the schemas' digest. Loads
 * of those same bytes then skip compiling the schemas (see `data.ts`); any other bytes, or other
 * schemas, get the full check. A bundled file that fails here fails the build.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorLine } from '../errors.js';
import {
  FRAMEWORKS_FILE,
  REGISTRY_FILE,
  checkedRecordPath,
  dataDir,
  parseFrameworks,
  parseRegistry,
  sha256Text,
  type CheckedRecord,
} from './data.js';
import { schemasDigest } from './schemas.js';

/** Check the data files in `dir` with the full schemas and write the record to `out`. */
export function writeCheckedRecord(dir: string = dataDir(), out: string = checkedRecordPath()): CheckedRecord {
  const fwPath = join(dir, FRAMEWORKS_FILE);
  const regPath = join(dir, REGISTRY_FILE);
  const fwText = readFileSync(fwPath, 'utf8');
  const regText = readFileSync(regPath, 'utf8');
  // parse*, not load*: these always run the schemas, whatever an earlier record says.
  const frameworks = parseFrameworks(JSON.parse(fwText), fwPath);
  parseRegistry(JSON.parse(regText), regPath, frameworks.frameworks);
  const record: CheckedRecord = {
    schemas: schemasDigest(),
    sha256: { frameworks: [sha256Text(fwText)], registry: [sha256Text(regText)] },
  };
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    writeCheckedRecord();
  } catch (e) {
    process.stderr.write(`checkData: the bundled data fails its checks: ${errorLine(e)}\n`);
    process.exitCode = 1;
  }
}
