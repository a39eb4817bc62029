import { describe, expect, it } from 'vitest'

import { mainBundleSize } from '../../bench/bundle-size'

// The main entry is what every app ships on its page: the integrations (kysely, drizzle-orm, react) are their own
// entries, and nothing of them may reach it. A size budget, not a timing: the same source builds to the same bytes.
describe('the main entry', () => {
  it('stays within 6 KB gzip with comlink bundled, as an app ships it', async () => {
    const size = await mainBundleSize()
    expect(size.withComlink.gzip).toBeLessThanOrEqual(6 * 1024)
  }, 60_000)
})
