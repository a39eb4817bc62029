import { type ChildProcess, execFileSync } from 'node:child_process'

import { expect, test } from './fixtures'
import { installPackedApp, preview, repoVite } from './packed-app'

// The package as users get it: `npm pack` → installed into a separate Vite app → production build → Chromium.
const port = 5198
let app: ReturnType<typeof installPackedApp> | undefined
let server: ChildProcess | undefined

test.beforeAll(async () => {
  test.setTimeout(180_000)
  app = installPackedApp('consumer')
  execFileSync(repoVite, ['build', '--logLevel', 'warn'], { cwd: app.directory, stdio: 'pipe' })
  server = await preview(repoVite, app.directory, port)
})

test.afterAll(() => {
  server?.kill()
  app?.remove()
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

test('the packed package exports verifyUpgrades for Node (sqlite-opfs-migrate/verify) and the CLI runs verify', () => {
  const script =
    "const { verifyUpgrades } = await import('sqlite-opfs-migrate/verify');" +
    "const r = await verifyUpgrades({ migrations: 'migrations' });" +
    'console.log(JSON.stringify({ ok: r.ok, starts: r.checks.map((c) => c.from) }))'
  const out = execFileSync('node', ['--input-type=module', '-e', script], { cwd: app!.directory, encoding: 'utf8' })
  expect(JSON.parse(out)).toEqual({ ok: true, starts: [0] })
  const cli = execFileSync('npx', ['--no-install', 'sqlite-opfs-migrate', 'verify', 'migrations'], {
    cwd: app!.directory,
    encoding: 'utf8',
  })
  expect(cli).toMatch(/ok: 1 start\(s\) upgrade to the schema of a fresh install \(version 1\)/)
})
