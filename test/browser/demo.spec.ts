import { expect, test } from './fixtures'

test('the demo page opens app.db, upgrades it and shows version, history and snapshots', async ({ page }) => {
  const errors: string[] = []
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()))
  page.on('pageerror', (error) => errors.push(error.message))
  await page.goto('/demo/')
  await expect(page.locator('#state')).toHaveText('up to date')
  await expect(page.locator('#version')).toHaveText('5')
  await expect(page.locator('#latest')).toHaveText('5')
  await expect(page.locator('#history tr')).toHaveCount(5)
  await expect(page.locator('#step')).toHaveText('Upgraded: applied 1, 2, 3, 4, 5')
  await expect(page.locator('#snapshots tr')).toHaveCount(1)

  await page.fill('#title', 'Water the #garden')
  await page.press('#title', 'Enter')
  await expect(page.locator('#notes li')).toHaveText(['Water the #garden — tags: garden'])

  await page.reload()
  await expect(page.locator('#step')).toHaveText('Up to date at open')
  await expect(page.locator('#notes li')).toHaveText(['Water the #garden — tags: garden'])
  await page.screenshot({ path: 'test-results/demo.png', fullPage: true })
  expect(errors).toEqual([])
})
