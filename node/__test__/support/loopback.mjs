// A loopback HTTP server (node:http) that serves canned responses in order and records
// every request it received. Used by the fixture runner and the error tests.
import http from 'node:http'

/**
 * @param {Array<{status: number, headers?: Record<string,string>, body: Buffer|string}>} responses
 */
export async function startLoopback(responses) {
  const requests = []
  let next = 0
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      requests.push({
        method: req.method,
        target: req.url,
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : v])),
        body: Buffer.concat(chunks),
      })
      const canned = responses[next++]
      if (!canned) {
        res.writeHead(599, { 'content-type': 'text/plain' })
        res.end(`the case lists only ${responses.length} response(s)`)
        return
      }
      const body = typeof canned.body === 'string' ? Buffer.from(canned.body) : canned.body
      res.writeHead(canned.status, { ...(canned.headers ?? {}), 'content-length': String(body.length) })
      res.end(body)
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.()
        server.close(() => resolve())
      }),
  }
}
