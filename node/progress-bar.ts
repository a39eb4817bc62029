/**
 * A one-line progress bar on a terminal stream (stderr): redrawn in place, cleared when done. Writes nothing when
 * the stream is not a terminal, so piped and `--json` output stay clean.
 *
 * @example
 * const bar = progressBar(process.stderr)
 * bar.update(2, 5, '0003_add_tags')
 * bar.done()
 */
export function progressBar(stream: { isTTY?: boolean; write(text: string): unknown }, width = 24) {
  const active = stream.isTTY === true
  const started = performance.now() // monotonic: a clock change must not show a negative or huge time
  return {
    update(done: number, total: number, label: string): void {
      if (!active) return
      const filled = total > 0 ? Math.round((done / total) * width) : width
      const seconds = ((performance.now() - started) / 1000).toFixed(1)
      stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${label} ${seconds}s`)
    },
    done(): void {
      if (active) stream.write('\r\x1b[2K')
    },
  }
}
