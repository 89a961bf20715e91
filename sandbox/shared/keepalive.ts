import type { Server } from "node:http";

/** How long the sandbox's servers keep an idle keep-alive connection open. */
export const IDLE_KEEPALIVE_MS = 300_000;

/** Agents talking to those servers close their idle sockets first, so neither side races the other. */
export const AGENT_IDLE_MS = 60_000;

/**
 * Node closes a keep-alive connection after 5 s idle, and a client that sends its next request at
 * that instant gets ECONNRESET: a flake, not a fault the sandbox means to inject. Cloud front ends
 * keep idle connections far longer; so do the sandbox's servers.
 */
export function keepIdleConnections(server: Server): void {
  server.keepAliveTimeout = IDLE_KEEPALIVE_MS;
  server.headersTimeout = IDLE_KEEPALIVE_MS + 1_000;
}
