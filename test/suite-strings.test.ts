/**
 * String tensors: a missing UTF-8 locale is named with its fix (forced honestly: LOCPATH pointing
 * at an empty folder makes glibc find no locale data, which is what a machine without the
 * `locales` package sees), and the browser backends carry string inputs and outputs (the node
 * root's StringNormalizer and string Cast cases), compared like cpu's.
 */
import { describe, expect, it } from 'vitest';
import { parseJsonOutput, runCli } from './helpers/cli.js';
import { NODE_ROOT, requireTestData } from './helpers/suiteFixtures.js';
import { localeProblem, LOCALE_FIX } from '../src/util/locale.js';
import type { VerifyRun } from '../src/verify/verify.js';
import { scratchDir } from './helpers/scratch.js';

const env = { ORT_DISABLE_TELEMETRY: '1' };

/** onnxruntime-node 1.30's words, as a worker without en_US.UTF-8 reported them (one line). */
const OBSERVED =
  'Exception during initialization: /onnxruntime_src/onnxruntime/core/providers/cpu/text/string_normalizer.cc:235 onnxruntime::StringNormalizer::Locale::Locale(const std::string&)::<lambda()> Failed to construct locale with name:en_US.UTF-8:locale::facet::_S_create_c_locale name not valid:Please, install necessary language-pack-XX and configure locales';

describe('missing UTF-8 locale', () => {
  it('the classifier names the fix for the runtime message, and nothing else', () => {
    const line = localeProblem(OBSERVED)!;
    expect(line).toMatch(
      /^needs a UTF-8 locale: apt-get install locales; generate en_US\.UTF-8 \(see \.ci\/install-deps\)/,
    );
    expect(line).toContain('en_US.UTF-8');
    expect(LOCALE_FIX).toBe('apt-get install locales; generate en_US.UTF-8 (see .ci/install-deps)');
    expect(localeProblem('Exception during initialization: Batchwise recurrent operations are not supported')).toBe(
      undefined,
    );
  });

  it('a cpu run without locale data: StringNormalizer is a load-error naming the fix; with it, a pass', async () => {
    requireTestData();
    const filter = 'test_strnormalizer_export_monday_casesensintive_lower';
    const args = [
      'verify',
      NODE_ROOT,
      '--filter',
      filter,
      '--json',
      '--no-evidence',
      '--iterations',
      '1',
      '--warmup',
      '0',
    ];
    const noLocale = scratchDir('owb-no-locale-');
    const missing = parseJsonOutput<VerifyRun>(await runCli(args, { env: { ...env, LOCPATH: noLocale } }));
    expect(missing.results).toHaveLength(1);
    expect(missing.results[0]).toMatchObject({ status: 'load-error' });
    expect(missing.results[0]!.reason).toContain(`needs a UTF-8 locale: ${LOCALE_FIX}`);
    const present = parseJsonOutput<VerifyRun>(await runCli(args, { env }));
    expect(present.results[0]!.status).toBe('pass');
  }, 300_000);
});

describe('string tensors on browser-wasm', () => {
  it('string inputs and outputs cross the page: StringNormalizer and string Cast as on cpu', async () => {
    requireTestData();
    const filter = [
      'test_strnormalizer_export_monday_casesensintive_upper',
      'test_strnormalizer_export_monday_empty_output',
      'test_cast_STRING_to_FLOAT',
      'test_cast_FLOAT_to_STRING',
    ].join(',');
    const r = await runCli(
      [
        'verify',
        NODE_ROOT,
        '--filter',
        filter,
        '--backend',
        'browser-wasm',
        '--json',
        '--no-evidence',
        '--iterations',
        '1',
        '--warmup',
        '0',
      ],
      { env, timeoutMs: 600_000 },
    );
    const run = parseJsonOutput<VerifyRun>(r);
    const status = run.backends.find((b) => b.id === 'browser-wasm')!;
    expect(status.available, `${status.reason} (fix: ${status.fix})`).toBe(true);
    const by = new Map(run.results.map((x) => [x.model, x]));
    expect(run.results).toHaveLength(4);
    // String outputs compared against the reference and against cpu.
    for (const id of [
      'test_strnormalizer_export_monday_casesensintive_upper',
      'test_strnormalizer_export_monday_empty_output',
    ]) {
      expect(`${id}: ${by.get(id)!.status} ${by.get(id)!.reason ?? ''}`).toBe(`${id}: pass `);
      expect(by.get(id)!.againstCpu?.ok).toBe(true);
    }
    // A string input.
    expect(by.get('test_cast_STRING_to_FLOAT')!.status).toBe('pass');
    // The same string formatting difference from ONNX 1.12's reference as cpu shows, agreeing with cpu.
    const cast = by.get('test_cast_FLOAT_to_STRING')!;
    expect(cast.status).toBe('mismatch');
    expect(cast.reason).toMatch(/strings differ/);
    expect(cast.againstCpu?.ok).toBe(true);
  }, 600_000);
});
