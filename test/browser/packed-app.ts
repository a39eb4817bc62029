import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

// Apps that install the package as users get it: `npm pack` (once per test worker) → `npm install` of the tarball
// into a copy of a template app in a temporary directory.
const root = resolve(import.meta.dirname, '../..')
let tarballDirectory: string | undefined

function packOnce(): string {
  if (!tarballDirectory) {
    tarballDirectory = mkdtempSync(join(tmpdir(), 'som-pack-'))
    execFileSync('npm', ['pack', '--pack-destination', tarballDirectory, '--silent'], { cwd: root, stdio: 'pipe' })
    process.on('exit', () => rmSync(tarballDirectory!, { recursive: true, force: true }))
  }
  return join(
    tarballDirectory,
    readdirSync(tarballDirectory).find((f) => f.endsWith('.tgz'))!,
  )
}

/** A temporary app made from `test/package/<template>` with the packed package (and `extra` packages) installed. */
export function installPackedApp(template: string, extra: string[] = []): { directory: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), `som-${template}-`))
  cpSync(join(root, 'test/package', template), directory, { recursive: true })
  execFileSync('npm', ['init', '-y'], { cwd: directory, stdio: 'pipe' })
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', packOnce(), ...extra], { cwd: directory, stdio: 'pipe' })
  return { directory, remove: () => rmSync(directory, { recursive: true, force: true }) }
}

/** `vite preview` of an app's build on `port` (`args`: e.g. `['--config', 'other.config.mjs']`); resolves once it listens. */
export async function preview(vite: string, directory: string, port: number, args: string[] = []): Promise<ChildProcess> {
  const server = spawn(vite, ['preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1', ...args], {
    cwd: directory,
    stdio: 'pipe',
  })
  await new Promise<void>((ready, fail) => {
    server.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes(String(port)) && ready())
    server.on('exit', (code) => fail(new Error(`vite preview exited with ${code}`)))
  })
  return server
}

/** The repo's own Vite binary (the template apps need not install Vite). */
export const repoVite = join(root, 'node_modules/.bin/vite')
