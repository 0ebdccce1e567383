/**
 * onnxruntime's string ops (StringNormalizer) build a C++ locale from the model's `locale`
 * attribute (default `en_US`, as `en_US.UTF-8` on Linux). Where that locale is not installed the
 * session fails with "Failed to construct locale with name:en_US.UTF-8 ... install necessary
 * language-pack-XX", which reads like a broken model. The locale comes from the installed locale
 * data (glibc's locale archive, or LOCPATH), not from LANG or LC_ALL, so the fix is installing it.
 */

/** onnxruntime-node's message (core/providers/cpu/text/string_normalizer.cc) when the locale is missing. */
const MISSING_LOCALE = /Failed to construct locale with name:\s*([^\s:]+)/;

export const LOCALE_FIX = 'apt-get install locales; generate en_US.UTF-8 (see .ci/install-deps)';

/** When `message` is a string op failing for a missing locale: one line naming the locale and the fix. */
export function localeProblem(message: string): string | undefined {
  const m = MISSING_LOCALE.exec(message);
  if (!m) return undefined;
  const name = m[1]!;
  return `needs a UTF-8 locale: ${LOCALE_FIX} (onnxruntime's string op could not construct the locale ${name}: it is not installed here)`;
}
