import { type Reply, textReply } from './reply.js'

/**
 * Consul's `Index` handler (agent/http.go), which `http.ServeMux` reaches for every path no
 * endpoint claims. It is not wrapped, so none of the API headers are set. The dev server has
 * no web UI, so `/` answers the way an agent with the UI disabled does.
 */
export function indexReply(path: string): Reply {
  if (path === '/') {
    return textReply(
      200,
      'Consul Agent: UI disabled. To enable, set ui_config.enabled=true in the agent configuration and restart.',
    )
  }
  const hint = path.includes('/v1/')
    ? 'Invalid URL path: not a recognized HTTP API endpoint\n'
    : "Invalid URL path: if attempting to use the HTTP API, ensure the path starts with '/v1/'\n"
  return textReply(404, hint)
}
