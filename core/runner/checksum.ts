/**
 * sha-256 of a migration's SQL as lowercase hex. Line endings are normalised (CRLF → LF) and a BOM is dropped, so a
 * checkout with `core.autocrlf` does not look like an edit; every other byte counts.
 *
 * @example
 * await checksumSql('CREATE TABLE t(a);\r\n') === await checksumSql('CREATE TABLE t(a);\n') // true
 */
export async function checksumSql(sql: string): Promise<string> {
  const normalised = sql.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n')
  return sha256Hex(new TextEncoder().encode(normalised))
}

/** sha-256 of bytes as lowercase hex (Web Crypto; available in workers and in Node ≥ 20). */
export async function sha256Hex(bytes: BufferSource): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  let hex = ''
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0')
  return hex
}
