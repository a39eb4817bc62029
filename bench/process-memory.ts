import { readdirSync, readFileSync, writeFileSync } from 'node:fs'

// Peak memory of Chromium's renderer processes (a dedicated worker runs in its page's renderer), from Linux /proc:
// writing 5 to clear_refs resets a process's peak RSS (VmHWM) to its current RSS, so after an operation
// VmHWM − RSS-before is the most memory the operation added at any moment, without sampling.

const read = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

const kib = (status: string, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024

/** Pids of the renderer processes of the Chromium whose command line has `marker` (its unique user-data-dir). */
export function rendererPids(marker: string): number[] {
  const pids = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
  const parent = new Map<number, number>()
  const cmdline = new Map<number, string>()
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`)
    if (!stat) continue
    parent.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    cmdline.set(pid, (read(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' '))
  }
  const root = pids.find((pid) => cmdline.get(pid)?.includes(marker) && !cmdline.get(pid)?.includes('--type='))
  if (root === undefined) return []
  const descends = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === root) return true
    return false
  }
  return pids.filter((pid) => descends(pid) && cmdline.get(pid)?.includes('--type=renderer'))
}

/** Starts measuring: resets the peak RSS of each process and remembers its RSS now. */
export function startPeak(pids: number[]): () => { pid: number; rssBefore: number; peakAdded: number }[] {
  const before = new Map<number, number>()
  for (const pid of pids) {
    writeFileSync(`/proc/${pid}/clear_refs`, '5')
    before.set(pid, kib(read(`/proc/${pid}/status`) ?? '', 'VmRSS'))
  }
  return () =>
    pids.map((pid) => {
      const status = read(`/proc/${pid}/status`) ?? ''
      return { pid, rssBefore: before.get(pid)!, peakAdded: kib(status, 'VmHWM') - before.get(pid)! }
    })
}
