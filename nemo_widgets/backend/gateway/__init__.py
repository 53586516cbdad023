"""The Nemo cloud's second face, the API-key gateway (`/auth/verify`, `/billing/*`, `/projects`, `/files/upload`,
`/api/v1/state/frontend/...`, `/services/v1/render-proxy/...`, chat over `/ws/chat`), served by the embedded backend
beside the bootstrap dialect: same port, store, users, credits, agent and render jobs. `mount.gateway_routes` lists
its routes."""
