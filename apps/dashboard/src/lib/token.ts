/**
 * The access token, entered once per browser tab: sessionStorage keeps it across reloads of the tab
 * and forgets it when the tab closes (never localStorage: a token should not outlive the session).
 */
const storageKey = 'clustron.dashboard.token'

export function loadToken(): string | undefined {
  try {
    const token = sessionStorage.getItem(storageKey)
    return token === null || token === '' ? undefined : token
  } catch {
    return undefined
  }
}

export function saveToken(token: string | undefined): void {
  try {
    if (token === undefined || token === '') sessionStorage.removeItem(storageKey)
    else sessionStorage.setItem(storageKey, token)
  } catch {
    // Storage disabled (privacy mode): the token lives in memory for this page only.
  }
}
