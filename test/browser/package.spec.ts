import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { expect, test } from './fixtures'

// The package as users get it: `npm pack` → installed into a separate Vite app → production build → Chromium.
const root = resolve(import.meta.dirname, '../..')
const port = 5198
let app = ''
let server: ChildProcess | undefined

test.beforeAll(async () => {
  test.setTimeout(180_000)
  app = mkdtempSync(join(tmpdir(), 'som-consumer-'))
  cpSync(join(root, 'test/package/consumer'), app, { recursive: true })
  execFileSync('npm', ['pack', '--pack-destination', app, '--silent'], { cwd: root, stdio: 'pipe' })
  const tarball = readdirSync(app).find((f) => f.endsWith('.tgz'))!
  execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'pipe' })
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`], { cwd: app, stdio: 'pipe' })
  const vite = join(root, 'node_modules/.bin/vite')
  execFileSync(vite, ['build', '--logLevel', 'warn'], { cwd: app, stdio: 'pipe' })
  server = spawn(vite, ['preview', '--port', String(port), '--strictPort', '--host', '127.0.0.1'], { cwd: app, stdio: 'pipe' })
  await new Promise<void>((ready, fail) => {
    server!.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes(String(port)) && ready())
    server!.on('exit', (code) => fail(new Error(`vite preview exited with ${code}`)))
  })
})

test.afterAll(() => {
  server?.kill()
  if (app) rmSync(app, { recursive: true, force: true })
})

test('the packed package works in a production Vite build of another app', async ({ page }) => {
  const errors: string[] = []
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto(`http://127.0.0.1:${port}/`)
  await expect(page.locator('#out')).toHaveText('{"version":1,"rows":1,"errorClass":"function"}', { timeout: 20_000 })
  await page.reload()
  await expect(page.locator('#out')).toHaveText('{"version":1,"rows":2,"errorClass":"function"}', { timeout: 20_000 })
  expect(errors).toEqual([])
})
