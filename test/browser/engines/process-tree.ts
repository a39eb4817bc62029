import { readdirSync, readFileSync } from 'node:fs'

/**
 * The processes a browser left behind, read from /proc (Linux). WebKitGTK's web and network processes are children of
 * webkit-launcher.py, itself a child of WebKitWebDriver: stopping the driver ends them only after a while, and one
 * still writing its cache into the profile makes removing the profile fail (ENOTEMPTY, seen in CI on a loaded machine).
 */

/** Every live process below `roots` (children, grandchildren, …), without the roots. */
export function descendantsOf(roots: readonly number[]): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const stat = readStat(Number(entry))
    if (stat && stat.state !== 'Z') parentOf.set(Number(entry), stat.ppid)
  }
  const found = new Set(roots)
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, ppid] of parentOf)
      if (found.has(ppid) && !found.has(pid)) {
        found.add(pid)
        grew = true
      }
  }
  for (const root of roots) found.delete(root)
  return [...found]
}

/**
 * Resolves once none of `pids` runs any more (a zombie counts as gone: it holds no file). After `killAfterMs` the
 * remaining ones get SIGKILL; if even that leaves one running after as long again, it rejects naming them.
 */
export async function waitUntilGone(pids: readonly number[], killAfterMs = 10_000): Promise<void> {
  const started = Date.now()
  let killed = false
  for (;;) {
    const running = pids.filter(isRunning)
    if (running.length === 0) return
    const waited = Date.now() - started
    if (!killed && waited > killAfterMs) {
      for (const pid of running) killQuietly(pid)
      killed = true
    } else if (waited > 2 * killAfterMs) {
      throw new Error(`browser processes ${running.join(', ')} still run ${waited} ms after the browser was closed`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

function isRunning(pid: number): boolean {
  const stat = readStat(pid)
  return stat !== null && stat.state !== 'Z'
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // Gone meanwhile.
  }
}

/** `/proc/<pid>/stat`: "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ")". */
function readStat(pid: number): { state: string; ppid: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ')
    return { state: state!, ppid: Number(ppid) }
  } catch {
    return null
  }
}
