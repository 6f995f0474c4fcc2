import { readFile } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The dashboard's built files, shipped inside this package (apps/dashboard builds into it). */
export const dashboardDirectory = fileURLToPath(new URL('../dashboard/', import.meta.url))

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * Serves the dashboard at `/` from `dashboardDirectory`: index.html for `/`, files by path below it,
 * nothing outside it. Without a build, `/` says how to make one.
 */
export async function serveDashboard(path: string, response: ServerResponse, directory = dashboardDirectory): Promise<void> {
  const relative = path === '/' || path === '' ? 'index.html' : decodeURIComponent(path.slice(1))
  const file = normalize(directory + relative)
  if (!file.startsWith(normalize(directory)) || relative.includes(`..${sep}`) || relative.includes('\0')) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    response.end('not found')
    return
  }
  try {
    const body = await readFile(file)
    const cache = relative === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable'
    response.writeHead(200, { 'content-type': contentTypes[extname(file)] ?? 'application/octet-stream', 'content-length': body.length, 'cache-control': cache, 'x-content-type-options': 'nosniff' })
    response.end(body)
  } catch {
    if (relative !== 'index.html') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
      response.end('not found')
      return
    }
    const text = '<!doctype html><title>Clustron</title><p>The dashboard is not built into this package. Run <code>pnpm build</code> in the repository (it builds apps/dashboard into packages/server/dashboard). The node is running: see <a href="/health">/health</a> and <a href="/metrics">/metrics</a>.</p>'
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' })
    response.end(text)
  }
}
