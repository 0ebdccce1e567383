/** The header of a protobuf length-delimited field (tag, then length), for writing models byte by byte. */
export function header(field, len) {
  const out = [];
  let tag = field * 8 + 2;
  while (tag >= 0x80) {
    out.push((tag & 0x7f) | 0x80);
    tag >>>= 7;
  }
  out.push(tag);
  let n = len;
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
