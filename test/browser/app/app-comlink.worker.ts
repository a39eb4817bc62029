import { expose } from 'comlink'

import { shapeOf } from './error-shape'

// The app's own Comlink worker, beside the database's: the library must not change how its errors cross, either way.
class AppError extends Error {
  override name = 'AppError'
  code = 'APP_FAILED'
}

expose({
  /** Throws to the page. */
  fail(): void {
    throw new AppError('the app worker failed')
  },
  /** Calls the page's callback, which throws: the error as this worker receives it. */
  async shapeFromPage(callback: () => void) {
    try {
      await callback()
      return null
    } catch (error) {
      return shapeOf(error)
    }
  },
})
