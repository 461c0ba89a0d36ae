// Polls condition until it holds, or rejects after ms: every wait in a test
// program has a deadline, so a count that never comes shows as an error,
// not a hang.
export function until(condition: () => boolean, what: string, ms = 10000, every = 5): Promise<void> {
  const deadline = Date.now() + ms
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (condition()) resolve()
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`))
      else setTimeout(check, every)
    }
    check()
  })
}
