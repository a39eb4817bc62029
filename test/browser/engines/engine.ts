/**
 * One driver per engine, behind one small interface, so a scenario written once runs on all three (see
 * engines.spec.ts). Chromium: Playwright (`chromium.launch` of Debian's Chromium), the same as the rest of the suite.
 * Firefox: puppeteer-core over WebDriver BiDi against Debian's firefox-esr, with no geckodriver; Playwright needs its own
 * patched Firefox build (not downloadable here) and its `moz-firefox` channel fails at `newPage` against ESR 153.
 * WebKitGTK: Playwright's WebKit is a patched build too, so a tiny WebDriver client (webkit.ts, Node's fetch) drives
 * Debian's WebKitWebDriver; the browser it starts is webkit-launcher.py (a few lines of GTK over WebKit2 4.1) rather
 * than MiniBrowser, because MiniBrowser under automation always uses an ephemeral profile in which IndexedDB refuses
 * Blob values and OPFS fails with UnknownError; the launcher gives each Engine a persistent data directory of its own
 * and turns on the OPFS / Storage API features WebKitGTK ships disabled (even then `createSyncAccessHandle` throws
 * NotSupportedError there, so WebKitGTK can host IndexedDB databases only). Every launch gets a fresh profile (temp
 * dir), removed on close, so runs never see each other's storage.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

export interface EnginePage {
  /** Runs fn(arg) in the page's main frame and awaits a returned promise. fn is serialized with toString(): no closures. arg and the result are plain JSON. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>
  /** Navigates to a path relative to baseURL and waits for load. */
  goto(path: string): Promise<void>
  reload(): Promise<void>
  close(): Promise<void>
}

export interface Engine {
  readonly name: EngineName
  /** Browser version string as the browser reports it, e.g. "Firefox 153.7.0esr". */
  readonly version: string
  /** A new tab/window. All pages of one Engine share one origin storage (OPFS, IndexedDB), like tabs of one profile. */
  newPage(): Promise<EnginePage>
  close(): Promise<void>
}

/** Where each engine's binaries are (env overrides first, then Debian's paths). */
export function enginePaths() {
  return {
    chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    firefox: process.env.FIREFOX_PATH || '/usr/bin/firefox-esr',
    webkitDriver: process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver',
    /** Debian's python3 (python3-gi lives there, not in a pyenv/venv python that may come first on PATH). */
    python: '/usr/bin/python3',
    webkitLauncher: fileURLToPath(new URL('./webkit-launcher.py', import.meta.url)),
    xvfb: '/usr/bin/Xvfb',
  }
}

let webkitBindings: string | null | undefined

/** Why this engine can't run here (binary missing...), or null when it can. Honour env overrides CHROMIUM_PATH, FIREFOX_PATH, WEBKIT_DRIVER_PATH. */
export function engineUnavailable(name: EngineName): string | null {
  const paths = enginePaths()
  const missing = (path: string, what: string, pkg: string) =>
    existsSync(path) ? null : `${what} not found at ${path} (Debian package ${pkg})`
  switch (name) {
    case 'chromium':
      return missing(paths.chromium, 'Chromium', 'chromium; or set CHROMIUM_PATH')
    case 'firefox':
      return missing(paths.firefox, 'Firefox', 'firefox-esr; or set FIREFOX_PATH')
    case 'webkit': {
      const reason =
        missing(paths.webkitDriver, 'WebKitWebDriver', 'webkit2gtk-driver; or set WEBKIT_DRIVER_PATH') ??
        missing(paths.python, 'python3', 'python3') ??
        (process.env.DISPLAY ? null : missing(paths.xvfb, 'Xvfb (DISPLAY is unset)', 'xvfb'))
      if (reason) return reason
      if (webkitBindings === undefined) {
        // The launcher needs GTK 3 and WebKit2 4.1 through GObject introspection (python3-gi, gir1.2-webkit2-4.1).
        const check = spawnSync(
          paths.python,
          [
            '-c',
            "import gi; gi.require_version('Gtk', '3.0'); gi.require_version('WebKit2', '4.1'); from gi.repository import Gtk, WebKit2",
          ],
          { encoding: 'utf8', timeout: 20_000 },
        )
        webkitBindings =
          check.status === 0
            ? null
            : `${paths.python} cannot load GTK 3 / WebKit2 4.1 (Debian packages python3-gi, gir1.2-gtk-3.0, gir1.2-webkit2-4.1): ${(check.stderr || String(check.error ?? '')).trim().split('\n').pop()}`
      }
      return webkitBindings
    }
  }
}

export async function launchEngine(name: EngineName, baseURL: string): Promise<Engine> {
  const reason = engineUnavailable(name)
  if (reason) throw new Error(`${name} is unavailable: ${reason}`)
  const paths = enginePaths()
  // Imported on demand: a Chromium-only run never loads puppeteer-core, and the reverse.
  switch (name) {
    case 'chromium':
      return (await import('./chromium')).launchChromium(baseURL, paths.chromium)
    case 'firefox':
      return (await import('./firefox')).launchFirefox(baseURL, paths.firefox)
    case 'webkit':
      return (await import('./webkit')).launchWebKit(baseURL, paths)
  }
}
