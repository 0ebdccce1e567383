/** Reading the zoo's hub index (`ONNX_HUB_MANIFEST.json`) from a file or a URL. */
import { safeReadText } from '../util/safeRead.js';
import { InputError, errorLine } from '../errors.js';
import { parseHubManifest, type ZooEntry } from './catalog.js';
import { describeNetworkError, type FetchLike } from './download.js';

export async function loadHubIndex(
  pathOrUrl: string,
  fetchImpl: FetchLike = fetch,
): Promise<{ entries: ZooEntry[]; skipped: number }> {
  let text: string;
  if (/^https?:\/\//i.test(pathOrUrl)) {
    let res: Response;
    try {
      res = await fetchImpl(pathOrUrl, { redirect: 'follow' });
    } catch (e) {
      throw new InputError(describeNetworkError(pathOrUrl, e));
    }
    if (!res.ok)
      throw new InputError(
        `cannot download ${pathOrUrl}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
      );
    text = await res.text();
  } else {
    try {
      text = safeReadText(pathOrUrl);
    } catch (e) {
      throw new InputError(`${pathOrUrl}: cannot read the hub index (${errorLine(e).replace(`${pathOrUrl}: `, '')})`);
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${pathOrUrl}: not JSON (${errorLine(e)})`);
  }
  return parseHubManifest(value, pathOrUrl);
}
