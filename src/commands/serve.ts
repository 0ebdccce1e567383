import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { parseInteger } from './options.js';

interface ServeCliOptions {
  port: number;
  host: string;
  evidenceDir?: string;
  reportDir: string;
  maxBody: number;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'serve the runner page: verify models in your own browser (WASM, WebGPU); results come back as evidence records',
    )
    .option('--port <n>', 'port (0: any free port)', parseInteger('--port'), 8787)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--evidence-dir <dir>', 'where posted results are stored (default ./evidence or $ONNX_WORKBENCH_EVIDENCE)')
    .option('--report-dir <dir>', 'a report folder to serve at /report/ (from onnx-workbench report)', 'report')
    .option(
      '--max-body <bytes>',
      'largest accepted request body: a posted result, or an uploaded model with its .npz',
      parseInteger('--max-body', 1024),
      64 * 1024 * 1024,
    )
    .action(async (opts: ServeCliOptions) => {
      const { startServe, loopbackWarning } = await import('../serve/server.js');
      const { resolveTargets } = await import('../models/catalog.js');
      const { defaultEvidenceDir } = await import('../evidence/store.js');
      const { zooServedTargets } = await import('../serve/zooTargets.js');
      const { receivedLine, serveBanner } = await import('../format/serve.js');
      const { terminalWidth } = await import('../format/terminal.js');
      const warning = loopbackWarning(opts.host);
      if (warning) process.stderr.write(`${warning}\n`);
      const evidenceDir = opts.evidenceDir ?? defaultEvidenceDir();
      const handle = await startServe({
        host: opts.host,
        port: opts.port,
        evidenceDir,
        reportDir: resolve(opts.reportDir),
        maxBodyBytes: opts.maxBody,
        targets: [...resolveTargets([]), ...zooServedTargets()],
        onRecord: (file, r) => process.stderr.write(`${receivedLine(file, r)}\n`),
      });
      const { existsSync } = await import('node:fs');
      const reportDir = resolve(opts.reportDir);
      console.log(
        serveBanner({
          url: handle.url,
          models: handle.models.length,
          evidenceDir: resolve(evidenceDir),
          ...(existsSync(join(reportDir, 'index.html')) ? { report: reportDir } : {}),
          width: terminalWidth(),
        }),
      );
      await new Promise<void>((done) => {
        const stop = () => {
          void handle.close().then(done);
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
