import { describe, expect, it } from 'vitest'

import { parseArgs, USAGE } from '../../node/cli/cli-args'
import { runCli } from '../../node/cli/run-cli'

/** The message `parseArgs` throws for argv. */
const refusal = (...argv: string[]) => {
  try {
    parseArgs(argv)
  } catch (error) {
    return (error as Error).message
  }
  throw new Error(`accepted: ${argv.join(' ')}`)
}

describe('sqlite-opfs-migrate command line', () => {
  it('reads every documented option, in both --option value and --option=value forms, before or after the command', () => {
    expect(parseArgs(['--json', 'apply', 'app.sqlite', 'migrations', '--no-backup', '--accept-edited', '--baseline=user_version'])).toEqual(
      {
        command: 'apply',
        positional: ['app.sqlite', 'migrations'],
        json: true,
        strict: false,
        backup: false,
        acceptEdited: true,
        baseline: 'user_version',
        setup: undefined,
        functions: [],
        collations: [],
        seed: undefined,
        fixtures: undefined,
        out: undefined,
      },
    )
    expect(parseArgs(['status', 'app.sqlite', 'migrations', '--baseline', '3', '--setup=setup.mjs'])).toMatchObject({
      baseline: 3,
      setup: 'setup.mjs',
      backup: true,
      json: false,
    })
    expect(parseArgs(['verify', 'migrations', '--seed', 'seed.mjs', '--fixtures=old'])).toMatchObject({
      command: 'verify',
      seed: 'seed.mjs',
      fixtures: 'old',
    })
    expect(parseArgs(['dry-run', 'app.sqlite', 'migrations']).command).toBe('plan')
  })

  it('collects a repeated --function and --collation in order, whatever the form', () => {
    const args = parseArgs([
      'check',
      'migrations',
      '--function',
      'slug',
      '--collation=reverse',
      '--function=unaccent',
      '--strict',
      '--collation',
      'nocase2',
    ])
    expect(args).toMatchObject({ functions: ['slug', 'unaccent'], collations: ['reverse', 'nocase2'], strict: true })
  })

  it('refuses bad input with a message that names the problem', () => {
    expect(refusal('check', 'migrations', '--bogus')).toBe('unknown option --bogus')
    expect(refusal('check', 'migrations', '--bogus=1')).toBe('unknown option --bogus')
    expect(refusal('check', 'migrations', '-x')).toBe('unknown option -x')
    expect(refusal('check', 'migrations', '--', 'x')).toBe('unknown option --')
    expect(refusal('check', 'migrations', '--setup')).toBe('--setup needs a value')
    expect(refusal('check', 'migrations', '--function', '--json')).toBe('--function needs a value')
    expect(refusal('check', 'migrations', '--strict=x')).toBe('--strict takes no value')
    expect(refusal('apply', 'app.sqlite', 'migrations', '--baseline=0')).toBe(
      '--baseline takes a migration version (1 or more) or user_version, got 0',
    )
    expect(refusal('apply', 'app.sqlite', 'migrations', '--baseline', 'v2')).toMatch(/got v2$/)
    expect(refusal()).toBe('no command given')
    expect(refusal('--json')).toBe('no command given')
    expect(refusal('frob', 'migrations')).toBe('unknown command frob')
    expect(refusal('toString', 'migrations')).toBe('unknown command toString')
    expect(refusal('check')).toBe('check takes <dir>')
    expect(refusal('plan', 'migrations')).toBe('plan takes <db.sqlite> <dir>')
  })

  it('exits 2 with the message and the usage text on stderr, writing nothing on stdout', async () => {
    let stdout = ''
    let stderr = ''
    const code = await runCli(['--bogus'], {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
    })
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toBe(`unknown option --bogus\n\n${USAGE}\n`)
  })
})
