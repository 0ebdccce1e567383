import type { Command } from 'commander';
import { addVerifyFormatOption, addVerifyRunOptions, executeVerify, type VerifyRunOptions } from './verifyRun.js';
import { parseBackends } from './options.js';
import { InputError } from '../errors.js';
import { bytes as formatBytes } from '../format/numbers.js';
import type { ZooEntry } from '../zoo/catalog.js';
import type { DownloadProgress } from '../zoo/download.js';
import { jsonText } from '../format/terminal.js';

interface SourceOptions {
  cacheDir?: string;
  baseUrl?: string;
  manifest?: string;
  curated?: string;
}

interface PullCliOptions extends SourceOptions {
  force?: boolean;
  keepArchive?: boolean;
  json?: boolean;
  quiet?: boolean;
}

interface VerifyCliOptions extends SourceOptions, VerifyRunOptions {}

function sourceOptions(cmd: Command, download: boolean): Command {
  cmd
    .option(
      '--cache-dir <dir>',
      'where pulled models live (default $ONNX_WORKBENCH_CACHE or ~/.cache/onnx-workbench/zoo)',
    )
    .option('--manifest <path|url>', "use the zoo's hub index (ONNX_HUB_MANIFEST.json) instead of the curated list")
    .option('--curated <path>', 'use another curated list (same format as the bundled one)');
  if (download)
    cmd.option(
      '--base-url <url>',
      'where zoo files are downloaded from (default $ONNX_WORKBENCH_ZOO_URL or https://github.com/onnx/models/raw/main)',
    );
  return cmd;
}

async function loadEntries(o: SourceOptions): Promise<ZooEntry[]> {
  if (o.manifest && o.curated) throw new InputError('--manifest and --curated are alternatives: give one');
  if (o.manifest) {
    const { loadHubIndex } = await import('../zoo/hub.js');
    const { entries, skipped } = await loadHubIndex(o.manifest);
    if (skipped)
      process.stderr.write(`${o.manifest}: ${skipped} entries without a usable path, sha256 and size left out\n`);
    return entries;
  }
  const { loadCurated } = await import('../zoo/catalog.js');
  return loadCurated(o.curated);
}

/** Progress on stderr: a rewritten line on a terminal, a line per quarter otherwise. */
function progressPrinter(quiet: boolean): {
  onProgress: (p: DownloadProgress & { model: string }) => void;
  onMessage: (line: string) => void;
  breakLine: () => void;
} {
  const tty = Boolean(process.stderr.isTTY);
  let open = false;
  let key = '';
  let lastStep = -1;
  const breakLine = () => {
    if (open) {
      process.stderr.write('\n');
      open = false;
    }
  };
  return {
    onProgress: (p) => {
      if (quiet) return;
      const pct = p.total > 0 ? Math.floor((p.received * 100) / p.total) : 100;
      const line = `${p.model}: ${p.file} ${formatBytes(p.received)} / ${formatBytes(p.total)} (${pct}%)${p.resumedFrom ? `, resumed at ${formatBytes(p.resumedFrom)}` : ''}`;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        open = !p.done;
        if (p.done) process.stderr.write('\n');
        return;
      }
      if (`${p.model}/${p.file}` !== key) {
        key = `${p.model}/${p.file}`;
        lastStep = -1;
      }
      const step = Math.floor(pct / 25) * 25;
      if (step > lastStep) {
        lastStep = step;
        process.stderr.write(`${line}\n`);
      }
    },
    onMessage: (line) => {
      breakLine();
      process.stderr.write(`${line}\n`);
    },
    breakLine,
  };
}

export function registerZooCommand(program: Command): void {
  const zoo = program
    .command('zoo')
    .description(
      'the ONNX model zoo (onnx/models) as a source: list, pull (verified, resumable) and verify its framework exports',
    );

  sourceOptions(
    zoo.command('list').description('list the curated zoo models: framework, opset, sizes, whether pulled'),
    false,
  )
    .option('--json', 'machine-readable output')
    .action(async (opts: SourceOptions & { json?: boolean }) => {
      const { defaultCacheDir, isPulled, entryDir } = await import('../zoo/pull.js');
      const entries = await loadEntries(opts);
      const cacheDir = opts.cacheDir ?? defaultCacheDir();
      const rows = entries.map((e) => {
        const pulled = isPulled(cacheDir, e);
        return {
          name: e.name,
          framework: e.framework ?? null,
          opset: e.opset ?? null,
          modelBytes: e.onnx.size,
          archiveBytes: e.tarGz?.size ?? null,
          path: e.onnx.path,
          archivePath: e.tarGz?.path ?? null,
          pulled,
          ...(pulled ? { dir: entryDir(cacheDir, e.name) } : {}),
        };
      });
      if (opts.json) {
        console.log(jsonText(rows, null, 2));
        return;
      }
      const { zooListTable } = await import('../format/zoo.js');
      console.log(zooListTable(rows));
      const pulled = rows.filter((r) => r.pulled).length;
      const { paragraph } = await import('../format/table.js');
      const { terminalWidth } = await import('../format/terminal.js');
      console.log(
        paragraph(
          `${rows.length} models, ${pulled} pulled into ${cacheDir}; pull with: onnx-workbench zoo pull <name...>`,
          terminalWidth(),
        ),
      );
    });

  sourceOptions(
    zoo
      .command('pull')
      .description(
        'download zoo models and their test sets into the cache, verify size and sha256, check the producer, write a manifest',
      ),
    true,
  )
    .argument('<names...>', 'zoo model names, e.g. mnist-8 squeezenet1.1-7 (see zoo list)')
    .option('--force', 'download again even when already pulled')
    .option('--keep-archive', 'keep the .tar.gz after extracting its test sets')
    .option('--json', 'print the pull results as JSON on stdout')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (names: string[], opts: PullCliOptions) => {
      const { findEntries } = await import('../zoo/catalog.js');
      const { pullEntry, defaultCacheDir } = await import('../zoo/pull.js');
      const entries = findEntries(await loadEntries(opts), names);
      const cacheDir = opts.cacheDir ?? defaultCacheDir();
      const printer = progressPrinter(Boolean(opts.quiet));
      const results = [];
      for (const e of entries) {
        if (!opts.quiet)
          process.stderr.write(
            `${e.name}: ${e.framework ?? 'framework unknown'}, model ${formatBytes(e.onnx.size)}${e.tarGz ? `, archive ${formatBytes(e.tarGz.size)}` : ''}\n`,
          );
        try {
          const r = await pullEntry(e, {
            cacheDir,
            ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
            ...(opts.force ? { force: true } : {}),
            ...(opts.keepArchive ? { keepArchive: true } : {}),
            onProgress: printer.onProgress,
            onMessage: printer.onMessage,
          });
          results.push(r);
          if (!opts.json) {
            const sets = r.testSets.length
              ? `, ${r.testSets.length} test set${r.testSets.length > 1 ? 's' : ''}`
              : ', no test set';
            const prod = r.producer
              ? `, producer '${r.producer.producerName}'${r.producer.verdict === 'match' ? ' as expected' : ` (${r.producer.verdict})`}`
              : '';
            console.log(`${r.name}: ${r.alreadyPulled ? 'already pulled' : 'pulled'}${sets}${prod} -> ${r.dir}`);
          }
        } finally {
          printer.breakLine();
        }
      }
      if (opts.json) {
        console.log(
          jsonText(
            results.map((r) => ({
              name: r.name,
              dir: r.dir,
              modelPath: r.modelPath,
              manifestPath: r.manifestPath,
              alreadyPulled: r.alreadyPulled,
              downloads: r.downloads,
              testSets: r.testSets,
              ...(r.producer ? { producer: r.producer } : {}),
            })),
            null,
            2,
          ),
        );
      }
    });

  addVerifyFormatOption(
    addVerifyRunOptions(
      sourceOptions(
        zoo.command('verify').description('verify zoo models like bundled ones (pulling them first if needed)'),
        true,
      ),
    ),
  )
    .argument('[names...]', 'zoo model names; default: every pulled model of the list')
    .action(async (names: string[], opts: VerifyCliOptions) => {
      parseBackends(opts.backend); // a typo is a usage error before anything is downloaded
      const { findEntries } = await import('../zoo/catalog.js');
      const { defaultCacheDir, isPulled, zooTargets } = await import('../zoo/pull.js');
      const all = await loadEntries(opts);
      const cacheDir = opts.cacheDir ?? defaultCacheDir();
      const entries = names.length ? findEntries(all, names) : all.filter((e) => isPulled(cacheDir, e));
      if (entries.length === 0)
        throw new InputError(`no zoo models pulled into ${cacheDir}: name some (see onnx-workbench zoo list)`);
      const printer = progressPrinter(Boolean(opts.quiet));
      let targets;
      try {
        ({ targets } = await zooTargets(entries, {
          cacheDir,
          ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}),
          onProgress: printer.onProgress,
          onMessage: printer.onMessage,
        }));
      } finally {
        printer.breakLine();
      }
      const { prepareTarget } = await import('../verify/prepare.js');
      await executeVerify(
        targets.map((t) => prepareTarget(t)),
        opts,
      );
    });
}
